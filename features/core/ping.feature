Feature: PING / PONG keepalive
  Clients may PING the server at any time. The server PINGs idle clients every
  ping_interval and closes the connection with -ERR 'Stale Connection' once
  ping_max PINGs are outstanding.

  @go:TestClientPing
  Scenario: A client PING is answered with PONG
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestParsePing
  Scenario: PING sent one byte at a time is answered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "P"
    And "r" sends "I"
    And "r" sends "N"
    And "r" sends "G"
    And "r" sends "\r"
    Then "r" receives no data within 100ms
    When "r" sends "\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestParsePing
  Scenario: PING with trailing spaces is answered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PING  \r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestParsePing
  Scenario: PING with spaces between CR and LF is answered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PING  \r  \n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestParsePing
  Scenario: Protocol operations are case insensitive
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "ping\r\nPiNg\r\n"
    Then "r" receives "PONG\r\nPONG\r\n" within 1s

  @go:TestParsePing
  Scenario: Several pipelined PINGs get one PONG each
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PING\r\nPING\r\nPING\r\n"
    Then "r" receives "PONG\r\nPONG\r\nPONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestParsePong
  Scenario: A PONG sent one byte at a time is accepted silently
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "P"
    And "r" sends "O"
    And "r" sends "N"
    And "r" sends "G"
    And "r" sends "\r\n"
    Then "r" receives no data within 200ms
    And "r" is still open

  @go:TestPingInterval @process
  Scenario: The server PINGs an idle client and closes it after ping_max unanswered PINGs
    Given a server with config:
      """
      ping_interval: "200ms"
      ping_max: 2
      """
    And a raw connection "r" with connect options {"verbose":false}
    Then "r" receives "PING\r\n" within 2s
    And "r" receives "PING\r\n" within 2s
    And "r" receives "-ERR 'Stale Connection'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestUnpromptedPong @process
  Scenario: Unprompted PONGs do not keep a stale connection alive
    Given a server with config:
      """
      ping_interval: "200ms"
      ping_max: 2
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PONG\r\n" 100 times
    Then "r" receives "PING\r\n" within 2s
    And "r" receives "PING\r\n" within 2s
    And "r" receives "-ERR 'Stale Connection'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestParsePong @process
  Scenario: Answering each server PING with PONG keeps the connection open
    Given a server with config:
      """
      ping_interval: "200ms"
      ping_max: 1
      """
    And a raw connection "r" with connect options {"verbose":false}
    Then "r" receives "PING\r\n" within 2s
    When "r" sends "PONG\r\n"
    Then "r" receives "PING\r\n" within 2s
    When "r" sends "PONG\r\n"
    Then "r" receives "PING\r\n" within 2s
    When "r" sends "PONG\r\n"
    Then "r" receives "PING\r\n" within 2s

  @go:TestPingSuppresion @process
  Scenario: Client activity suppresses the next server PING
    Given a server with config:
      """
      ping_interval: "600ms"
      """
    And a raw connection "r" with connect options {"verbose":false}
    Then "r" receives "PING\r\n" within 2s
    When "r" sends "PONG\r\n"
    Then "r" receives no data within 300ms
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 500ms
    And "r" receives "PING\r\n" within 2s
