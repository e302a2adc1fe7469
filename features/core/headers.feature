Feature: Message headers (HPUB / HMSG)
  Clients that announce "headers": true in CONNECT may publish with HPUB and
  receive HMSG. Subscribers without header support get the payload only.

  @go:TestClientHeaderDeliverMsg
  Scenario: HPUB is delivered as HMSG with header and total sizes
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "r" receives "HMSG foo 1 12 14\r\nName:Derek\r\nOK\r\n" within 1s

  @go:TestParseHeaderPub
  Scenario: HPUB with a reply subject carries the reply in HMSG
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB foo INBOX.22 12 17\r\nname:derek\r\nHELLO\r\n"
    Then "r" receives "HMSG foo 1 INBOX.22 12 17\r\nname:derek\r\nHELLO\r\n" within 1s

  @go:TestParseHeaderPub
  Scenario: HPUB with an empty header block is delivered as a plain MSG
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB foo INBOX.22 0 5\r\nHELLO\r\n"
    Then "r" receives "MSG foo 1 INBOX.22 5\r\nHELLO\r\n" within 1s

  @go:TestParseHeaderPub
  Scenario: A NATS/1.0 header block with an empty body is delivered intact
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB foo 18 18\r\nNATS/1.0\r\nA: B\r\n\r\n\r\n"
    Then "r" receives "HMSG foo 1 18 18\r\nNATS/1.0\r\nA: B\r\n\r\n\r\n" within 1s

  @go:TestParseHeaderPubArg
  Scenario: HPUB arguments separated by tabs and extra spaces are accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB\t foo \tbar\t 12  \t14\t \r\nName:Derek\r\nOK\r\n"
    Then "r" receives "HMSG foo 1 bar 12 14\r\nName:Derek\r\nOK\r\n" within 1s

  @go:TestClientHeaderSupport
  Scenario: HPUB without announcing header support closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "HPUB foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "r" is closed by the server within 2s

  @go:TestClientHeaderSupport @process
  Scenario: HPUB is refused when the server disables header support
    Given a server with config:
      """
      no_header_support: true
      """
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "HPUB foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "r" is closed by the server within 2s

  @go:TestClientHeaderDeliverStrippedMsg
  Scenario: A subscriber without header support receives only the payload
    Given a server
    And a raw connection "plain" with connect options {"verbose":false}
    And a raw connection "hdr" with connect options {"verbose":false,"headers":true}
    When "plain" sends "SUB foo 1\r\nPING\r\n"
    Then "plain" receives "PONG\r\n" within 1s
    When "hdr" sends "HPUB foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "plain" receives "MSG foo 1 2\r\nOK\r\n" within 1s
    And "plain" receives no data within 200ms

  @go:TestClientHeaderDeliverQueueSubStrippedMsg
  Scenario: A queue subscriber without header support receives only the payload
    Given a server
    And a raw connection "plain" with connect options {"verbose":false}
    And a raw connection "hdr" with connect options {"verbose":false,"headers":true}
    When "plain" sends "SUB foo bar 1\r\nPING\r\n"
    Then "plain" receives "PONG\r\n" within 1s
    When "hdr" sends "HPUB foo 12 14\r\nName:Derek\r\nOK\r\n"
    Then "plain" receives "MSG foo 1 2\r\nOK\r\n" within 1s

  @go:TestClientHeaderDeliverMsg
  Scenario: A header-capable subscriber receives a plain PUB as MSG
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nPUB foo 2\r\nok\r\n"
    Then "r" receives "MSG foo 1 2\r\nok\r\n" within 1s

  @go:TestClientHeaderDeliverMsg
  Scenario: Headers published by a client are visible to a subscriber
    Given a server
    And a client "c1"
    And a client "c2"
    When "c1" subscribes to "hdr.subj" as "s1"
    And "c1" flushes
    And "c2" publishes "hello" to "hdr.subj" with headers:
      | Key  | Value |
      | Name | Derek |
    Then "s1" receives "hello" on "hdr.subj" within 2s
    And the last message on "s1" has header "Name" equal to "Derek"

  @go:TestParseHeaderPub
  Scenario: HPUB with a header size larger than the total size closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "HPUB foo 20 10\r\n"
    Then "r" is closed by the server within 2s

  @go:TestParseHeaderPub
  Scenario: HPUB split across writes is reassembled
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB foo 1\r\nHPUB foo 12 1"
    And "r" sends "4\r\nName:De"
    And "r" sends "rek\r\nOK\r"
    And "r" sends "\n"
    Then "r" receives "HMSG foo 1 12 14\r\nName:Derek\r\nOK\r\n" within 1s
