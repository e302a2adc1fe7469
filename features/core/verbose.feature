Feature: Verbose mode
  With "verbose": true the server acknowledges each protocol operation with
  +OK. PING is answered with PONG only.

  @go:TestVerbosePing
  Scenario: A verbose CONNECT is acknowledged and PING gets only PONG
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":false,\"tls_required\":false}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestVerboseConnect
  Scenario: A second CONNECT on a verbose connection is acknowledged
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":false,\"tls_required\":false}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":true,\"tls_required\":false}\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestVerbosePubSub
  Scenario: PUB, SUB and UNSUB are each acknowledged with +OK
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "UNSUB 1\r\n"
    Then "r" receives "+OK\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestVerbosePubSub
  Scenario: The +OK for a PUB precedes the delivered message
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "+OK\r\nMSG foo 1 2\r\nok\r\n" within 1s

  @go:TestVerbosePubSub
  Scenario: HPUB on a verbose connection is acknowledged
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"headers\":true}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "HPUB foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestVerbosePubSub
  Scenario: Without verbose no +OK is sent
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":false}\r\nPUB foo 2\r\nok\r\nSUB foo 1\r\nUNSUB 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestVerbosePubSub
  Scenario: An invalid subject on a verbose connection yields only the error
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "SUB foo. 1\r\nPING\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\nPONG\r\n" within 1s

  @go:TestParseOK
  Scenario: A +OK sent by a client is ignored
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "+OK\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestParseOK
  Scenario: A +OK sent one byte at a time is ignored
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "+"
    And "r" sends "O"
    And "r" sends "K"
    And "r" sends "\r"
    And "r" sends "\n"
    And "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s
