@cluster
Feature: Interest and messages across a cluster
  Subscriptions on one server become interest on the others; a message published
  anywhere reaches every interested subscriber in the cluster exactly once, with
  its reply subject and headers; interest goes away with unsubscribes, auto-unsubscribe
  limits and closed clients. Ported from test/cluster_test.go, test/routes_test.go,
  test/new_routes_test.go and server/routes_test.go.

  @go:TestBasicClusterPubSub
  Scenario: A message published on one server reaches a subscriber on another
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "ok" to "foo"
    Then "s1" receives "ok" on "foo" within 2s
    And "s1" receives no message within 300ms

  @go:TestRouteOnlySendOnce @go:TestBasicClusterPubSub
  Scenario: Subscribers on every server each get a message exactly once
    Given a cluster of 3 servers
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    And a client "cc" to server "C"
    When "ca" subscribes to "foo" as "sa"
    And "cb" subscribes to "foo" as "sb"
    And "cc" subscribes to "foo" as "sc"
    And "cb" flushes
    And "cc" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    And server "A" sees interest in "foo" from "C" within 5s
    When "ca" publishes "ok" to "foo"
    Then "sa" receives "ok" on "foo" within 2s
    And "sb" receives "ok" on "foo" within 2s
    And "sc" receives "ok" on "foo" within 2s
    And "sa" receives no message within 300ms
    And "sb" receives no message within 300ms
    And "sc" receives no message within 300ms

  @go:TestRouteOnlySendOnce
  Scenario: Many subscriptions on one remote server still cost one copy per subscription, not per route
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" subscribes to "foo" as "s2"
    And "sub" subscribes to "*" as "s3"
    And "sub" flushes
    Then server "A" sees interest in "*" from "B" within 5s
    When "pub" publishes "ok" to "foo"
    Then "s1" receives "ok" on "foo" within 2s
    And "s2" receives "ok" on "foo" within 2s
    And "s3" receives "ok" on "foo" within 2s
    And "s1" receives no message within 300ms
    And "s2" receives no message within 300ms
    And "s3" receives no message within 300ms

  @go:TestClusterDoubleMsgs
  Scenario: A client with a plain and a full wildcard subscription gets one copy on each
    Given a cluster of 2 servers
    And a raw connection "a" to server "A" with connect options {"verbose":false}
    And a client "pub" to server "B"
    When "a" sends "SUB > 1\r\nSUB foo 2\r\nPING\r\n"
    Then "a" receives "PONG\r\n"
    And server "B" sees interest in ">" from "A" within 5s
    When "pub" publishes "ok" to "foo"
    Then "a" receives 2 messages within 2s spread over sids "1,2" with at least 1 each
    And "a" receives no data within 300ms

  @go:TestBasicClusterPubSub
  Scenario: Wildcard subscriptions on a remote server match
    Given a cluster of 3 servers
    And a client "pub" to server "C"
    And a client "sub" to server "A"
    When "sub" subscribes to "orders.*.created" as "s1"
    And "sub" subscribes to "orders.>" as "s2"
    And "sub" flushes
    Then server "C" sees interest in "orders.>" from "A" within 5s
    And server "C" sees interest in "orders.*.created" from "A" within 5s
    When "pub" publishes "x" to "orders.42.created"
    And "pub" publishes "y" to "orders.42.shipped"
    Then "s1" receives "x" on "orders.42.created" within 2s
    And "s2" receives "x" on "orders.42.created" within 2s
    And "s2" receives "y" on "orders.42.shipped" within 2s
    And "s1" receives no message within 300ms

  @go:TestRouteForwardsMsgToClients
  Scenario: A message for a subject nobody in the cluster wants is delivered nowhere
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "ok" to "bar"
    Then "s1" receives no message within 300ms

  @go:TestNewRouteProcessRoutedMsgs
  Scenario: A request answered on another server gets its reply back
    Given a cluster of 3 servers
    And a client "svc" to server "C"
    And a client "cli" to server "A"
    When "svc" replies "pong" to requests on "svc.ping"
    And "svc" flushes
    Then server "A" sees interest in "svc.ping" from "C" within 5s
    When "cli" requests "ping" on "svc.ping" as "r1"
    Then reply "r1" is "pong"

  @go:TestNewRouteProcessRoutedMsgs
  Scenario: The reply subject travels with a routed message
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "ok" to "foo" with reply "my.reply"
    Then "s1" receives "ok" on "foo" with reply "my.reply" within 2s

  @go:TestNewRouteHeaderSupport
  Scenario: Headers travel with a routed message
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "ok" to "foo" with headers:
      | Trace-Id | abc-123 |
    Then "s1" receives "ok" on "foo" within 2s
    And the last message on "s1" has header "Trace-Id" equal to "abc-123"

  @go:TestNewRouteHeaderSupport
  Scenario: A client without header support gets a routed message without its headers
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a raw connection "b" to server "B" with connect options {"verbose":false,"headers":false}
    When "b" sends "SUB foo 1\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "ok" to "foo" with headers:
      | Trace-Id | abc-123 |
    Then "b" receives "MSG foo 1 2\r\nok\r\n"

  @go:TestSendRouteSubAndUnsub
  Scenario: Unsubscribing removes the interest from the other servers
    Given a cluster of 3 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    And server "C" sees interest in "foo" from "B" within 5s
    When "sub" unsubscribes "s1"
    And "sub" flushes
    Then server "A" does not see interest in "foo" from "B" within 5s
    And server "C" does not see interest in "foo" from "B" within 5s

  @go:TestClusterDropsRemoteSids @go:TestNewRouteClientClosedWithNormalSubscriptions
  Scenario: A closed client's interest is removed from the other servers
    Given a cluster of 2 servers
    And a raw connection "b" to server "B" with connect options {"verbose":false}
    When "b" sends "SUB foo 1\r\nSUB bar 2\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "foo" from "B" within 5s
    And server "A" sees interest in "bar" from "B" within 5s
    When "b" disconnects
    Then server "A" does not see interest in "foo" from "B" within 5s
    And server "A" does not see interest in "bar" from "B" within 5s

  @go:TestAutoUnsubscribePropagation
  Scenario: An auto-unsubscribe limit removes the remote interest once reached
    Given a cluster of 2 servers
    And a raw connection "b" to server "B" with connect options {"verbose":false}
    And a client "pub" to server "A"
    When "b" sends "SUB foo 1\r\nUNSUB 1 2\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "m1" to "foo"
    And "pub" publishes "m2" to "foo"
    And "pub" publishes "m3" to "foo"
    Then "b" receives "MSG foo 1 2\r\nm1\r\n"
    And "b" receives "MSG foo 1 2\r\nm2\r\n"
    And "b" receives no data within 300ms
    And server "A" does not see interest in "foo" from "B" within 5s

  @go:TestAutoUnsubscribePropagationOnClientDisconnect
  Scenario: A client that leaves with an auto-unsubscribe pending takes its interest along
    Given a cluster of 2 servers
    And a raw connection "b" to server "B" with connect options {"verbose":false}
    When "b" sends "SUB foo 1\r\nUNSUB 1 5\r\nPING\r\n"
    Then "b" receives "PONG\r\n"
    And server "A" sees interest in "foo" from "B" within 5s
    When "b" disconnects
    Then server "A" does not see interest in "foo" from "B" within 5s

  @go:TestNewRouteConnectSubs @go:TestRouteResendsLocalSubsOnReconnect
  Scenario: A server that joins later learns the interest that already exists
    Given a cluster of 2 servers
    And a client "sub" to server "A"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Given a server "D" joins the cluster through "B"
    And a client "pub" to server "D"
    Then server "D" sees interest in "foo" from "A" within 5s
    When "pub" publishes "late" to "foo"
    Then "s1" receives "late" on "foo" within 2s

  @go:TestRouteSendLocalSubsWithLowMaxPending
  Scenario: A thousand messages cross a route with none lost or duplicated
    Given a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "bulk" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "bulk" from "B" within 5s
    When "pub" publishes 1000 messages to "bulk"
    Then "s1" receives 1000 messages within 10s
    And "s1" receives no message within 300ms
