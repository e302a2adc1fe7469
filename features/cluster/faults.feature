@cluster
Feature: Faults in a cluster: kills, stops, pauses, restarts and network partitions
  Servers that die, stop or freeze lose and regain their routes; a network partition
  between two servers drops the interest between them while both still reach a third
  one, cannot be routed around by gossip, and heals without duplicate deliveries.
  Ported from test/cluster_test.go, test/routes_test.go and server/routes_test.go;
  the partitions use the harness's route proxy (see conformance/src/cluster.rs). No Go
  test cuts a network, so the @partition scenarios name none; they check the harness's
  cut as much as the servers.

  @go:TestRouteGoServerShutdown @go:TestProperServerWithRoutesShutdown
  Scenario: The others drop the routes of a server killed with kill -9 and keep talking
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "sub" to server "C"
    When the server "B" is killed
    Then server "A" has routes to "C" within 5s
    And server "C" has routes to "A" within 5s
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "C" within 5s
    When "pub" publishes "ok" to "foo"
    Then "s1" receives "ok" on "foo" within 2s

  @go:TestProperServerWithRoutesShutdown
  Scenario: A gracefully stopped server's routes go away at once
    Given a cluster of 3 servers
    When the server "C" is stopped
    Then server "A" has routes to "B" within 3s
    And server "B" has routes to "A" within 3s

  @go:TestSolicitRouteReconnect @go:TestRouteResendsLocalSubsOnReconnect
  Scenario: A killed server that starts again rejoins and gets the interest of the others
    Given a cluster of 3 servers
    And a client "sub" to server "A"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    And the server "B" is killed
    Then server "A" has routes to "C" within 5s
    When the server "B" is started again
    Then the cluster is formed within 30s
    Given a client "pub" to server "B"
    Then server "B" sees interest in "foo" from "A" within 5s
    When "pub" publishes "back" to "foo"
    Then "s1" receives "back" on "foo" within 2s
    And "s1" receives no message within 300ms

  @go:TestRouteSolicitedReconnectsEvenIfImplicit
  Scenario: A server that joined through a seed rejoins everybody after a restart
    Given a cluster of 2 servers
    And a server "C" joins the cluster through "A"
    When the server "C" is restarted
    Then the cluster is formed within 30s
    And server "C" has routes to "A,B" within 5s

  @go:TestSolicitRouteReconnect
  Scenario: A server that restarts keeps its ports and is routed to again
    Given a cluster of 3 servers
    When the server "A" is restarted
    Then the cluster is formed within 30s
    And server "B" has routes to "A,C" within 5s

  @go:TestRouteConnectOnShutdownRace
  Scenario: Messages published while a remote server is frozen are delivered once it resumes
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When the server "B" is paused
    And "pub" publishes "while-frozen" to "foo"
    And "pub" flushes
    And the server "B" is resumed
    Then "s1" receives "while-frozen" on "foo" within 5s
    And "s1" receives no message within 300ms

  @partition
  Scenario: A network partition drops interest across the cut; both sides still reach the third server; healing restores delivery without duplicates
    Given a cluster of 3 servers
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    And a client "cc" to server "C"
    When "cb" subscribes to "to.b" as "sb"
    And "ca" subscribes to "to.a" as "sa"
    And "cc" subscribes to "to.c" as "sc"
    And "ca" flushes
    And "cb" flushes
    And "cc" flushes
    Then server "A" sees interest in "to.b" from "B" within 5s
    And server "C" sees interest in "to.a" from "A" within 5s
    And server "C" sees interest in "to.b" from "B" within 5s
    And server "A" sees interest in "to.c" from "C" within 5s
    And server "B" sees interest in "to.c" from "C" within 5s
    When the network between "A" and "B" is cut
    Then server "A" has routes to "C" within 5s
    And server "B" has routes to "C" within 5s
    And server "A" has routes to "C" for 2s
    And server "A" does not see interest in "to.b" from "B" within 5s
    When "ca" publishes "across-the-cut" to "to.b"
    And "ca" flushes
    Then "sb" receives no message within 500ms
    When "ca" publishes "a-to-c" to "to.c"
    And "cb" publishes "b-to-c" to "to.c"
    And "cc" publishes "c-to-a" to "to.a"
    And "cc" publishes "c-to-b" to "to.b"
    Then "sc" receives 2 messages within 2s
    And "sa" receives "c-to-a" on "to.a" within 2s
    And "sb" receives "c-to-b" on "to.b" within 2s
    When the network between "A" and "B" is healed
    Then the cluster is formed within 30s
    And server "A" sees interest in "to.b" from "B" within 5s
    When "ca" publishes "healed" to "to.b"
    Then "sb" receives "healed" on "to.b" within 2s
    And "sb" receives no message within 500ms
    And "sc" receives no message within 100ms

  @partition
  Scenario: A partition is not routed around by gossip when the third server restarts
    Given a cluster of 3 servers
    When the network between "A" and "B" is cut
    Then server "A" has routes to "C" within 5s
    When the server "C" is restarted
    Then server "C" has routes to "A,B" within 10s
    And server "A" has routes to "C" for 3s
    And server "B" has routes to "C" for 1s
    When the network is healed
    Then the cluster is formed within 30s

  @partition
  Scenario: An isolated server is cut off from everyone and comes back after healing
    Given a cluster of 3 servers
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    And a client "cc" to server "C"
    When "cb" subscribes to "all" as "sb"
    And "cc" subscribes to "all" as "sc"
    And "cb" flushes
    And "cc" flushes
    Then server "A" sees interest in "all" from "B" within 5s
    And server "A" sees interest in "all" from "C" within 5s
    And server "B" sees interest in "all" from "C" within 5s
    When the network between "A" and "B,C" is cut
    Then server "A" has routes to "" within 5s
    And server "B" has routes to "C" within 5s
    And server "A" has routes to "" for 2s
    When "ca" publishes "from-isolated" to "all"
    And "cb" publishes "from-b" to "all"
    Then "sc" receives "from-b" on "all" within 2s
    And "sb" receives "from-b" on "all" within 2s
    And "sb" receives no message within 300ms
    And "sc" receives no message within 100ms
    When the network between "A" and "B,C" is healed
    Then the cluster is formed within 30s
    And server "A" sees interest in "all" from "B" within 5s
    And server "A" sees interest in "all" from "C" within 5s
    When "ca" publishes "rejoined" to "all"
    Then "sb" receives "rejoined" on "all" within 2s
    And "sc" receives "rejoined" on "all" within 2s

  @partition
  Scenario: A five-server cluster split two against three heals into one mesh
    Given a cluster of 5 servers
    When the network between "A,B" and "C,D,E" is cut
    Then server "A" has routes to "B" within 5s
    And server "E" has routes to "C,D" within 5s
    And server "A" has routes to "B" for 2s
    When the network is healed
    Then the cluster is formed within 30s

  @partition
  Scenario: A partition between servers that met through gossip holds when the seed restarts
    Given a cluster of 1 server
    And a server "B" joins the cluster through "A"
    And a server "C" joins the cluster through "A"
    When the network between "B" and "C" is cut
    Then server "B" has routes to "A" within 5s
    And server "C" has routes to "A" within 5s
    When the server "A" is restarted
    Then server "A" has routes to "B,C" within 10s
    And server "B" has routes to "A" for 3s
    And server "C" has routes to "A" for 1s
    When the network is healed
    And the server "A" is restarted
    Then the cluster is formed within 30s
