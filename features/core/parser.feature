Feature: Protocol parsing across writes and pipelining
  The server parses a byte stream: an operation may be split across any number
  of TCP writes, and many operations may arrive in one write. Replies come back
  in order.

  @go:TestParseSub
  Scenario: SUB split inside its arguments is reassembled
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB fo"
    And "r" sends "o 1\r"
    And "r" sends "\nPUB foo 2\r\nok\r\n"
    Then "r" receives "MSG foo 1 2\r\nok\r\n" within 1s

  @go:TestParsePub
  Scenario: PUB split inside the payload is reassembled
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 11\r\nhello"
    Then "r" receives no data within 100ms
    When "r" sends " world\r\n"
    Then "r" receives "MSG foo 1 11\r\nhello world\r\n" within 1s

  @go:TestParsePub
  Scenario: PUB split between CR and LF of the payload is reassembled
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 5\r\nhello\r"
    Then "r" receives no data within 100ms
    When "r" sends "\n"
    Then "r" receives "MSG foo 1 5\r\nhello\r\n" within 1s

  @go:TestParsePub
  Scenario: PUB sent one byte per write is reassembled
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\n"
    And "r" sends "P"
    And "r" sends "U"
    And "r" sends "B"
    And "r" sends " "
    And "r" sends "f"
    And "r" sends "oo 2"
    And "r" sends "\r"
    And "r" sends "\n"
    And "r" sends "o"
    And "r" sends "k"
    And "r" sends "\r"
    And "r" sends "\n"
    Then "r" receives "MSG foo 1 2\r\nok\r\n" within 1s

  @go:TestParseConnect
  Scenario: CONNECT, SUB, PUB and PING in one write are answered in order
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":false,\"pedantic\":true,\"tls_required\":false}\r\nSUB foo 1\r\nPUB foo 5\r\nhello\r\nPING\r\n"
    Then "r" receives "MSG foo 1 5\r\nhello\r\nPONG\r\n" within 1s

  @go:TestClientSimplePubSub
  Scenario: Many pipelined PUBs are delivered in order before the PONG
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends the lines:
      """
      SUB foo 1
      PUB foo 1
      a
      PUB foo 1
      b
      PUB foo 1
      c
      PING
      """
    Then "r" receives "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nMSG foo 1 1\r\nc\r\nPONG\r\n" within 1s

  @go:TestParsePing
  Scenario: Lower-case operations are accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "sub foo 1\r\npub foo 2\r\nok\r\nping\r\n"
    Then "r" receives "MSG foo 1 2\r\nok\r\nPONG\r\n" within 1s

  @go:TestParseHeaderPub
  Scenario: Lower-case HPUB is accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "sub foo 1\r\nhpub foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "r" receives "HMSG foo 1 12 14\r\nName:Derek\r\nOK\r\n" within 1s

  @go:TestParseOK
  Scenario: +OK split across writes is ignored
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "+O"
    And "r" sends "K\r"
    And "r" sends "\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestParsePubArg
  Scenario: A reply subject split across writes is reassembled
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo INBOX"
    And "r" sends ".22 1"
    And "r" sends "1\r\nhello world\r\n"
    Then "r" receives "MSG foo 1 INBOX.22 11\r\nhello world\r\n" within 1s

  @go:TestParsePub
  Scenario: A large payload sent in one write is delivered intact
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB big 1\r\n"
    And "r" publishes 100000 bytes to "big"
    Then "r" receives a line matching "^MSG big 1 100000$"

  @go:TestParseSub
  Scenario: A SUB whose line ending is delayed takes effect once complete
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    And a raw connection "p" with connect options {"verbose":false}
    When "r" sends "SUB foo 1"
    And "p" sends "PUB foo 2\r\nno\r\nPING\r\n"
    Then "p" receives "PONG\r\n" within 1s
    When "r" sends "\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    When "p" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "MSG foo 1 2\r\nok\r\n" within 1s
