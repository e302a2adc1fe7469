Feature: Auto-unsubscribe (UNSUB with a maximum)
  "UNSUB <sid> <max>" removes the subscription once <max> messages have been
  delivered to it in total.

  @go:TestUnsubMax
  Scenario: A subscription with a max of 2 receives exactly 2 of 100 messages
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 22\r\nUNSUB 22 2\r\n"
    And "r" sends "PUB foo 2\r\nok\r\n" 100 times
    Then "r" receives "MSG foo 22 2\r\nok\r\nMSG foo 22 2\r\nok\r\n" within 1s
    And "r" receives no data within 300ms

  @go:TestClientUnSubMax
  Scenario: A subscription with a max of 5 receives exactly 5 of 10 messages
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nUNSUB 1 5\r\n"
    And "r" sends "PUB foo bar 5\r\nhello\r\n" 10 times
    And "r" sends "PING\r\n"
    Then "r" receives "MSG foo 1 bar 5\r\nhello\r\nMSG foo 1 bar 5\r\nhello\r\nMSG foo 1 bar 5\r\nhello\r\nMSG foo 1 bar 5\r\nhello\r\nMSG foo 1 bar 5\r\nhello\r\nPONG\r\n" within 2s

  @go:TestClientAutoUnsubExactReceived @since-2.12
  Scenario: After the last allowed message the subject has no responders
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    And a raw connection "req" with connect options {"verbose":false,"headers":true,"no_responders":true}
    When "r" sends "SUB foo 1\r\nUNSUB 1 1\r\nPUB foo bar 2\r\nok\r\n"
    Then "r" receives "MSG foo 1 bar 2\r\nok\r\n" within 1s
    When "req" sends "SUB reply 5\r\nPUB foo reply 2\r\nok\r\n"
    Then "req" receives "HMSG reply 5 35 35\r\nNATS/1.0 503\r\nNats-Subject: foo\r\n\r\n\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestClientUnsubAfterAutoUnsub
  Scenario: A plain UNSUB after an auto-unsubscribe removes the subscription
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nUNSUB 1 1\r\nUNSUB 1\r\nPUB foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestClientUnSubMax
  Scenario: A max at or below the delivered count removes the subscription at once
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nUNSUB 1 2\r\nPUB foo 1\r\nd\r\nPING\r\n"
    Then "r" receives "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nMSG foo 1 1\r\nc\r\nPONG\r\n" within 1s

  @go:TestClientUnSubMax
  Scenario: A max above the delivered count allows only the remainder
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1 3\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nPUB foo 1\r\nd\r\nPING\r\n"
    Then "r" receives "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nMSG foo 1 1\r\nc\r\nPONG\r\n" within 1s

  @go:TestClientUnSubMax
  Scenario: UNSUB with a max of 0 unsubscribes immediately
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nUNSUB 1 0\r\nPUB foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestUnsubMax
  Scenario: Auto-unsubscribe on a wildcard subscription counts all matches
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.* 3\r\nUNSUB 3 2\r\nPUB foo.a 1\r\na\r\nPUB foo.b 1\r\nb\r\nPUB foo.c 1\r\nc\r\nPING\r\n"
    Then "r" receives "MSG foo.a 3 1\r\na\r\nMSG foo.b 3 1\r\nb\r\nPONG\r\n" within 1s

  @go:TestUnsubMax
  Scenario: Auto-unsubscribe only affects the named subscription
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nSUB foo 2\r\nUNSUB 1 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\n"
    Then "r" receives a line matching "^MSG foo [12] 1$"
    And "r" receives "a\r\n" within 1s
    And "r" receives a line matching "^MSG foo [12] 1$"
    And "r" receives "a\r\n" within 1s
    And "r" receives "MSG foo 2 1\r\nb\r\n" within 1s
    And "r" receives no data within 200ms
