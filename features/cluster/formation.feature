@cluster
Feature: Cluster formation and discovery
  Servers listed in each other's cluster routes form a full mesh; a server that knows
  only a seed learns the rest by gossip and every server routes to it. Ported from
  test/route_discovery_test.go, test/cluster_test.go and server/routes_test.go.

  @go:TestBasicClusterPubSub @go:TestRoutesToEachOther
  Scenario: Three servers that list each other form a full mesh
    Given a cluster of 3 servers
    Then server "A" has routes to "B,C" within 5s
    And server "B" has routes to "A,C" within 5s
    And server "C" has routes to "A,B" within 5s

  @go:TestSeedSolicitWorks
  Scenario: A server that knows only the seed is routed to by every member
    Given a cluster of 3 servers
    And a server "D" joins the cluster through "A"
    Then server "D" has routes to "A,B,C" within 10s
    And server "B" has routes to "A,C,D" within 10s

  @go:TestChainedSolicitWorks
  Scenario: Servers that each know only the previous one still form a full mesh
    Given a cluster of 1 server
    And a server "B" joins the cluster through "A"
    And a server "C" joins the cluster through "B"
    And a server "D" joins the cluster through "C"
    Then server "A" has routes to "B,C,D" within 10s
    And server "D" has routes to "A,B,C" within 10s

  @go:TestStressSeedSolicitWorks @go:TestRoutesToEachOther
  Scenario: Five servers that list each other form a full mesh
    Given a cluster of 5 servers
    Then server "A" has routes to "B,C,D,E" within 5s
    And server "C" has routes to "A,B,D,E" within 5s
    And server "E" has routes to "A,B,C,D" within 5s

  @go:TestStressChainedSolicitWorks
  Scenario: Several servers joining through the same seed all find each other
    Given a cluster of 1 server
    And a server "B" joins the cluster through "A"
    And a server "C" joins the cluster through "A"
    And a server "D" joins the cluster through "A"
    And a server "E" joins the cluster through "A"
    Then server "B" has routes to "A,C,D,E" within 10s
    And server "E" has routes to "A,B,C,D" within 10s

  @go:TestRouteToSelf @go:TestRouteIPResolutionAndRouteToSelf
  Scenario: A server whose route list names itself makes no route to itself
    Given a cluster of 1 server
    Then server "A" has routes to "" for 2s
    And the monitoring endpoint "/healthz" of server "A" answers with status 200

  @go:TestClusterNameConflictsDropRoutes @go:TestRouteClusterNameConflictBetweenStaticAndDynamic
  Scenario: A server configured with another cluster name is not routed to
    Given a cluster of 2 servers
    And cluster node "X" has cluster options:
      """
      name: "OTHER"
      """
    And a server "X" is started with routes to "A"
    Then server "X" has routes to "" for 2s
    And server "A" has routes to "B" for 1s

  @go:TestRoutePool
  Scenario: Servers with pooled routes report each remote once by name
    Given every cluster node has cluster options:
      """
      pool_size: 5
      """
    And a cluster of 3 servers
    When the monitoring endpoint "/routez" of server "A" is read
    Then the reply number "num_routes" is at least 2
    And the reply list "routes" has an entry with "remote_name" equal to "B"
    And the reply list "routes" has an entry with "remote_name" equal to "C"

  @go:TestRoutePoolAndPerAccountWithOlderServer
  Scenario: Servers without route pooling form a cluster and carry messages
    Given every cluster node has cluster options:
      """
      pool_size: -1
      """
    And a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "sub" to server "C"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "C" within 5s
    When "pub" publishes "ok" to "foo"
    Then "s1" receives "ok" on "foo" within 2s
    And "s1" receives no message within 300ms

  @go:TestServerRoutesWithAuthAndBCrypt @go:TestAuthSeedSolicitWorks
  Scenario: Servers whose routes carry the cluster's credentials form a cluster
    Given every cluster node has cluster options:
      """
      authorization { user: "ruser", password: "top_secret" }
      """
    And every cluster node dials routes as "ruser:top_secret"
    And a cluster of 3 servers
    Then server "B" has routes to "A,C" within 5s

  @go:TestServerRoutesWithAuthAndBCrypt
  Scenario: A server that dials with the wrong route password is not let in
    Given every cluster node has cluster options:
      """
      authorization { user: "ruser", password: "top_secret" }
      """
    And every cluster node dials routes as "ruser:top_secret"
    And a cluster of 2 servers
    And cluster node "X" dials routes as "ruser:wrong"
    And a server "X" is started with routes to "A"
    Then server "A" has routes to "B" for 2s
    And server "X" has routes to "" for 1s

  @go:TestRouteDuplicateServerName
  Scenario: A server that takes the name of a member refuses the route from that member
    Given a cluster of 2 servers
    And cluster node "X" has config:
      """
      server_name: "B"
      """
    And a server "X" is started with routes to "A"
    Then server "X" has routes to "A" within 5s
    And server "X" has routes to "A" for 2s

  @go:TestRoutePoolSizeDifferentOnEachServer
  Scenario: Servers with different route pool sizes still form a cluster and carry messages
    Given cluster node "A" has cluster options:
      """
      pool_size: 2
      """
    And cluster node "B" has cluster options:
      """
      pool_size: 5
      """
    And a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes 20 messages to "foo"
    Then "s1" receives 20 messages within 5s
    And "s1" receives no message within 300ms
