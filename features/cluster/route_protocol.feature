@cluster
Feature: The route protocol on a raw route connection
  A fake server connects to a node's route port, sends a route CONNECT and an INFO
  without a pool size (one pool-less route that names the account in every line),
  and exchanges RS+, RS-, RMSG and HMSG with it. Ported from test/routes_test.go and
  test/new_routes_test.go.

  @go:TestSendRouteInfoOnConnect @go:TestNewRouteInfoOnConnect
  Scenario: The route port greets with an INFO describing the server and its cluster
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    Then the INFO of "r" has field "server_name" equal to "A"
    And the INFO of "r" has field "cluster" equal to "C1"
    And the INFO of "r" has field "headers" equal to "true"
    And the INFO of "r" has field "server_id" matching "^N[A-Z0-9]{55}$"

  @go:TestRouteToSelf
  Scenario: A route that presents the server's own INFO is closed as a route to itself
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1" that sends only its CONNECT
    When "r" sends back the INFO it received
    And "r" sends "PING\r\n"
    Then "r" is closed by the server within 2s

  @go:TestSendRouteSubAndUnsub @go:TestNewRouteRSubs
  Scenario: A client's SUB and UNSUB reach the route as RS+ and RS- with the account
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo 22\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo$"
    When "c" sends "UNSUB 22\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS- \$G foo$"

  @go:TestNewRouteConnectSubs @go:TestRouteResendsLocalSubsOnReconnect
  Scenario: Interest that exists before the route connects is sent once it does
    Given a cluster of 1 server without a system account
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo 1\r\nSUB bar q 2\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    Given a raw route connection "r" to server "A" as "FAKE1"
    Then "r" receives a line matching "^RS\+ \$G (foo|bar q 1)$"
    And "r" receives a line matching "^RS\+ \$G (foo|bar q 1)$"

  @go:TestRouteForwardsMsgFromClients
  Scenario: A client's message reaches a route that declared interest, as RMSG
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G foo\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "RMSG $G foo 2\r\nok\r\n"

  @go:TestRouteForwardsMsgFromClients
  Scenario: A client's message with a reply reaches the route with the reply
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G foo\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo bar 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "RMSG $G foo bar 2\r\nok\r\n"

  @go:TestRouteForwardsMsgFromClients
  Scenario: A client's message does not reach a route that declared no interest
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G bar\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives no data within 300ms

  @go:TestRouteForwardsMsgToClients @go:TestNewRouteProcessRoutedMsgs
  Scenario: A routed RMSG is delivered to a local subscriber as MSG
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo 1\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    When "r" sends "RMSG $G foo 2\r\nok\r\n"
    Then "c" receives "MSG foo 1 2\r\nok\r\n"

  @go:TestNewRouteProcessRoutedMsgs
  Scenario: A routed RMSG with a reply keeps the reply
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo 1\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    When "r" sends "RMSG $G foo reply 2\r\nok\r\n"
    Then "c" receives "MSG foo 1 reply 2\r\nok\r\n"

  @go:TestNewRouteProcessRoutedMsgs
  Scenario: A routed RMSG for a queue group reaches exactly one member
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo bar 1\r\nSUB foo bar 2\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    When "r" sends "RMSG $G foo + reply bar 2\r\nok\r\n"
    Then "c" receives a line matching "^MSG foo [12] reply 2$"
    And "c" receives "ok\r\n"
    And "c" receives no data within 300ms

  @go:TestNewRouteProcessRoutedMsgs
  Scenario: A routed RMSG for another queue group is not delivered to local members
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo bar 1\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    When "r" sends "RMSG $G foo | baz 2\r\nok\r\n"
    Then "c" receives no data within 300ms

  @go:TestRouteOneHopSemantics
  Scenario: A message that came over a route is not forwarded to another route
    Given a cluster of 1 server without a system account
    And a raw route connection "r1" to server "A" as "FAKE1"
    And a raw route connection "r2" to server "A" as "FAKE2"
    Then "r1" receives a line matching "^INFO .*\"server_id\":\"FAKE2\""
    When "r2" sends "RS+ $G foo\r\nPING\r\n"
    Then "r2" receives "PONG\r\n"
    When "r1" sends "RMSG $G foo 2\r\nok\r\nPING\r\n"
    Then "r1" receives "PONG\r\n"
    And "r2" receives no data within 300ms

  @go:TestRouteOneHopSemantics
  Scenario: Interest that came over a route is not propagated to another route
    Given a cluster of 1 server without a system account
    And a raw route connection "r1" to server "A" as "FAKE1"
    And a raw route connection "r2" to server "A" as "FAKE2"
    Then "r1" receives a line matching "^INFO .*\"server_id\":\"FAKE2\""
    When "r1" sends "RS+ $G foo\r\nPING\r\n"
    Then "r1" receives "PONG\r\n"
    And "r2" receives no data within 300ms

  @go:TestNewRouteProgressiveNormalSubs
  Scenario: Plain subscriptions on one subject send RS+ once and RS- after the last one
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo 1\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo$"
    When "c" sends "SUB foo 2\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives no data within 200ms
    When "c" sends "UNSUB 1\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives no data within 200ms
    When "c" sends "UNSUB 2\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS- \$G foo$"

  @go:TestNewRouteProgressiveNormalSubs
  Scenario: Queue subscriptions send RS+ with the group's current weight
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo bar 3\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo bar 1$"
    When "c" sends "SUB foo bar 4\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo bar 2$"
    When "c" sends "SUB foo bar 5\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo bar 3$"
    When "c" sends "UNSUB 5\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo bar 2$"
    When "c" sends "UNSUB 4\r\nUNSUB 3\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo bar 1$"
    And "r" receives a line matching "^RS- \$G foo bar$"

  @go:TestNewRouteClientClosedWithNormalSubscriptions
  Scenario: A client that closes with many subscriptions on one subject causes one RS-
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends the lines:
      """
      SUB foo 1
      SUB foo 2
      SUB foo 3
      SUB foo 4
      PING
      """
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo$"
    And "r" receives no data within 200ms
    When "c" disconnects
    Then "r" receives a line matching "^RS- \$G foo$"
    And "r" receives no data within 300ms

  @go:TestNewRouteClientClosedWithQueueSubscriptions
  Scenario: A client that closes with queue subscriptions causes one RS- for the group
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo bar 1\r\nSUB foo bar 2\r\nSUB foo bar 3\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ \$G foo bar 1$"
    And "r" receives a line matching "^RS\+ \$G foo bar 2$"
    And "r" receives a line matching "^RS\+ \$G foo bar 3$"
    When "c" disconnects
    Then "r" receives a line matching "^RS- \$G foo bar$"
    And "r" receives no data within 300ms

  @go:TestNewRouteRSubCleanupOnDisconnect
  Scenario: Interest a route declared is dropped when the route goes away
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a client "c1" to server "A"
    When "r" sends "RS+ $G foo\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    And server "A" has routes to "FAKE1" within 2s
    When "r" disconnects
    Then server "A" has routes to "" within 5s
    And a request from "c1" on "foo" fails with no responders

  @go:TestNewRouteHeaderSupport
  Scenario: A routed HMSG reaches a header-aware client as HMSG
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false,"headers":true}
    When "c" sends "SUB foo 1\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    When "r" sends "HMSG $G foo 12 14\r\nNATS/1.0\r\n\r\nok\r\n"
    Then "c" receives "HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nok\r\n"

  @go:TestNewRouteHeaderSupport
  Scenario: A client's HPUB reaches a header-aware route as HMSG
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false,"headers":true}
    When "r" sends "RS+ $G foo\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "HMSG $G foo 12 14\r\nNATS/1.0\r\n\r\nok\r\n"

  @go:TestClusterNameConflictsDropRoutes
  Scenario: A route from another cluster is refused
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1" in cluster "OTHER" that sends only its CONNECT
    When "r" sends "INFO {\"server_id\":\"FAKE1\",\"cluster\":\"OTHER\"}\r\nPING\r\n"
    Then "r" is closed by the server within 2s

  @go:TestSendRouteInfoOnConnect
  Scenario: A route answers PING with PONG
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n"

  @go:TestSeedFirstRouteInfo @go:TestSeedMultipleRouteInfo @go:TestSeedReturnIPInInfo
  Scenario: A seed announces each new route to the routes it already has, with the address to dial
    Given a cluster of 1 server without a system account
    And a raw route connection "r1" to server "A" as "FAKE1"
    And a raw route connection "r2" to server "A" as "FAKE2"
    Then "r1" receives a line matching "^INFO .*\"server_id\":\"FAKE2\".*\"ip\":\"nats-route://127\.0\.0\.1:"
    And "r2" receives no data within 300ms
    Given a raw route connection "r3" to server "A" as "FAKE3"
    Then "r1" receives a line matching "^INFO .*\"server_id\":\"FAKE3\""
    And "r2" receives a line matching "^INFO .*\"server_id\":\"FAKE3\""

  @go:TestNewRouteRUnsubAccountSpecific @go:TestNewRouteRSubs
  Scenario: Interest on a pool-less route is named by account, and removed per account
    Given every cluster node has config:
      """
      accounts {
        ACC_A { users: [ { user: "a", password: "a" } ] }
        ACC_B { users: [ { user: "b", password: "b" } ] }
      }
      """
    And a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "ca" to server "A" with connect options {"verbose":false,"user":"a","pass":"a"}
    And a raw connection "cb" to server "A" with connect options {"verbose":false,"user":"b","pass":"b"}
    When "ca" sends "SUB foo 1\r\nPING\r\n"
    Then "ca" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ ACC_A foo$"
    When "cb" sends "SUB foo 1\r\nPING\r\n"
    Then "cb" receives "PONG\r\n"
    And "r" receives a line matching "^RS\+ ACC_B foo$"
    When "ca" sends "UNSUB 1\r\nPING\r\n"
    Then "ca" receives "PONG\r\n"
    And "r" receives a line matching "^RS- ACC_A foo$"
    And "r" receives no data within 300ms

  @go:TestNewRouteRSubs @go:TestRouteForwardsMsgToClients
  Scenario: A routed message is delivered only in the account it names
    Given every cluster node has config:
      """
      accounts {
        ACC_A { users: [ { user: "a", password: "a" } ] }
        ACC_B { users: [ { user: "b", password: "b" } ] }
      }
      """
    And a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "ca" to server "A" with connect options {"verbose":false,"user":"a","pass":"a"}
    And a raw connection "cb" to server "A" with connect options {"verbose":false,"user":"b","pass":"b"}
    When "ca" sends "SUB foo 1\r\nPING\r\n"
    Then "ca" receives "PONG\r\n"
    When "cb" sends "SUB foo 1\r\nPING\r\n"
    Then "cb" receives "PONG\r\n"
    When "r" sends "RMSG ACC_B foo 2\r\nok\r\n"
    Then "cb" receives "MSG foo 1 2\r\nok\r\n"
    And "ca" receives no data within 300ms

  @go:TestSendRouteInfoOnConnect @go:TestAuthSeedSolicitWorks
  Scenario: A route port with authorization refuses a route without credentials
    Given every cluster node has cluster options:
      """
      authorization { user: "ruser", password: "top_secret" }
      """
    And every cluster node dials routes as "ruser:top_secret"
    And a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1" that sends only its CONNECT
    Then the INFO of "r" has field "auth_required" equal to "true"
    And "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestClientConnectToRoutePort
  Scenario: The route port tells a client that dialed it where the client port is
    Given a cluster of 2 servers
    And a raw connection "r" to the route port of server "A"
    Then the INFO of "r" lists the client URLs of "A"

  @go:TestClientConnectToRoutePort
  Scenario: With no_advertise the route port does not tell a client where to go
    Given every cluster node has cluster options:
      """
      no_advertise: true
      """
    And a cluster of 2 servers
    And a raw connection "r" to the route port of server "A"
    Then the INFO of "r" lists the client URLs of ""

  @go:TestRouteOnlySendOnce
  Scenario: A route that declares the same interest twice gets each message once
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G foo\r\nRS+ $G foo\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "RMSG $G foo 2\r\nok\r\n"
    And "r" receives no data within 300ms

  @go:TestRouteQueueSemantics
  Scenario: A message for a remote queue group names the group after a bar
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G foo bar 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "RMSG $G foo | bar 2\r\nok\r\n"

  @go:TestRouteQueueSemantics
  Scenario: A message with a reply for a remote queue group carries the reply after a plus
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G foo bar 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo reply.to 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "RMSG $G foo + reply.to bar 2\r\nok\r\n"

  @go:TestRouteQueueSemantics
  Scenario: Plain and queue interest on one route get a single message
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "r" sends "RS+ $G foo bar 1\r\nRS+ $G foo\r\nPING\r\n"
    Then "r" receives "PONG\r\n"
    When "c" sends "PUB foo 2\r\nok\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    And "r" receives "RMSG $G foo | bar 2\r\nok\r\n"
    And "r" receives no data within 300ms

  @go:TestRouteQueueSemantics
  Scenario: A routed message for a queue group also reaches the plain subscribers
    Given a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    And a raw connection "c" to server "A" with connect options {"verbose":false}
    When "c" sends "SUB foo 1\r\nSUB foo bar 2\r\nPING\r\n"
    Then "c" receives "PONG\r\n"
    When "r" sends "RMSG $G foo | bar 2\r\nok\r\n"
    Then "c" receives 2 messages within 2s spread over sids "1,2" with at least 1 each
    And "c" receives no data within 300ms
