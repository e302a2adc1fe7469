Feature: Pedantic mode and subject checks
  With "pedantic": true the server validates subjects strictly. Invalid
  subjects are answered with an -ERR but the connection stays open.

  @go:TestPedanticSub
  Scenario: PING works on a pedantic connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestPedanticSub
  Scenario: SUB with an empty terminal token is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB foo. 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s

  @go:TestPedanticSub
  Scenario: SUB with an empty leading token is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB .foo. 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s

  @go:TestPedanticSub
  Scenario: SUB with an empty middle token is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB foo..bar 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s

  @go:TestPedanticSub
  Scenario: SUB with a non-terminal full wildcard is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB foo.>.bar 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s

  @go:TestPedanticSub
  Scenario: A rejected pedantic SUB leaves the connection usable
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB foo..bar 1\r\nSUB foo 2\r\nPUB foo 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\nMSG foo 2 2\r\nok\r\n" within 1s

  @go:TestPedanticSub
  Scenario: Valid wildcard subscriptions are accepted in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB foo.* 1\r\nSUB foo.> 2\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to a star wildcard subject is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "PUB foo.* 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to a full wildcard subject is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "PUB foo.> 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to a subject with an empty terminal token is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "PUB foo. 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to a subject with an empty leading token is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "PUB .foo 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to a subject with an empty middle token and a wildcard is rejected in pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "PUB foo..* 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n" within 1s

  @go:TestPedanticPub
  Scenario: A rejected pedantic PUB leaves the connection usable
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"pedantic":true}
    When "r" sends "SUB bar 1\r\nPUB foo.* 2\r\nok\r\nPUB bar 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\nMSG bar 1 2\r\nok\r\nPONG\r\n" within 1s

  @go:TestPedanticPub
  Scenario: A rejected pedantic PUB on a verbose connection is followed by +OK
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":true}\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "PUB foo.* 2\r\nok\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n+OK\r\n" within 1s
