Feature: Echo control
  By default a connection receives its own published messages when it has a
  matching subscription. CONNECT {"echo": false} suppresses that.

  @go:TestClientPubSubNoEcho
  Scenario: By default a connection receives its own messages
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 5\r\nhello\r\nPING\r\n"
    Then "r" receives "MSG foo 1 5\r\nhello\r\nPONG\r\n" within 1s

  @go:TestClientPubSubNoEcho
  Scenario: With echo disabled a connection does not receive its own messages
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"echo":false}
    When "r" sends "SUB foo 1\r\nPUB foo 5\r\nhello\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestClientPubSubNoEcho
  Scenario: With echo disabled other subscribers still receive the messages
    Given a server
    And a raw connection "quiet" with connect options {"verbose":false,"echo":false}
    And a raw connection "other" with connect options {"verbose":false}
    When "other" sends "SUB foo 1\r\nPING\r\n"
    Then "other" receives "PONG\r\n" within 1s
    When "quiet" sends "SUB foo 1\r\nPUB foo 5\r\nhello\r\nPING\r\n"
    Then "quiet" receives "PONG\r\n" within 1s
    And "other" receives "MSG foo 1 5\r\nhello\r\n" within 1s

  @go:TestClientPubSubNoEcho
  Scenario: With echo disabled messages from other connections are still delivered
    Given a server
    And a raw connection "quiet" with connect options {"verbose":false,"echo":false}
    And a raw connection "other" with connect options {"verbose":false}
    When "quiet" sends "SUB foo 1\r\nPING\r\n"
    Then "quiet" receives "PONG\r\n" within 1s
    When "other" sends "PUB foo 5\r\nhello\r\n"
    Then "quiet" receives "MSG foo 1 5\r\nhello\r\n" within 1s

  @go:TestClientPubSubNoEcho
  Scenario: With echo disabled own header messages are not delivered either
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true,"echo":false}
    When "r" sends "SUB foo 1\r\nHPUB foo 12 14\r\nName:Derek\r\nOK\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestClientConnect
  Scenario: Echo can be disabled together with verbose and pedantic
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":true,\"tls_required\":false,\"echo\":false}\r\nSUB foo 1\r\nPUB foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "+OK\r\n+OK\r\n+OK\r\nPONG\r\n" within 1s
