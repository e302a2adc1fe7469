Feature: Protocol errors and which ones close the connection
  Parser errors and limit violations close the connection (usually after an
  -ERR); subject errors are reported and the connection stays open.

  @go:TestProtoErr
  Scenario: An unknown operation is reported and the connection closed
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "ZZZ"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestPubToArgState
  Scenario: A misspelled PUB is an unknown operation
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUBS foo 2\r\nok\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestSubToArgState
  Scenario: A misspelled SUB is an unknown operation
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUBZZZ foo 1\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: A misspelled UNSUB is an unknown operation
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "UNSUB_2\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: UNSUB without a sid is an unknown operation
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "UNSUB\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: A leading space before an operation is an unknown operation
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends " PING\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestParseMsgSpace
  Scenario: A client may not send MSG
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "MSG foo 1 2\r\nok\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestParsePub
  Scenario: A payload longer than its declared size closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo.bar 11\r\nhello world hello world\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestParsePub
  Scenario: The message before a size mismatch is still delivered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 3\r\nokk\r\nPUB foo 3\r\nokkk\r\n"
    Then "r" receives "MSG foo 1 3\r\nokk\r\n-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: A payload followed by a space instead of CR LF closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 2\r\nok \r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: A payload whose CR and LF are separated closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 2\r\nok\r \n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: PUB without a size closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo\r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: PUB with a non-numeric size closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo bar       \r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: SUB without a sid closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo\r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: CONNECT without JSON closes the connection
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT \r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: CONNECT with malformed JSON closes the connection
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":\r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: An -ERR sent by a client closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "-ERR 'oops'\r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: INFO without arguments from a client closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "INFO  \r\n"
    Then "r" is closed by the server within 2s

  @go:TestShouldFail
  Scenario: A client INFO with JSON is ignored
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "INFO {}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestPedanticSub
  Scenario: An invalid SUB subject does not close the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo..bar 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s
    And "r" is still open

  @go:TestPedanticPub
  Scenario: An invalid PUB subject does not close the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo.> 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n" within 1s
    And "r" is still open

  @go:TestClientSlowConsumerWithoutConnect @process
  Scenario: A subscriber that stops reading is closed as a slow consumer
    Given a server with config:
      """
      max_pending: 1MB
      write_deadline: "100ms"
      """
    And a raw connection "slow"
    And a raw connection "pub" with connect options {"verbose":false}
    When "slow" sends "SUB foo 1\r\nPING\r\n"
    Then "slow" receives "+OK\r\nPONG\r\n" within 1s
    When "pub" sends "PUB foo 100\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n" 100000 times
    And "pub" sends "PING\r\n"
    Then "pub" receives "PONG\r\n" within 10s
    And "slow" is closed by the server within 10s
    And "pub" is still open
