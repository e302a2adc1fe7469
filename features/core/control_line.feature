Feature: Maximum control line
  A protocol line (everything before CR LF) longer than max_control_line is
  answered with -ERR 'maximum control line exceeded' and the connection closed.

  @go:TestControlLineMaximums @process
  Scenario: An over-long PUB line without a line ending is rejected
    Given a server with config:
      """
      max_control_line: 256
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo "
    And "r" sends 320 bytes of "2"
    Then "r" receives "-ERR 'maximum control line exceeded'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestControlLineMaximums
  Scenario: A subject longer than the default 4096 byte control line is rejected
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB "
    And "r" sends 5000 bytes of "a"
    And "r" sends " 2\r\nok\r\n"
    Then "r" receives "-ERR 'maximum control line exceeded'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestControlLineMaximums
  Scenario: A long subject within the default control line is accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB "
    And "r" sends 4000 bytes of "a"
    And "r" sends " 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestMaxControlLine @process
  Scenario: A tiny max control line rejects a complete PUB
    Given a server with config:
      """
      max_control_line: 8
      """
    And a raw connection "r"
    When "r" sends "PUB foo.bar.baz 2\r\nok\r\n"
    Then "r" receives "-ERR 'maximum control line exceeded'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxControlLine @process
  Scenario: A tiny max control line rejects a partial PUB line
    Given a server with config:
      """
      max_control_line: 8
      """
    And a raw connection "r"
    When "r" sends "PUB foo.bar.b"
    Then "r" receives "-ERR 'maximum control line exceeded'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxControlLineNonClientUpperBound @process
  Scenario: A control line trickled in over several writes is still limited
    Given a server with config:
      """
      max_control_line: 256
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB "
    And "r" sends 200 bytes of "x"
    Then "r" receives no data within 200ms
    When "r" sends 200 bytes of "x"
    Then "r" receives "-ERR 'maximum control line exceeded'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxControlLine @process
  Scenario: Payload bytes do not count towards the control line limit
    Given a server with config:
      """
      max_control_line: 32
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\n"
    And "r" publishes 1000 bytes to "foo"
    Then "r" receives a line matching "^MSG foo 1 1000$"

  @go:TestIncompletePubArg
  Scenario: A payload shorter than declared swallows the next PUB and breaks the stream
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB example 10\r\nAAAAAAAAAA\r\nPUB example 10\r\nBBB"
    And "r" sends "PUB example 10\r\nCCCCCCCCCC\r\n"
    Then "r" receives "-ERR 'Unknown Protocol Operation'\r\n" within 1s
    And "r" is closed by the server within 2s
