Feature: Client authentication: tokens, passwords, bcrypt, nkeys and no_auth_user
  A server with authentication configured asks for it in INFO, answers a bad or
  missing credential with -ERR 'Authorization Violation' and closes the connection,
  and accepts the right one. Ported from test/auth_test.go, server/auth_test.go,
  server/nkey_test.go and test/client_auth_test.go.

  @go:TestNoAuthClient @process
  Scenario: A token server rejects a CONNECT without credentials
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a raw connection "r"
    Then the INFO of "r" has field "auth_required" equal to "true"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"\",\"user\":\"\",\"pass\":\"\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestAuthClientBadToken @process
  Scenario: A token server rejects a wrong token sent with empty user fields
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"ZZZ\",\"user\":\"\",\"pass\":\"\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestAuthClientGoodConnect @process
  Scenario: A token server acknowledges the right token with +OK
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"_YZZ22_\",\"user\":\"\",\"pass\":\"\"}\r\n"
    Then "r" receives "+OK\r\n" within 2s
    And "r" is still open

  @go:TestAuthClientFailOnEverythingElse @process
  Scenario: A PUB before CONNECT on a token server is an authorization violation
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a raw connection "r"
    When "r" sends "PUB foo 2\r\nok\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestAuthClientFailOnEverythingElse @process
  Scenario: A SUB before CONNECT on a token server is an authorization violation
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a raw connection "r"
    When "r" sends "SUB foo 1\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestAuthClientNoConnect @process
  Scenario: A silent client is timed out after the default two second auth timeout
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a raw connection "r"
    Then "r" receives no data within 1s
    And "r" receives "-ERR 'Authentication Timeout'\r\n" within 4s
    And "r" is closed by the server within 2s

  @go:TestAuthClientGoodConnect @process
  Scenario: An async client with the right token can publish and subscribe
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    And a client "c1" with token "_YZZ22_"
    When "c1" subscribes to "foo" as "s1"
    And "c1" publishes "hi" to "foo"
    Then "s1" receives "hi" on "foo" within 2s

  @go:TestAuthClientBadToken @process
  Scenario: An async client with a wrong token is rejected
    Given a server with config:
      """
      authorization { token: "_YZZ22_" }
      """
    Then a client with token "ZZZ" is rejected
    And a client without credentials is rejected

  @go:TestNoUserOrPasswordClient @process
  Scenario: A user and password server requires auth and rejects empty credentials
    Given a server with config:
      """
      authorization { user: derek, password: foobar }
      """
    And a raw connection "r"
    Then the INFO of "r" has field "auth_required" equal to "true"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"\",\"user\":\"\",\"pass\":\"\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestBadUserClient @process
  Scenario: A wrong user name is rejected
    Given a server with config:
      """
      authorization { user: derek, password: foobar }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"\",\"user\":\"derekzz\",\"pass\":\"foobar\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestBadPasswordClient @process
  Scenario: A wrong password is rejected
    Given a server with config:
      """
      authorization { user: derek, password: foobar }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"\",\"user\":\"derek\",\"pass\":\"ZZ\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestPasswordClientGoodConnect @process
  Scenario: The right user and password are acknowledged with +OK
    Given a server with config:
      """
      authorization { user: derek, password: foobar }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"\",\"user\":\"derek\",\"pass\":\"foobar\"}\r\n"
    Then "r" receives "+OK\r\n" within 2s
    And "r" is still open

  @go:TestPasswordClientGoodConnect @process
  Scenario: An async client with user and password connects, a wrong password does not
    Given a server with config:
      """
      authorization { user: derek, password: foobar }
      """
    And a client "c1" with user "derek" and password "foobar"
    When "c1" subscribes to "foo" as "s1"
    And "c1" publishes "hi" to "foo"
    Then "s1" receives "hi" on "foo" within 2s
    And a client with user "derek" and password "nope" is rejected

  @go:TestBadBcryptPassword @process
  Scenario: Sending the bcrypt hash itself as the password is rejected
    Given a server with config:
      """
      authorization { user: derek, password: "$2a$04$Q.CgCP2Sl9pkcTXEZHazaeMwPaAkSHk7AI51HkyMt5iJQQyUA4qxq" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"user\":\"derek\",\"pass\":\"$2a$04$Q.CgCP2Sl9pkcTXEZHazaeMwPaAkSHk7AI51HkyMt5iJQQyUA4qxq\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestGoodBcryptPassword @process
  Scenario: The clear password of a bcrypt hash is accepted
    Given a server with config:
      """
      authorization { user: derek, password: "$2a$04$Q.CgCP2Sl9pkcTXEZHazaeMwPaAkSHk7AI51HkyMt5iJQQyUA4qxq" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"user\":\"derek\",\"pass\":\"IW@$6v(y1(t@fhPDvf!5^%\"}\r\n"
    Then "r" receives "+OK\r\n" within 2s

  @go:TestBadBcryptToken @process
  Scenario: Sending the bcrypt hash itself as the token is rejected
    Given a server with config:
      """
      authorization { token: "$2a$04$u5ZClXpcjHgpfc61Ee0VKuwI1K3vTC4zq7SjphjnlHMeb1Llkb5Y6" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"$2a$04$u5ZClXpcjHgpfc61Ee0VKuwI1K3vTC4zq7SjphjnlHMeb1Llkb5Y6\"}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestGoodBcryptToken @process
  Scenario: The clear token of a bcrypt hash is accepted
    Given a server with config:
      """
      authorization { token: "$2a$04$u5ZClXpcjHgpfc61Ee0VKuwI1K3vTC4zq7SjphjnlHMeb1Llkb5Y6" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"0uhJOSr3GW7xvHvtd^K6pa\"}\r\n"
    Then "r" receives "+OK\r\n" within 2s

  @go:TestTokenInConfig @process
  Scenario: A bcrypt token in the config accepts its clear text given in the URL
    Given a server with config:
      """
      authorization = {
        token: $2a$05$3sSWEVA1eMCbV0hWavDjXOx.ClBjI6u1CuUdLqf22cbJjXsnzz8/.
        timeout: 5
      }
      """
    And a client "c1" with URL credentials "test"
    When "c1" subscribes to "foo" as "s1"
    And "c1" publishes "hi" to "foo"
    Then "s1" receives "hi" on "foo" within 2s
    And a client with URL credentials "nottest" is rejected

  @go:TestMultipleUserAuth @process
  Scenario: Every user of a users list can connect
    Given a server with config:
      """
      authorization {
        users = [
          {user: alice, password: foo}
          {user: bob,   password: bar}
        ]
      }
      """
    And a client "a" with user "alice" and password "foo"
    And a client "b" with user "bob" and password "bar"
    When "a" subscribes to "chat" as "s1"
    And "b" publishes "hello" to "chat"
    Then "s1" receives "hello" on "chat" within 2s

  @go:TestMultipleUserAuth @process
  Scenario: A users list rejects another user's password and unknown users
    Given a server with config:
      """
      authorization {
        users = [
          {user: alice, password: foo}
          {user: bob,   password: bar}
        ]
      }
      """
    Then a client with user "alice" and password "bar" is rejected
    And a client with user "carol" and password "foo" is rejected

  @go:TestMultipleUserAuth @process
  Scenario: A users list requires auth in INFO
    Given a server with config:
      """
      authorization { users = [ {user: alice, password: foo} ] }
      """
    And a raw connection "r"
    Then the INFO of "r" has field "auth_required" equal to "true"
    And the INFO of "r" has no field "nonce"

  @go:TestNoAuthUser @process @since-2.10
  Scenario: With no_auth_user, valid credentials bind to their own account
    Given a server with config:
      """
      accounts {
        FOO { users [{user: "foo", password: "pwd1"}] }
        BAR { users [{user: "bar", password: "pwd2"}] }
      }
      no_auth_user: "foo"
      """
    And a client "c1" with URL credentials "bar:pwd2"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.account" is "BAR"
    And the reply field "data.user" is "bar"

  @go:TestNoAuthUser @process @since-2.10
  Scenario: With no_auth_user, a client without credentials lands in that user's account
    Given a server with config:
      """
      accounts {
        FOO { users [{user: "foo", password: "pwd1"}] }
        BAR { users [{user: "bar", password: "pwd2"}] }
      }
      no_auth_user: "foo"
      """
    And a client "c1"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.account" is "FOO"
    And the reply field "data.user" is "foo"

  @go:TestNoAuthUser @process
  Scenario: With no_auth_user, wrong credentials are still rejected
    Given a server with config:
      """
      accounts {
        FOO { users [{user: "foo", password: "pwd1"}] }
        BAR { users [{user: "bar", password: "pwd2"}] }
      }
      no_auth_user: "foo"
      """
    Then a client with URL credentials "bar:wrong" is rejected
    And a client with URL credentials "sometoken" is rejected
    And a client with URL credentials "bar" is rejected
    And a client with URL credentials "bar:" is rejected

  @go:TestNoAuthUserNkey @process @since-2.10
  Scenario: An nkey user can be the no_auth_user
    Given a server with config:
      """
      accounts {
        FOO { users [{user: "foo", password: "pwd1"}] }
        BAR { users [{nkey: "UBO2MQV67TQTVIRV3XFTEZOACM4WLOCMCDMAWN5QVN5PI2N6JHTVDRON"}] }
      }
      no_auth_user: "UBO2MQV67TQTVIRV3XFTEZOACM4WLOCMCDMAWN5QVN5PI2N6JHTVDRON"
      """
    And a client "c1"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.user" is "UBO2MQV67TQTVIRV3XFTEZOACM4WLOCMCDMAWN5QVN5PI2N6JHTVDRON"
    And the reply field "data.account" is "BAR"

  @go:TestNoAuthUserNoConnectProto @process
  Scenario: With no_auth_user a client may publish without sending CONNECT and is verbose by default
    Given a server with config:
      """
      accounts { A { users [{user: "foo", password: "pwd"}] } }
      authorization { timeout: 1 }
      no_auth_user: "foo"
      """
    And a raw connection "r"
    When "r" sends "PUB foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "+OK\r\nPONG\r\n" within 2s

  @go:TestNoAuthUserNoConnectProto @process
  Scenario: With no_auth_user a silent client is still timed out
    Given a server with config:
      """
      accounts { A { users [{user: "foo", password: "pwd"}] } }
      authorization { timeout: 1 }
      no_auth_user: "foo"
      """
    And a raw connection "r"
    Then "r" receives "-ERR 'Authentication Timeout'\r\n" within 4s
    And "r" is closed by the server within 2s

  @go:TestServerInfoNonce
  Scenario: INFO has no nonce when no nkeys are configured
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has no field "nonce"

  @go:TestServerInfoNonce @process
  Scenario: INFO carries a nonce when nkey users are configured
    Given a server with config:
      """
      authorization { users = [ {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"} ] }
      """
    And a raw connection "r"
    Then the INFO of "r" has field "nonce" matching "^[A-Za-z0-9_-]{11,}$"
    And the INFO of "r" has field "auth_required" equal to "true"

  @go:TestNkeyClientConnect @process
  Scenario: An nkey CONNECT without a signature is rejected
    Given a server with config:
      """
      authorization { users = [ {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"} ] }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"nkey\":\"UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L\",\"verbose\":true,\"pedantic\":true}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestNkeyClientConnect @process
  Scenario: An nkey CONNECT with a bad signature is rejected
    Given a server with config:
      """
      authorization { users = [ {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"} ] }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"nkey\":\"UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L\",\"sig\":\"bad_sig\",\"verbose\":true,\"pedantic\":true}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s
    And "r" is closed by the server within 2s

  @go:TestNkeyClientConnect @process
  Scenario: A CONNECT without an nkey to an nkey-only server is rejected
    Given a server with config:
      """
      authorization { users = [ {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"} ] }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":true}\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 2s

  @go:TestNkeyClientConnect @go:TestNkeyUsersConfig @process
  Scenario: A client signing the nonce with its seed connects
    Given a server with config:
      """
      authorization {
        users = [
          {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"}
          {nkey: "UCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPJO"}
        ]
      }
      """
    And a client "c1" with nkey seed "SUAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAN7EY"
    And a client "c2" with nkey seed "SUAAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAT6EE"
    When "c1" subscribes to "foo" as "s1"
    And "c2" publishes "signed" to "foo"
    Then "s1" receives "signed" on "foo" within 2s

  @go:TestNkeyClientConnect @process
  Scenario: A client with a seed whose key is not configured is rejected
    Given a server with config:
      """
      authorization { users = [ {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"} ] }
      """
    Then a client with nkey seed "SUAAGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGA6BEM" is rejected

  @go:TestMixedClientConnect @process @since-2.10
  Scenario: Password users and nkey users can be mixed in one users list
    Given a server with config:
      """
      authorization {
        users = [
          {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"}
          {user: derek, password: foo}
        ]
      }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"user\":\"derek\",\"pass\":\"foo\",\"verbose\":true,\"pedantic\":true}\r\nPING\r\n"
    Then "r" receives "+OK\r\nPONG\r\n" within 2s
    Given a client "c1" with nkey seed "SUAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAN7EY"
    When "c1" sends a "$SYS.REQ.USER.INFO" request
    Then the reply field "data.user" is "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L"

  @go:TestNkeyUsersWithPermsConfig @process
  Scenario: An nkey user's permissions apply after it connects
    Given a server with config:
      """
      authorization {
        users = [
          {nkey: "UCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVZ45L", permissions: { publish: "ok.>" }}
        ]
      }
      """
    And a client "c1" with nkey seed "SUAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAN7EY"
    When "c1" subscribes to ">" as "s1"
    And "c1" publishes "no" to "denied"
    And "c1" publishes "yes" to "ok.1"
    Then "s1" receives "yes" on "ok.1" within 2s

  @go:TestClientConnectInfo @process @since-2.12
  Scenario: A client announcing protocol 1 gets an async INFO naming its account
    Given a server with config:
      """
      system_account: SYS
      accounts {
        SYS: { users: [{ user: sys, password: pwd}] }
        A:   { users: [{ user: a, password: pwd}] }
      }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"user\":\"a\",\"pass\":\"pwd\",\"pedantic\":false,\"verbose\":false,\"protocol\":1}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    And "r" receives a line matching "^INFO .*\"connect_info\":true"

  @go:TestClientConnectInfo @process @since-2.12
  Scenario: The async INFO carries the remote account and no system flag
    Given a server with config:
      """
      system_account: SYS
      accounts {
        SYS: { users: [{ user: sys, password: pwd}] }
        A:   { users: [{ user: a, password: pwd}] }
      }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"user\":\"a\",\"pass\":\"pwd\",\"pedantic\":false,\"verbose\":false,\"protocol\":1}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    And "r" receives a line matching "^INFO .*\"remote_account\":\"A\""

  @go:TestClientConnectInfo @process @since-2.12
  Scenario: The system account user's async INFO says it is the system account
    Given a server with config:
      """
      system_account: SYS
      accounts {
        SYS: { users: [{ user: sys, password: pwd}] }
        A:   { users: [{ user: a, password: pwd}] }
      }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"user\":\"sys\",\"pass\":\"pwd\",\"pedantic\":false,\"verbose\":false,\"protocol\":1}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    And "r" receives a line matching "^INFO .*\"acc_is_sys\":true"

  @go:TestClientConnectInfo @process
  Scenario: A client announcing protocol 0 gets no async INFO
    Given a server with config:
      """
      accounts {
        A:   { users: [{ user: a, password: pwd}] }
      }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"user\":\"a\",\"pass\":\"pwd\",\"pedantic\":false,\"verbose\":false,\"protocol\":0}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    And "r" receives no data within 300ms
