Feature: Subscribe and publish permissions seen on the wire
  Permission violations are reported with an -ERR naming the subject (and the
  queue group) and do not close the connection.

  @go:TestQueueSubscribePermissions @process
  Scenario: A plain subscription on an allowed subject is acknowledged
    Given a server with config:
      """
      authorization { users = [ { user: u, password: p, permissions: { subscribe: { allow: ["foo"] } } } ] }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"u","pass":"p"}
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestQueueSubscribePermissions @process
  Scenario: A queue subscription in an allowed group is acknowledged
    Given a server with config:
      """
      authorization { users = [ { user: u, password: p, permissions: { subscribe: { allow: ["foo bar.*"] } } } ] }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"u","pass":"p"}
    When "r" sends "SUB foo bar.fizz 1\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestQueueSubscribePermissions @process
  Scenario: A plain subscription is refused when only queue groups are allowed
    Given a server with config:
      """
      authorization { users = [ { user: u, password: p, permissions: { subscribe: { allow: ["> bar.>"] } } } ] }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"u","pass":"p"}
    When "r" sends "SUB whizz 1\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"whizz\"'\r\n" within 1s
    And "r" is still open

  @go:TestQueueSubscribePermissions @process
  Scenario: A queue subscription on a denied subject names the queue in the error
    Given a server with config:
      """
      authorization { users = [ { user: u, password: p, permissions: { subscribe: { allow: [">"], deny: ["foo"] } } } ] }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"u","pass":"p"}
    When "r" sends "SUB foo bar 1\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo\" using queue \"bar\"'\r\n" within 1s

  @go:TestQueueSubscribePermissions @process
  Scenario: Denying all queue groups still allows plain subscriptions
    Given a server with config:
      """
      authorization { users = [ { user: u, password: p, permissions: { subscribe: { allow: [">"], deny: ["> >"] } } } ] }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"u","pass":"p"}
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "+OK\r\n" within 1s
    When "r" sends "SUB foo bar 2\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo\" using queue \"bar\"'\r\n" within 1s

  @go:TestQueueSubscribePermissions @process
  Scenario: A denied subscription receives no messages
    Given a server with config:
      """
      authorization { users = [ { user: u, password: p, permissions: { subscribe: { allow: [">"], deny: ["secret"] } } } ] }
      """
    And a raw connection "r" with connect options {"verbose":false,"user":"u","pass":"p"}
    When "r" sends "SUB secret 1\r\nPUB secret 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"secret\"'\r\nPONG\r\n" within 1s

  @go:TestClientDenySysGroupSub
  Scenario: Queue subscriptions in the reserved system group are refused
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo _sys_ 1\r\nPING\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo\" using queue \"_sys_\"'\r\nPONG\r\n" within 1s

  @go:TestClientRejectsNRGSubjects @since-2.11
  Scenario: A normal client may not publish to NRG subjects
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB $NRG.foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"$NRG.foo\"'\r\nPONG\r\n" within 1s

  @go:TestClientRejectsNRGSubjects @process
  Scenario: A system account client may publish to NRG subjects
    Given a server with config:
      """
      accounts: {
        A: { users: [ { user: nat, password: pass } ] }
        $SYS { users = [ { user: "admin", pass: "s3cr3t!" } ] }
      }
      no_auth_user: nat
      """
    And a raw connection "r" with connect options {"verbose":false,"user":"admin","pass":"s3cr3t!"}
    When "r" sends "PUB $NRG.foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestClientRejectsNRGSubjects @process @since-2.11
  Scenario: A no_auth_user client may not publish to NRG subjects
    Given a server with config:
      """
      accounts: {
        A: { users: [ { user: nat, password: pass } ] }
        $SYS { users = [ { user: "admin", pass: "s3cr3t!" } ] }
      }
      no_auth_user: nat
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB $NRG.foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"$NRG.foo\"'\r\nPONG\r\n" within 1s

  @go:TestClientUserInfoReq @since-2.10
  Scenario: The user info request answers with the caller's account
    Given a server
    And a client "c1"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.account" is "$G"
    And the reply has no field "error"
