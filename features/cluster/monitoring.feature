@cluster
Feature: Monitoring a cluster: /routez, /varz and /healthz
  Each server reports its routes by remote server name, its cluster section and the
  number of remote servers, and is healthy once routed. Ported from
  server/routes_test.go and server/monitor_test.go cluster cases.

  @go:TestRouteConfig @go:TestClusterNameOption
  Scenario: /varz shows the cluster name and the remote server count
    Given a cluster of 3 servers
    Then the monitoring endpoint "/varz" of server "A" field "cluster.name" is "C1"
    And the monitoring endpoint "/varz" of server "B" field "remotes" is "2"
    And the monitoring endpoint "/varz" of server "C" field "cluster.addr" is "127.0.0.1"

  @go:TestServerRoutesWithClients
  Scenario: /varz lists the client URLs of the whole cluster
    Given a cluster of 3 servers
    When the monitoring endpoint "/varz" of server "C" is read
    Then the reply field "connect_urls" has 3 items

  @go:TestRoutesToEachOther
  Scenario: /routez names each remote server
    Given a cluster of 3 servers
    When the monitoring endpoint "/routez" of server "B" is read
    Then the reply list "routes" has an entry with "remote_name" equal to "A"
    And the reply list "routes" has an entry with "remote_name" equal to "C"
    And the reply list "routes" has no entry with "remote_name" equal to "B"
    And the reply number "num_routes" is at least 2
    And the reply field "server_name" is "B"

  @go:TestServerRoutesWithClients
  Scenario: /routez with subs lists the interest a route carries
    Given a cluster of 2 servers
    And a client "c" to server "B"
    When "c" subscribes to "monitored.subject" as "s1"
    And "c" flushes
    Then server "A" sees interest in "monitored.subject" from "B" within 5s
    When the monitoring endpoint "/routez?subs=1" of server "A" is read
    Then the reply list "routes" has an entry with "remote_name" equal to "B"

  @go:TestRouteGoServerShutdown
  Scenario: /varz counts one remote fewer after a server is killed
    Given a cluster of 3 servers
    When the server "C" is killed
    Then server "A" has routes to "B" within 5s
    And the monitoring endpoint "/varz" of server "A" field "remotes" is "1"

  @go:TestRouteConfig
  Scenario: Every server of a formed cluster is healthy
    Given a cluster of 3 servers
    Then the monitoring endpoint "/healthz" of server "A" answers with status 200
    And the monitoring endpoint "/healthz" of server "B" answers with status 200
    And the monitoring endpoint "/healthz" of server "C" answers with status 200
