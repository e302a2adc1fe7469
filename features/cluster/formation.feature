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
