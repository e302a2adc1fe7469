Feature: Basic publish and subscribe
  Messages published on a subject are delivered as MSG frames to every
  matching subscription, carrying the subscription id and the payload size.

  @go:TestProtoBasics
  Scenario: PING is answered with PONG on a connected client
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":false}
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: A message published to a subscribed subject is delivered back
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":false}
    When "r" sends "SUB foo 1\r\nPUB foo 5\r\nhello\r\n"
    Then "r" receives "MSG foo 1 5\r\nhello\r\n" within 1s

  @go:TestProtoBasics
  Scenario: A literal and a wildcard subscription each get a copy
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":false}
    When "r" sends "SUB foo 1\r\nSUB * 2\r\nPUB foo 2\r\nok\r\n"
    Then "r" receives a line matching "^MSG foo [12] 2$"
    And "r" receives "ok\r\n" within 1s
    And "r" receives a line matching "^MSG foo [12] 2$"
    And "r" receives "ok\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestClientSimplePubSub
  Scenario: A message flows from one connection to another
    Given a server
    And a raw connection "sub" with connect options {"verbose":false}
    And a raw connection "pub" with connect options {"verbose":false}
    When "sub" sends "SUB foo 1\r\nPING\r\n"
    Then "sub" receives "PONG\r\n" within 1s
    When "pub" sends "PUB foo 5\r\nhello\r\n"
    Then "sub" receives "MSG foo 1 5\r\nhello\r\n" within 1s
    And "pub" receives no data within 200ms

  @go:TestClientSimplePubSubWithReply
  Scenario: The reply subject is carried in the delivered MSG
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo bar 5\r\nhello\r\nPING\r\n"
    Then "r" receives "MSG foo 1 bar 5\r\nhello\r\nPONG\r\n" within 1s

  @go:TestClientNoBodyPubSubWithReply
  Scenario: An empty payload with a reply subject is delivered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo bar 0\r\n\r\nPING\r\n"
    Then "r" receives "MSG foo 1 bar 0\r\n\r\nPONG\r\n" within 1s

  @go:TestClientNoBodyPubSubWithReply
  Scenario: An empty payload without a reply subject is delivered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 0\r\n\r\n"
    Then "r" receives "MSG foo 1 0\r\n\r\n" within 1s

  @go:TestParsePub
  Scenario: A payload containing CR LF is delivered verbatim by length
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.bar 7\r\nPUB foo.bar INBOX.22 11\r\nhello\r\nworl\r\n"
    Then "r" receives "MSG foo.bar 7 INBOX.22 11\r\nhello\r\nworl\r\n" within 1s

  @go:TestParsePub
  Scenario: A binary payload is delivered byte for byte
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 4\r\n\x00\x01\xfe\xff\r\n"
    Then "r" receives "MSG foo 1 4\r\n\x00\x01\xfe\xff\r\n" within 1s

  @go:TestClientUnSub
  Scenario: UNSUB stops delivery to that subscription only
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nSUB foo 2\r\nUNSUB 1\r\nPUB foo bar 5\r\nhello\r\n"
    Then "r" receives "MSG foo 2 bar 5\r\nhello\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestDuplicateProtoSub
  Scenario: Repeating SUB with the same sid does not duplicate delivery
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nSUB foo 1\r\nPUB foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "MSG foo 1 2\r\nok\r\nPONG\r\n" within 1s

  @go:TestTwoTokenPubMatchSingleTokenSub
  Scenario: A message published before the subscription exists is not delivered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 5\r\nhello\r\nSUB foo 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestTwoTokenPubMatchSingleTokenSub
  Scenario: A two-token subject does not match a one-token subscription
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo.bar 5\r\nhello\r\nSUB foo 1\r\nPING\r\nPUB foo.bar 5\r\nhello\r\nPING\r\n"
    Then "r" receives "PONG\r\nPONG\r\n" within 1s

  @go:TestClientRemoveSubsOnDisconnect @since-2.12
  Scenario: Subscriptions of a closed connection no longer receive messages
    Given a server
    And a raw connection "gone" with connect options {"verbose":false}
    And a raw connection "r" with connect options {"verbose":false,"headers":true,"no_responders":true}
    When "gone" sends "SUB foo 1\r\nSUB bar 2\r\nPING\r\n"
    Then "gone" receives "PONG\r\n" within 1s
    When "gone" disconnects
    Then "r" receives no data within 300ms
    When "r" sends "SUB reply 9\r\nPUB foo reply 2\r\nok\r\n"
    Then "r" receives "HMSG reply 9 35 35\r\nNATS/1.0 503\r\nNats-Subject: foo\r\n\r\n\r\n" within 2s

  @go:TestNoRaceHighFanoutOrdering
  Scenario: Messages from one publisher arrive in publish order
    Given a server
    And a raw connection "sub" with connect options {"verbose":false}
    And a raw connection "pub" with connect options {"verbose":false}
    When "sub" sends "SUB foo 1\r\nPING\r\n"
    Then "sub" receives "PONG\r\n" within 1s
    When "pub" sends "PUB foo 1\r\n0\r\nPUB foo 1\r\n1\r\nPUB foo 1\r\n2\r\nPUB foo 1\r\n3\r\nPUB foo 2\r\n10\r\n"
    Then "sub" receives "MSG foo 1 1\r\n0\r\nMSG foo 1 1\r\n1\r\nMSG foo 1 1\r\n2\r\nMSG foo 1 1\r\n3\r\nMSG foo 1 2\r\n10\r\n" within 1s

  @go:TestNoRaceHighFanoutOrdering
  Scenario: Every subscriber of a subject receives every message
    Given a server
    And a client "c1"
    And a client "c2"
    And a client "c3"
    And a client "p"
    When "c1" subscribes to "fanout.subj" as "s1"
    And "c2" subscribes to "fanout.subj" as "s2"
    And "c3" subscribes to "fanout.subj" as "s3"
    And "c1" flushes
    And "c2" flushes
    And "c3" flushes
    And "p" publishes 50 messages to "fanout.subj"
    And "p" flushes
    Then "s1" receives 50 messages within 5s
    And "s2" receives 50 messages within 5s
    And "s3" receives 50 messages within 5s
    And "s1" receives no message within 200ms

  @go:TestClientSimplePubSub
  Scenario: A client subscription receives a published message
    Given a server
    And a client "c1"
    And a client "c2"
    When "c1" subscribes to "greet.client" as "s1"
    And "c1" flushes
    And "c2" publishes "hello" to "greet.client"
    Then "s1" receives "hello" on "greet.client" within 2s

  @go:TestClientUnSub
  Scenario: UNSUB of an unknown sid is ignored
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "UNSUB 99\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
