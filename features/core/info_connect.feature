Feature: INFO greeting and CONNECT options
  A client first receives an INFO line describing the server, then announces
  itself with CONNECT. These scenarios check the advertised fields and which
  CONNECT options the server accepts or rejects.

  @go:TestClientCreateAndInfo
  Scenario: INFO advertises a well-formed server id
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has field "server_id" matching "^N[A-Z0-9]{55}$"

  @go:TestClientCreateAndInfo
  Scenario: INFO advertises protocol 1 and the default max payload
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has field "proto" equal to "1"
    And the INFO of "r" has field "max_payload" equal to "1048576"

  @go:TestClientCreateAndInfo
  Scenario: INFO does not require auth or TLS on a default server
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has no field "auth_required"
    And the INFO of "r" has no field "tls_required"

  @go:TestClientCreateAndInfo
  Scenario: INFO carries a version and a numeric client id
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has field "version" matching "^[0-9]+\.[0-9]+\.[0-9]+"
    And the INFO of "r" has field "client_id" matching "^[1-9][0-9]*$"

  @go:TestClientCreateAndInfo @since-2.12
  Scenario: INFO announces the JetStream API level even without JetStream
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has field "api_lvl" matching "^[1-9][0-9]*$"
    And the INFO of "r" has no field "jetstream"

  @go:TestServerHeaderSupport
  Scenario: INFO announces header support by default
    Given a server
    And a raw connection "r"
    Then the INFO of "r" has field "headers" equal to "true"

  @go:TestServerHeaderSupport @process
  Scenario: INFO announces no header support when disabled in config
    Given a server with config:
      """
      no_header_support: true
      """
    And a raw connection "r"
    Then the INFO of "r" has field "headers" equal to "false"

  @go:TestServerInfoWithClientAdvertise @process
  Scenario: INFO uses the client advertise address
    Given a server with config:
      """
      client_advertise: "me:1"
      """
    And a raw connection "r"
    Then the INFO of "r" has field "host" equal to "me"
    And the INFO of "r" has field "port" equal to "1"

  @go:TestAuthorizationTimeout @process
  Scenario: INFO requires auth when a token is configured
    Given a server with config:
      """
      authorization { token: "my_token" }
      """
    And a raw connection "r"
    Then the INFO of "r" has field "auth_required" equal to "true"

  @go:TestClientAuthRequiredNoAuthUser @process
  Scenario: INFO does not require auth when a no_auth_user is configured
    Given a server with config:
      """
      accounts: { A: { users: [ { user: user, password: pass } ] } }
      no_auth_user: user
      """
    And a raw connection "r"
    Then the INFO of "r" has no field "auth_required"

  @go:TestClientConnect
  Scenario: CONNECT with verbose, pedantic and echo flags is acknowledged
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":true,\"tls_required\":false,\"echo\":false}\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestClientConnect
  Scenario: CONNECT with user and password is accepted when no auth is configured
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"user\":\"derek\",\"pass\":\"foo\",\"name\":\"router\"}\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestClientConnect
  Scenario: CONNECT with an auth token and a name is accepted when no auth is configured
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"auth_token\":\"YZZ222\",\"name\":\"router\"}\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestClientConnect
  Scenario: A CONNECT that omits verbose leaves verbose on
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"user\":\"derek\",\"pass\":\"foo\"}\r\nPING\r\n"
    Then "r" receives "+OK\r\nPONG\r\n" within 1s

  @go:TestClientConnect
  Scenario: An empty CONNECT object is acknowledged
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {}\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestClientConnectProto
  Scenario: CONNECT with protocol 1 is accepted
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"pedantic\":true,\"tls_required\":false,\"protocol\":1}\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestClientConnectProto
  Scenario: CONNECT with an unknown protocol version is rejected and closed
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"protocol\":22}\r\n"
    Then "r" receives "-ERR 'invalid client protocol'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestProtoCrash
  Scenario: CONNECT whose line ending arrives in a later write is processed
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":true,\"tls_required\":false,\"user\":\"test\",\"pedantic\":true,\"pass\":\"password\"}"
    Then "r" receives no data within 100ms
    When "r" sends "\r\n"
    Then "r" receives "+OK\r\n" within 1s

  @go:TestClientConnect
  Scenario: Before CONNECT a client on an open server is treated as verbose
    Given a server
    And a raw connection "r"
    When "r" sends "SUB foo 1\r\nPING\r\n"
    Then "r" receives "+OK\r\nPONG\r\n" within 1s

  @go:TestAuthorizationTimeout @process
  Scenario: A client that never sends CONNECT hits the authentication timeout
    Given a server with config:
      """
      authorization { token: "my_token", timeout: 0.5 }
      """
    And a raw connection "r"
    Then "r" receives "-ERR 'Authentication Timeout'\r\n" within 3s
    And "r" is closed by the server within 2s

  @go:TestParsePingNoAuthUserExceptionsAndRestrictions @process
  Scenario: PING before CONNECT is rejected when auth is required
    Given a server with config:
      """
      authorization { token: "my_token" }
      """
    And a raw connection "r"
    When "r" sends "PING\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestParsePingNoAuthUserExceptionsAndRestrictions @process
  Scenario: PING before CONNECT is answered when a no_auth_user is configured
    Given a server with config:
      """
      accounts: { A: { users: [ { user: user, password: pass } ] } }
      no_auth_user: user
      """
    And a raw connection "r"
    When "r" sends "PING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestAuthorizationTimeout @process
  Scenario: CONNECT with the right token is accepted
    Given a server with config:
      """
      authorization { token: "my_token" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":false,\"auth_token\":\"my_token\"}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestAuthorizationTimeout @process
  Scenario: CONNECT with a wrong token is rejected and closed
    Given a server with config:
      """
      authorization { token: "my_token" }
      """
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":false,\"auth_token\":\"nope\"}\r\nPING\r\n"
    Then "r" receives "-ERR 'Authorization Violation'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestClientRepeatConnectSwitchesAccountAndCleansOldSubs @process @since-2.12
  Scenario: A second CONNECT into another account drops the old subscriptions
    Given a server with config:
      """
      accounts: {
        A: { users: [ { user: ua, password: pa } ] }
        B: { users: [ { user: ub, password: pb } ] }
      }
      """
    And a raw connection "r"
    And a raw connection "pubA" with connect options {"verbose":false,"user":"ua","pass":"pa"}
    When "r" sends "CONNECT {\"verbose\":false,\"user\":\"ua\",\"pass\":\"pa\"}\r\nSUB foo 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    When "pubA" sends "PUB foo 5\r\nfirst\r\n"
    Then "r" receives "MSG foo 1 5\r\nfirst\r\n" within 1s
    When "r" sends "CONNECT {\"verbose\":false,\"user\":\"ub\",\"pass\":\"pb\"}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    When "pubA" sends "PUB foo 17\r\nshould-not-arrive\r\nPING\r\n"
    Then "pubA" receives "PONG\r\n" within 1s
    And "r" receives no data within 300ms

  @go:TestClientRepeatConnectSwitchesAccountAndCleansOldSubs @process @since-2.12
  Scenario: A second CONNECT into the same account drops the old subscriptions
    Given a server with config:
      """
      accounts: {
        A: { users: [ { user: ua, password: pa } ] }
        B: { users: [ { user: ub, password: pb } ] }
      }
      """
    And a raw connection "r"
    And a raw connection "pubA" with connect options {"verbose":false,"user":"ua","pass":"pa"}
    When "r" sends "CONNECT {\"verbose\":false,\"user\":\"ua\",\"pass\":\"pa\"}\r\nSUB foo 1\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    When "r" sends "CONNECT {\"verbose\":false,\"user\":\"ua\",\"pass\":\"pa\"}\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    When "pubA" sends "PUB foo 17\r\nshould-not-arrive\r\nPING\r\n"
    Then "pubA" receives "PONG\r\n" within 1s
    And "r" receives no data within 300ms
