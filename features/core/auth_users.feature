Feature: User permissions and account isolation
  Users carry publish and subscribe permissions (plain lists, allow/deny clauses,
  default permissions, allow_responses); a violation is answered with
  -ERR 'Permissions Violation for ...' and the connection stays open. Users in
  different accounts never see each other's messages. Ported from
  test/user_authorization_test.go, server/opts_test.go and server/auth_test.go.

  @go:TestUserAuthorizationProto @process
  Scenario: An admin user with ">" permissions may publish and subscribe anywhere
    Given a server with config:
      """
      authorization {
        users = [ {user: alice, password: foo, permissions: { publish: ">", subscribe: ">" }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"alice","pass":"foo"}
    When "r" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "PUB _ 2\r\nok\r\n"
    Then "r" receives "+OK\r\n" within 2s

  @go:TestUserAuthorizationProto @process
  Scenario: A requestor may not subscribe outside its inbox subjects
    Given a server with config:
      """
      authorization {
        users = [ {user: bob, password: foo, permissions: { publish: ["req.foo", "req.bar"], subscribe: "_INBOX.*" }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"bob","pass":"foo"}
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo\"'\r\n" within 2s
    And "r" is still open

  @go:TestUserAuthorizationProto @process
  Scenario: A requestor may not publish outside its request subjects
    Given a server with config:
      """
      authorization {
        users = [ {user: bob, password: foo, permissions: { publish: ["req.foo", "req.bar"], subscribe: "_INBOX.*" }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"bob","pass":"foo"}
    When "r" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"foo\"'\r\n" within 2s
    And "r" is still open

  @go:TestUserAuthorizationProto @process
  Scenario: A requestor may subscribe to inboxes and publish requests
    Given a server with config:
      """
      authorization {
        users = [ {user: bob, password: foo, permissions: { publish: ["req.foo", "req.bar"], subscribe: "_INBOX.*" }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"bob","pass":"foo"}
    When "r" sends "SUB _INBOX.abcd 1\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "PUB req.foo 2\r\nok\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "PUB req.bar 2\r\nok\r\n"
    Then "r" receives "+OK\r\n" within 2s

  @go:TestUserAuthorizationProto @process
  Scenario: Default permissions apply to users without their own
    Given a server with config:
      """
      authorization {
        default_permissions = { publish = "SANDBOX.*", subscribe = ["PUBLIC.>", "_INBOX.>"] }
        users = [ {user: joe, password: foo} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"joe","pass":"foo"}
    When "r" sends "SUB foo.bar.* 1\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo.bar.*\"'\r\n" within 2s
    When "r" sends "PUB foo.bar.baz 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"foo.bar.baz\"'\r\n" within 2s
    When "r" sends "SUB PUBLIC.abcd 1\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "PUB SANDBOX.foo 2\r\nok\r\n"
    Then "r" receives "+OK\r\n" within 2s

  @go:TestUserAuthorizationProto @process
  Scenario: A partial wildcard publish permission does not cover more tokens
    Given a server with config:
      """
      authorization {
        default_permissions = { publish = "SANDBOX.*", subscribe = ["PUBLIC.>", "_INBOX.>"] }
        users = [ {user: joe, password: foo} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"joe","pass":"foo"}
    When "r" sends "PUB SANDBOX.foo.bar 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"SANDBOX.foo.bar\"'\r\n" within 2s

  @go:TestUserAuthorizationProto @go:TestNewStyleAuthorizationConfig @process
  Scenario: Publish allow and deny clauses combine
    Given a server with config:
      """
      authorization {
        users = [ {user: ns, password: foo, permissions: {
          publish = { allow = "*.*", deny = ["SYS.*", "bar.baz", "foo.*"] }
          subscribe = { allow = ["foo.*", "SYS.TEST.>"], deny = ["foo.baz", "SYS.*"] }
        }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"ns","pass":"foo"}
    When "r" sends "PUB SANDBOX.foo 2\r\nok\r\nPUB baz.bar 2\r\nok\r\nPUB baz.foo 2\r\nok\r\n"
    Then "r" receives "+OK\r\n+OK\r\n+OK\r\n" within 2s
    When "r" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"foo\"'\r\n" within 2s
    When "r" sends "PUB foo.bar 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"foo.bar\"'\r\n" within 2s
    When "r" sends "PUB SYS.1 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"SYS.1\"'\r\n" within 2s
    When "r" sends "PUB foo.bar.baz 2\r\nok\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"foo.bar.baz\"'\r\n" within 2s

  @go:TestUserAuthorizationProto @go:TestNewStyleAuthorizationConfig @process
  Scenario: Subscribe allow and deny clauses combine
    Given a server with config:
      """
      authorization {
        users = [ {user: ns, password: foo, permissions: {
          publish = { allow = "*.*", deny = ["SYS.*", "bar.baz", "foo.*"] }
          subscribe = { allow = ["foo.*", "SYS.TEST.>"], deny = ["foo.baz", "SYS.*"] }
        }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"ns","pass":"foo"}
    When "r" sends "SUB foo.bar 1\r\nSUB foo.foo 2\r\n"
    Then "r" receives "+OK\r\n+OK\r\n" within 2s
    When "r" sends "SUB foo 3\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo\"'\r\n" within 2s
    When "r" sends "SUB foo.baz 4\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo.baz\"'\r\n" within 2s
    When "r" sends "SUB foo.bar.baz 5\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo.bar.baz\"'\r\n" within 2s
    When "r" sends "SUB > 6\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \">\"'\r\n" within 2s

  @go:TestUserAuthorizationProto @process
  Scenario: A subscribe deny clause wins over a broader allow only where it matches
    Given a server with config:
      """
      authorization {
        users = [ {user: ns, password: foo, permissions: {
          subscribe = { allow = ["foo.*", "SYS.TEST.>"], deny = ["foo.baz", "SYS.*"] }
        }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"ns","pass":"foo"}
    When "r" sends "SUB SYS.> 1\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"SYS.>\"'\r\n" within 2s
    When "r" sends "SUB SYS.TEST.foo 2\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "SUB SYS.bar 3\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"SYS.bar\"'\r\n" within 2s

  @go:TestUserAuthorizationProto @process
  Scenario: A wildcard subscription is allowed but denied subjects are not delivered to it
    Given a server with config:
      """
      authorization {
        users = [
          {user: ns, password: foo, permissions: { subscribe = { allow = ["foo.*"], deny = ["foo.baz"] } }}
          {user: "ns-pub", password: foo, permissions: { publish = "foo.>", subscribe = "foo.baz" }}
        ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"ns","pass":"foo"}
    And a raw connection "p" with connect options {"verbose":true,"user":"ns-pub","pass":"foo"}
    When "r" sends "SUB foo.* 1\r\nSUB foo.* bar 2\r\n"
    Then "r" receives "+OK\r\n+OK\r\n" within 2s
    When "p" sends "PUB foo.baz 2\r\nok\r\nPUB foo.bar 3\r\nyes\r\nPING\r\n"
    Then "p" receives "+OK\r\n+OK\r\nPONG\r\n" within 2s
    And "r" receives a line matching "^MSG foo\.bar [12] 3$"

  @go:TestUserAuthorizationProto @process
  Scenario: Queue delivery routes around a member denied the subject
    Given a server with config:
      """
      authorization {
        users = [
          {user: ns, password: foo, permissions: { subscribe = { allow = ["foo.*"], deny = ["foo.baz"] } }}
          {user: "ns-pub", password: foo, permissions: { publish = "foo.baz", subscribe = "foo.baz" }}
        ]
      }
      """
    And a raw connection "r" with connect options {"verbose":false,"user":"ns","pass":"foo"}
    And a raw connection "p" with connect options {"verbose":false,"user":"ns-pub","pass":"foo"}
    When "r" sends "SUB foo.* bar 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    When "p" sends "SUB foo.baz bar 7\r\nPING\r\n"
    Then "p" receives "PONG\r\n" within 2s
    When "p" sends "PUB foo.baz 2\r\nok\r\n" 20 times
    Then "p" receives 20 messages within 3s spread over sids "7" with at least 20 each
    And "r" receives no data within 300ms

  @go:TestUserAuthorizationAllowResponses @go:TestParsingResponsePermissions @process
  Scenario: A service with publish_allow_responses may answer a request once
    Given a server with config:
      """
      authorization {
        users = [
          {user: alice, password: foo, permissions: { publish: ">", subscribe: ">" }}
          {user: svca, password: foo, permissions: { subscribe = "my.service.req", publish_allow_responses: true }}
        ]
      }
      """
    And a raw connection "svc" with connect options {"verbose":true,"user":"svca","pass":"foo"}
    And a raw connection "req" with connect options {"verbose":true,"user":"alice","pass":"foo"}
    When "svc" sends "SUB my.service.req 1\r\n"
    Then "svc" receives "+OK\r\n" within 2s
    When "req" sends "PUB my.service.req resp.bar.22 2\r\nok\r\n"
    Then "req" receives "+OK\r\n" within 2s
    And "svc" receives "MSG my.service.req 1 resp.bar.22 2\r\nok\r\n" within 2s
    When "svc" sends "PUB resp.bar.22 2\r\nok\r\n"
    Then "svc" receives "+OK\r\n" within 2s
    When "svc" sends "PUB resp.bar.33 2\r\nok\r\n"
    Then "svc" receives "-ERR 'Permissions Violation for Publish to \"resp.bar.33\"'\r\n" within 2s
    When "svc" sends "PUB resp.bar.22 2\r\nok\r\n"
    Then "svc" receives "-ERR 'Permissions Violation for Publish to \"resp.bar.22\"'\r\n" within 2s

  @go:TestUserAuthorizationAllowResponses @process
  Scenario: allow_responses with max 10 allows ten answers to one request
    Given a server with config:
      """
      authorization {
        users = [
          {user: alice, password: foo, permissions: { publish: ">", subscribe: ">" }}
          {user: svcb, password: foo, permissions: { subscribe = "my.service.req", allow_responses = {max: 10, ttl: "50s"} }}
        ]
      }
      """
    And a raw connection "svc" with connect options {"verbose":false,"user":"svcb","pass":"foo"}
    And a raw connection "req" with connect options {"verbose":false,"user":"alice","pass":"foo"}
    When "svc" sends "SUB my.service.req 1\r\nPING\r\n"
    Then "svc" receives "PONG\r\n" within 2s
    When "req" sends "PUB my.service.req resp.bar.22 2\r\nok\r\n"
    Then "svc" receives "MSG my.service.req 1 resp.bar.22 2\r\nok\r\n" within 2s
    When "svc" sends "PUB resp.bar.22 2\r\nok\r\n" 10 times
    And "svc" sends "PING\r\n"
    Then "svc" receives "PONG\r\n" within 2s
    When "svc" sends "PUB resp.bar.22 2\r\nok\r\n"
    Then "svc" receives "-ERR 'Permissions Violation for Publish to \"resp.bar.22\"'\r\n" within 2s

  @go:TestUserAuthorizationAllowResponses @process
  Scenario: An allowed response expires after its ttl
    Given a server with config:
      """
      authorization {
        users = [
          {user: alice, password: foo, permissions: { publish: ">", subscribe: ">" }}
          {user: svcb, password: foo, permissions: { subscribe = "my.service.req", allow_responses = {max: 10, ttl: "50ms"} }}
        ]
      }
      """
    And a raw connection "svc" with connect options {"verbose":false,"user":"svcb","pass":"foo"}
    And a raw connection "req" with connect options {"verbose":false,"user":"alice","pass":"foo"}
    When "svc" sends "SUB my.service.req 1\r\nPING\r\n"
    Then "svc" receives "PONG\r\n" within 2s
    When "req" sends "PUB my.service.req resp.bar.11 2\r\nok\r\n"
    Then "svc" receives "MSG my.service.req 1 resp.bar.11 2\r\nok\r\n" within 2s
    And "svc" receives no data within 300ms
    When "svc" sends "PUB resp.bar.11 2\r\nok\r\n"
    Then "svc" receives "-ERR 'Permissions Violation for Publish to \"resp.bar.11\"'\r\n" within 2s

  @go:TestUserAuthorizationAllowResponses @process
  Scenario: A response is delivered to the requestor
    Given a server with config:
      """
      authorization {
        users = [
          {user: alice, password: foo, permissions: { publish: ">", subscribe: ">" }}
          {user: svca, password: foo, permissions: { subscribe = "my.service.req", allow_responses: true }}
        ]
      }
      """
    And a client "svc" with user "svca" and password "foo"
    And a client "c1" with user "alice" and password "foo"
    When "svc" replies "pong" to requests on "my.service.req"
    And "c1" requests "ping" on "my.service.req" as "r1"
    Then reply "r1" is "pong"

  @go:TestQueuePermissions @process
  Scenario: A queue-qualified subscribe permission allows only that queue group
    Given a server with config:
      """
      authorization {
        users = [ {user: u, password: p, permissions: { subscribe: { allow: ["foo.> queue"] } }} ]
      }
      """
    And a raw connection "r" with connect options {"verbose":true,"user":"u","pass":"p"}
    When "r" sends "SUB foo.bar queue 1\r\n"
    Then "r" receives "+OK\r\n" within 2s
    When "r" sends "SUB foo.bar other 2\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo.bar\" using queue \"other\"'\r\n" within 2s
    When "r" sends "SUB foo.bar 3\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Subscription to \"foo.bar\"'\r\n" within 2s

  @go:TestQueueQualifierOnlyAllowedForSubscribePermissions @process @since-2.14
  Scenario: A queue qualifier in a publish permission is refused
    Then a server with this config fails to start with "queue":
      """
      authorization {
        users = [ {user: u, password: p, permissions: { publish: { allow: ["foo.> queue"] } }} ]
      }
      """

  @go:TestUserAuthorizationProto @process
  Scenario: A publish violation does not deliver the message
    Given a server with config:
      """
      authorization {
        users = [
          {user: a, password: p, permissions: { publish: "allowed" }}
          {user: b, password: p}
        ]
      }
      """
    And a client "b" with user "b" and password "p"
    When "b" subscribes to ">" as "s1"
    Given a raw connection "r" with connect options {"verbose":false,"user":"a","pass":"p"}
    When "r" sends "PUB secret 2\r\nno\r\nPUB allowed 3\r\nyes\r\nPING\r\n"
    Then "r" receives "-ERR 'Permissions Violation for Publish to \"secret\"'\r\nPONG\r\n" within 2s
    And "s1" receives "yes" on "allowed" within 2s

  @go:TestNoAuthUser @process
  Scenario: Messages do not cross accounts
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: pa}] }
        B { users [{user: b, password: pb}] }
      }
      """
    And a client "ca" with user "a" and password "pa"
    And a client "cb" with user "b" and password "pb"
    When "cb" subscribes to "foo" as "sb"
    And "ca" subscribes to "foo" as "sa"
    And "ca" publishes "only-a" to "foo"
    Then "sa" receives "only-a" on "foo" within 2s
    And "sb" receives no message within 300ms

  @go:TestNoAuthUser @process
  Scenario: Users of the same account share subjects
    Given a server with config:
      """
      accounts {
        A { users [{user: a1, password: p}, {user: a2, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    And a client "c1" with user "a1" and password "p"
    And a client "c2" with user "a2" and password "p"
    When "c2" subscribes to "foo" as "s2"
    And "c1" publishes "shared" to "foo"
    Then "s2" receives "shared" on "foo" within 2s

  @go:TestNoAuthUser @process
  Scenario: A request into another account finds no responders
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    And a client "ca" with user "a" and password "p"
    And a client "cb" with user "b" and password "p"
    When "cb" replies "pong" to requests on "svc"
    Then a request from "ca" on "svc" fails with no responders

  @go:TestAccountUsersLoadedProperly @process @since-2.10
  Scenario: Users of every account are loaded and bound to their account
    Given a server with config:
      """
      accounts {
        synadia { users [{user: derek, password: foo}, {user: ivan, password: bar}] }
        nats { users [{user: alice, password: baz}] }
      }
      """
    And a client "c1" with user "ivan" and password "bar"
    And a client "c2" with user "alice" and password "baz"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.account" is "synadia"
    When "c2" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.account" is "nats"

  @go:TestClientUserInfoReq @process @since-2.10
  Scenario: The user info request reports a user's permissions
    Given a server with config:
      """
      authorization {
        users = [ {user: u, password: p, permissions: { publish: { allow: ["$SYS.REQ.USER.INFO", "x.>"] }, subscribe: { deny: ["secret"] } }} ]
      }
      """
    And a client "c1" with user "u" and password "p"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.user" is "u"
    And the reply field "data.permissions.publish.allow" contains "x.>"
    And the reply field "data.permissions.subscribe.deny" contains "secret"

  @go:TestTokenWithUserPass @process
  Scenario: A token together with a user and password is refused
    Then a server with this config fails to start with "token":
      """
      authorization { user: derek, password: foo, token: tok }
      """

  @go:TestTokenWithUsers @process
  Scenario: A token together with a users list is refused
    Then a server with this config fails to start with "token":
      """
      authorization { token: tok, users = [ {user: derek, password: foo} ] }
      """

  @go:TestBadNkeyConfig @process
  Scenario: A malformed nkey in the users list is refused
    Then a server with this config fails to start with "Not a valid public nkey":
      """
      authorization { users = [ {nkey: "Ufoo"} ] }
      """

  @go:TestNkeyWithPassConfig @process
  Scenario: An nkey user with a password is refused
    Then a server with this config fails to start with "Nkey users do not take usernames or passwords":
      """
      authorization { users = [ {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L", pass: "foo"} ] }
      """

  @go:TestNoAuthUserCode @process
  Scenario: A no_auth_user that is not a configured user is refused
    Then a server with this config fails to start with "no_auth_user":
      """
      accounts { A { users [{user: a, password: p}] } }
      no_auth_user: "ghost"
      """

  @go:TestAuthorizationAndAccountsMisconfigurations @process
  Scenario: Users in both authorization and accounts are refused
    Then a server with this config fails to start with "Can not have a single user/pass and":
      """
      authorization { user: a, password: p }
      accounts { A { users [{user: b, password: p}] } }
      """
