@cluster
Feature: Queue groups across servers
  A queue group spread over several servers gets each message once; a member on the
  publisher's own server is preferred; different groups and plain subscribers each
  get their copy. Ported from test/cluster_test.go, test/routes_test.go,
  test/new_routes_test.go and server/routes_test.go.

  @go:TestRouteQueueSemantics @go:TestNewRouteQueueSubsDistribution
  Scenario: Members on two remote servers share the messages, each delivered once
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "cb" to server "B"
    And a client "cc" to server "C"
    When "cb" subscribes to "work" in queue "workers" as "qb"
    And "cc" subscribes to "work" in queue "workers" as "qc"
    And "cb" flushes
    And "cc" flushes
    Then server "A" sees interest in "work" from "B" within 5s
    And server "A" sees interest in "work" from "C" within 5s
    When "pub" publishes 100 messages to "work"
    Then "qb" and "qc" together receive 100 messages within 5s, each at least 1

  @go:TestClusterQueueSubs
  Scenario: Members on the publisher's server and on a remote server share the messages
    Given a cluster of 2 servers
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    When "ca" subscribes to "work" in queue "workers" as "qa"
    And "cb" subscribes to "work" in queue "workers" as "qb"
    And "cb" flushes
    And "ca" flushes
    Then server "A" sees interest in "work" from "B" within 5s
    When "ca" publishes 100 messages to "work"
    Then "qa" and "qb" together receive 100 messages within 5s, each at least 1

  @go:TestClusterQueueSubs
  Scenario: A remote member gets every message when it is the only member
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "cb" to server "B"
    When "cb" subscribes to "work" in queue "workers" as "qb"
    And "cb" flushes
    Then server "A" sees interest in "work" from "B" within 5s
    When "pub" publishes 50 messages to "work"
    Then "qb" receives 50 messages within 5s
    And "qb" receives no message within 300ms

  @go:TestClusterQueueSubs
  Scenario: Two queue groups and a plain subscriber on different servers each get every message
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    And a client "cc" to server "C"
    When "ca" subscribes to "foo" in queue "qg1" as "q1"
    And "cb" subscribes to "foo" in queue "qg2" as "q2"
    And "cc" subscribes to "foo" as "plain"
    And "ca" flushes
    And "cb" flushes
    And "cc" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    And server "A" sees interest in "foo" from "C" within 5s
    When "pub" publishes 10 messages to "foo"
    Then "q1" receives 10 messages within 5s
    And "q2" receives 10 messages within 5s
    And "plain" receives 10 messages within 5s
    And "q1" receives no message within 200ms
    And "q2" receives no message within 200ms
    And "plain" receives no message within 200ms

  @go:TestClusterQueueSubs @go:TestNewRouteClientClosedWithQueueSubscriptions
  Scenario: When a member leaves, the remaining remote member gets everything
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "cb" to server "B"
    And a client "cc" to server "C"
    When "cb" subscribes to "work" in queue "workers" as "qb"
    And "cc" subscribes to "work" in queue "workers" as "qc"
    And "cb" flushes
    And "cc" flushes
    Then server "A" sees interest in "work" from "C" within 5s
    When "cc" unsubscribes "qc"
    And "cc" flushes
    Then server "A" does not see interest in "work" from "C" within 5s
    When "pub" publishes 20 messages to "work"
    Then "qb" receives 20 messages within 5s
    And "qb" receives no message within 300ms

  @go:TestClusterQueueGroupWeightTrackingLeak
  Scenario: A queue group whose last remote member leaves is no longer interest anywhere
    Given a cluster of 2 servers
    And a raw connection "b" to server "B" with connect options {"verbose":false}
    And a client "pub" to server "A"
    When "b" sends "SUB work workers 1\r\nSUB work workers 2\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "work" from "B" within 5s
    When "b" sends "UNSUB 1\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "work" from "B" within 2s
    When "b" sends "UNSUB 2\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" does not see interest in "work" from "B" within 5s
    And a request from "pub" on "work" fails with no responders

  @go:TestRouteQueueSemantics
  Scenario: A queue member and a plain subscriber on the same remote server each get a copy
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a raw connection "b" to server "B" with connect options {"verbose":false}
    When "b" sends "SUB foo 1\r\nSUB foo bar 2\r\nSUB sentinel 3\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "sentinel" from "B" within 5s
    When "pub" publishes "ok" to "foo"
    Then "b" receives 2 messages within 2s spread over sids "1,2" with at least 1 each
    And "b" receives no data within 300ms

  @go:TestNewRouteLargeDistinctQueueSubscribers
  Scenario: Twenty distinct queue groups on a remote server each get one copy
    # Interest travels in order on a route, so the last subscription's arrival means
    # all twenty groups are known.
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a raw connection "b" to server "B" with connect options {"verbose":false}
    When "b" sends the lines:
      """
      SUB foo g1 1
      SUB foo g2 2
      SUB foo g3 3
      SUB foo g4 4
      SUB foo g5 5
      SUB foo g6 6
      SUB foo g7 7
      SUB foo g8 8
      SUB foo g9 9
      SUB foo g10 10
      SUB foo g11 11
      SUB foo g12 12
      SUB foo g13 13
      SUB foo g14 14
      SUB foo g15 15
      SUB foo g16 16
      SUB foo g17 17
      SUB foo g18 18
      SUB foo g19 19
      SUB foo g20 20
      SUB sentinel 99
      PING
      """
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "sentinel" from "B" within 5s
    When "pub" publishes "ok" to "foo"
    Then "b" receives 20 messages within 3s spread over sids "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20" with at least 1 each
    And "b" receives no data within 300ms
