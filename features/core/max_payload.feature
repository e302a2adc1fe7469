Feature: Maximum payload
  The server advertises max_payload in INFO and rejects a PUB whose declared
  size exceeds it with -ERR 'Maximum Payload Violation', closing the connection.

  @go:TestClientCreateAndInfo
  Scenario: The default max payload is one megabyte
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has field "max_payload" equal to "1048576"

  @go:TestMaxPayload @process
  Scenario: The configured max payload is advertised in INFO
    Given a server with config:
      """
      max_payload: 2222
      """
    And a raw connection "r"
    Then the INFO of "r" has field "max_payload" equal to "2222"

  @go:TestMaxPayload @process
  Scenario: A payload exactly at the limit is delivered
    Given a server with config:
      """
      max_payload: 16
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 16\r\n0123456789abcdef\r\n"
    Then "r" receives "MSG foo 1 16\r\n0123456789abcdef\r\n" within 1s

  @go:TestMaxPayload @process
  Scenario: A PUB one byte over the limit is rejected and the connection closed
    Given a server with config:
      """
      max_payload: 16
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 17\r\n"
    Then "r" receives "-ERR 'Maximum Payload Violation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxPayload @process
  Scenario: The violation is reported as soon as the size is declared
    Given a server with config:
      """
      max_payload: 2222
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB bar 4194304\r\n"
    Then "r" receives "-ERR 'Maximum Payload Violation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxPayloadOverrun
  Scenario: A size that overflows 32 bits is a payload violation
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 199380988\r\n"
    Then "r" receives "-ERR 'Maximum Payload Violation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxPayloadOverrun
  Scenario: A size that overflows 64 bits closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 18446744073709551615123\r\n"
    Then "r" is closed by the server within 2s

  @go:TestParsePubSizeOverflow
  Scenario: A huge numeric size closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 3333333333333333333333333333333333333333333333333333333333333333\r\n"
    Then "r" is closed by the server within 2s

  @go:TestParsePubBadSize @process
  Scenario: A sixteen digit size closes the connection
    Given a server with config:
      """
      max_payload: 32768
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 2222222222222222\r\n"
    Then "r" is closed by the server within 2s

  @go:TestMaxPayload @process
  Scenario: HPUB whose total size exceeds the limit is rejected
    Given a server with config:
      """
      max_payload: 16
      """
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "HPUB foo 12 20\r\n"
    Then "r" receives "-ERR 'Maximum Payload Violation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestMaxPayload @process
  Scenario: HPUB exactly at the limit is delivered
    Given a server with config:
      """
      max_payload: 16
      """
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB foo 12 16\r\nName:Derek\r\nOKOK\r\n"
    Then "r" receives "HMSG foo 1 12 16\r\nName:Derek\r\nOKOK\r\n" within 1s
