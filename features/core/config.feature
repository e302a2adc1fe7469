Feature: Configuration file parsing
  The server reads sizes with suffixes, durations as strings or seconds,
  variables and included files; it refuses unknown fields, values of the wrong
  type and invalid values with a message naming the problem. Parsed values are
  checked where a client can see them: /varz, INFO and behaviour. Ported from
  server/opts_test.go.

  @go:TestConfigFile @process
  Scenario: A size with a KB suffix is read in units of 1024
    Given a server with config:
      """
      max_payload: 2KB
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_payload" is 2048

  @go:TestConfigFile @process
  Scenario: A size with a bare K suffix is read in units of 1000
    Given a server with config:
      """
      max_payload: 2K
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_payload" is 2000

  @go:TestConfigFile @process
  Scenario: A size with an MB suffix is read in units of 1024 squared
    Given a server with config:
      """
      max_pending: 64MB
      max_payload: 1MB
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_pending" is 67108864
    And the reply field "max_payload" is 1048576

  @go:TestConfigFile @process
  Scenario: A size from the config is announced in INFO
    Given a server with config:
      """
      max_payload: 4KB
      """
    And a raw connection "r"
    Then the INFO of "r" has field "max_payload" equal to "4096"

  @go:TestPingIntervalNew @process
  Scenario: A ping interval given as a duration string
    Given a server with config:
      """
      ping_interval: "2m"
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "ping_interval" is 120000000000

  @go:TestPingIntervalOld @process
  Scenario: A ping interval given as a plain number is read as seconds
    Given a server with config:
      """
      ping_interval: 5
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "ping_interval" is 5000000000

  @go:TestPingIntervalOld @process
  Scenario: A ping interval given as a plain number is reported in the log
    Given a server with config:
      """
      ping_interval: 5
      """
    Then the server log contains "ping_interval should be converted to a duration" within 2s

  @go:TestParseWriteDeadline @process
  Scenario: A write deadline given as a duration string
    Given a server with config:
      """
      write_deadline: "500ms"
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "write_deadline" is 500000000

  @go:TestParseWriteDeadline @process
  Scenario: A write deadline given as a plain number is read as seconds
    Given a server with config:
      """
      write_deadline: 2
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "write_deadline" is 2000000000

  @go:TestParseWriteDeadline @process
  Scenario: A write deadline with an unknown unit is refused
    Then a server with this config fails to start with "error parsing write_deadline":
      """
      write_deadline: "1x"
      """

  @go:TestAuthorizationTimeoutConfigParsing @process @since-2.11
  Scenario: An auth timeout given as a duration string
    Given a server with config:
      """
      authorization { timeout: 10s }
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "auth_timeout" is 10

  @go:TestAuthorizationTimeoutConfigParsing @process
  Scenario: An auth timeout of zero falls back to the default
    Given a server with config:
      """
      authorization { timeout: 0 }
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "auth_timeout" is 2

  @go:TestAuthorizationTimeoutConfigParsing @process @since-2.11
  Scenario: An auth timeout that is not a duration is refused
    Then a server with this config fails to start with "invalid duration \"random_garbage\"":
      """
      authorization { timeout: random_garbage }
      """

  @go:TestVarReferencesVar @process
  Scenario: Variables may reference other variables
    Given a server with config:
      """
      A: 777
      B: $A
      C: $B
      max_connections: $C
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_connections" is 777

  @go:TestVarReferencesVar @process
  Scenario: A variable holding a size sets max_payload
    Given a server with config:
      """
      SIZE = 4096
      max_payload: $SIZE
      """
    And a raw connection "r"
    Then the INFO of "r" has field "max_payload" equal to "4096"

  @go:TestVarReferencesSelf @process
  Scenario: A variable referencing itself is refused
    Then a server with this config fails to start with "variable reference for 'A' on line":
      """
      A: $A
      """

  @go:TestVarReferencesSelf @process
  Scenario: A reference to an undefined variable is refused
    Then a server with this config fails to start with "variable reference for 'NOT_DEFINED_ANYWHERE_XYZ'":
      """
      max_payload: $NOT_DEFINED_ANYWHERE_XYZ
      """

  @go:TestEnvVarInclude @process
  Scenario: An included file contributes settings
    Given the file "limits.conf" in the server folder contains:
      """
      max_payload: 3000
      max_connections: 12
      """
    And a server with config:
      """
      include "limits.conf"
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_payload" is 3000
    And the reply field "max_connections" is 12

  @go:TestEnvVarFromIncludedFile @process
  Scenario: A variable defined in an included file can be used
    Given the file "vars.conf" in the server folder contains:
      """
      PAYLOAD = 5000
      """
    And a server with config:
      """
      include "vars.conf"
      max_payload: $PAYLOAD
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_payload" is 5000

  @go:TestUserAuthorizationProto @process
  Scenario: Users can be included inside the authorization block
    Given the file "users.conf" in the server folder contains:
      """
      users = [ {user: inc, password: pwd} ]
      """
    And a server with config:
      """
      authorization {
        include "users.conf"
      }
      """
    And a client "c1" with user "inc" and password "pwd"
    Then a client with user "inc" and password "bad" is rejected

  @go:TestEnvVarInclude @process
  Scenario: Including a missing file is refused
    Then a server with this config fails to start with "no_such_file.conf":
      """
      include "no_such_file.conf"
      """

  @go:TestHandleUnknownTopLevelConfigurationField @process
  Scenario: An unknown top-level field is refused
    Then a server with this config fails to start with "unknown field \"streaming\"":
      """
      streaming {
        id: "me"
      }
      """

  @go:TestHandleUnknownTopLevelConfigurationField @process
  Scenario: An unknown field inside a block is refused
    Then a server with this config fails to start with "unknown field \"non_top_level_unknown_field\"":
      """
      cluster {
        non_top_level_unknown_field: 123
      }
      """

  @go:TestConfigFile @process
  Scenario: A number field given a string is refused
    Then a server with this config fails to start with "interface conversion":
      """
      max_payload: "abc"
      """

  @go:TestConfigFile @process
  Scenario: A boolean field given a string is refused
    Then a server with this config fails to start with "not bool":
      """
      debug: "yes"
      """

  @go:TestLargeMaxPayload @process
  Scenario: A max_payload above the 32-bit limit is refused
    Then a server with this config fails to start with "max_payload value is too big":
      """
      max_payload = 3000000000
      """

  @go:TestLargeMaxPayload @process
  Scenario: A max_payload above max_pending is refused
    Then a server with this config fails to start with "max_payload (100000) cannot be higher than max_pending (50000)":
      """
      max_payload = 100000
      max_pending = 50000
      """

  @go:TestLargeMaxPayload @process
  Scenario: A small max_pending with the default max_payload is refused
    Then a server with this config fails to start with "cannot be higher than max_pending":
      """
      max_pending: 1m
      """

  @go:TestLargeMaxControlLine @process
  Scenario: A max_control_line above the 32-bit limit is refused
    Then a server with this config fails to start with "max_control_line value is too big":
      """
      max_control_line = 3000000000
      """

  @go:TestMalformedListenAddress @process
  Scenario: A listen address with a bad port is refused
    Then a server with this config fails to start with "could not parse port":
      """
      listen: "127.0.0.1:notaport"
      """

  @go:TestConfigFile @process
  Scenario: An unterminated block is a parse error
    Then a server with this config fails to start with "Unexpected EOF":
      """
      foo {
      """

  @go:TestGetStorageSize @process @needs-jetstream
  Scenario: A JetStream storage size string with a K suffix is read in units of 1024
    Given a server with config:
      """
      jetstream { max_mem: "1K", max_file: "2M", store_dir: "{store_dir}" }
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "jetstream.config.max_memory" is 1024
    And the reply field "jetstream.config.max_storage" is 2097152

  @go:TestGetStorageSize @process @needs-jetstream
  Scenario: A storage size with an unknown suffix is refused
    Then a server with this config fails to start with "must end in K, M, G, T":
      """
      jetstream { max_mem: 1L, store_dir: "{store_dir}" }
      """

  @go:TestMaxSubTokens @process
  Scenario: A subscription with more tokens than max_sub_tokens is refused
    Given a server with config:
      """
      max_sub_tokens: 4
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB a.b.c.d 1\r\nSUB a.b.c.d.e 2\r\nPING\r\n"
    Then "r" receives a line matching "^-ERR .*too many tokens"

  @go:TestMaxClosedClients @process @since-2.10
  Scenario: max_closed_clients bounds the closed connections kept for connz
    Given a server with config:
      """
      max_closed_clients: 1
      """
    And a raw connection "a" with connect options {"verbose":false,"name":"first"}
    And a raw connection "b" with connect options {"verbose":false,"name":"second"}
    When "a" disconnects
    Then the monitoring endpoint "/connz" field "num_connections" is "1"
    When "b" disconnects
    Then the monitoring endpoint "/connz" field "num_connections" is "0"
    And the monitoring endpoint "/connz?state=closed" field "connections[0].name" is "second"
    And the reply field "total" is 1

  @go:TestSublistNoCacheConfig @process
  Scenario: disable_sublist_cache leaves the subscription cache empty
    Given a server with config:
      """
      disable_sublist_cache: true
      """
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB foo 2\r\nhi\r\nPUB foo 2\r\nhi\r\nPING\r\n"
    Then "r" receives "MSG foo 1 2\r\nhi\r\nMSG foo 1 2\r\nhi\r\nPONG\r\n" within 2s
    When the monitoring endpoint "/subsz" is read
    Then the reply field "num_cache" is 0

  @go:TestEmptyConfig @process
  Scenario: An empty scenario config starts with defaults
    Given a server with config:
      """
      # nothing but a comment
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_payload" is 1048576
    And the reply field "max_connections" is 65536
