@needs-jetstream @process
Feature: JetStream account and server limits
  Max streams, consumers, memory and storage per account and for the server, with
  the exact errors when a limit is hit.

  @go:TestJetStreamSystemLimits @go:TestJetStreamTieredLimits
  Scenario: An account at its max streams cannot create another
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_streams: 1, max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    When "a" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name":"S1","subjects":["s1"],"storage":"memory"}
      """
    Then the reply has no field "error"
    When "a" sends a "$JS.API.STREAM.CREATE.S2" request with:
      """
      {"name":"S2","subjects":["s2"],"storage":"memory"}
      """
    Then the reply is an error with code 400, err_code 10027 and description "maximum number of streams reached"

  @go:TestJetStreamSystemLimits
  Scenario: An account at its max consumers cannot create another
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_consumers: 1, max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And "a" creates the stream:
      """
      {"name":"S","subjects":["s"],"storage":"memory"}
      """
    And "a" creates the consumer on "S":
      """
      {"durable_name":"c1","ack_policy":"explicit"}
      """
    When "a" sends a "$JS.API.CONSUMER.CREATE.S.c2" request with:
      """
      {"stream_name":"S","config":{"durable_name":"c2","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10026 and description "maximum consumers limit reached"

  @go:TestJetStreamSystemLimits @go:TestJetStreamAccountReservation
  Scenario: A stream reserving more than the account's memory is refused
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    When "a" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"memory","max_bytes":2097152}
      """
    Then the reply is an error with code 500, err_code 10028 and description "insufficient memory resources available"

  @go:TestJetStreamSystemLimits @go:TestJetStreamAccountReservation
  Scenario: A stream reserving more than the account's storage is refused
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    When "a" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"file","max_bytes":2097152}
      """
    Then the reply is an error with code 500, err_code 10047 and description "insufficient storage resources available"

  @go:TestJetStreamStreamStorageTrackingAndLimits
  Scenario: Publishing past the account's memory limit is refused
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1KB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And "a" creates the stream:
      """
      {"name":"S","subjects":["s"],"storage":"memory"}
      """
    When "a" publishes 600 bytes to "s" for an ack
    Then the reply field "seq" is 1
    When "a" publishes 600 bytes to "s" for an ack
    Then the reply is an error with code 400, err_code 10002 and description "resource limits exceeded for account"

  @go:TestJetStreamStreamFileTrackingAndLimits
  Scenario: Publishing past the account's storage limit is refused
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1MB, max_file: 1KB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And "a" creates the stream:
      """
      {"name":"S","subjects":["s"],"storage":"file"}
      """
    When "a" publishes 600 bytes to "s" for an ack
    Then the reply field "seq" is 1
    When "a" publishes 600 bytes to "s" for an ack
    Then the reply is an error with code 400, err_code 10002 and description "resource limits exceeded for account"

  @go:TestJetStreamSystemLimits
  Scenario: Account info reports the account's limits and usage
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_streams: 3, max_consumers: 5, max_mem: 1MB, max_file: 2MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And "a" creates the stream:
      """
      {"name":"S","subjects":["s"],"storage":"memory"}
      """
    And "a" stores "hello" on "s"
    When "a" sends a "$JS.API.INFO" request
    Then the reply field "limits.max_streams" is 3
    And the reply field "limits.max_consumers" is 5
    And the reply field "limits.max_memory" is 1048576
    And the reply field "limits.max_storage" is 2097152
    And the reply field "streams" is 1
    And the reply field "memory" is 22

  @go:TestJetStreamEnableAndDisableAccount @go:TestJetStreamMultipleAccountsBasics
  Scenario: An account without JetStream gets a not-enabled error
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream: enabled, users [ {user: a, password: a} ] }
        B { users [ {user: b, password: b} ] }
      }
      """
    And a client "b" with user "b" and password "b"
    When "b" sends a "$JS.API.INFO" request
    Then the reply is an error with code 503, err_code 10039 and description "JetStream not enabled for account"

  @go:TestJetStreamMultipleAccountsBasics
  Scenario: Streams of different accounts are separate
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream: enabled, users [ {user: a, password: a} ] }
        B { jetstream: enabled, users [ {user: b, password: b} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And a client "b" with user "b" and password "b"
    When "a" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "b" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "a" stores "only-a" on "foo"
    And "b" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 0
    When "a" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 1

  @go:TestJetStreamServerResourcesConfig
  Scenario: The server's max memory and storage are reported as account limits
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", max_memory_store: 16MB, max_file_store: 32MB }
      """
    And a client "c1"
    When the monitoring endpoint "/jsz" is read
    Then the reply field "config.max_memory" is 16777216
    And the reply field "config.max_storage" is 33554432

  @go:TestJetStreamServerResourcesConfig
  Scenario: A stream larger than the server's memory is refused
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", max_memory_store: 1MB, max_file_store: 32MB }
      """
    And a client "c1"
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"memory","max_bytes":4194304}
      """
    Then the reply is an error with code 500, err_code 10028 and description "insufficient memory resources available"

  @go:TestJetStreamMaxConsumers
  Scenario: The max consumers of a stream cannot exceed the account limit
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_consumers: 2, max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    When "a" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"memory","max_consumers":5}
      """
    Then the reply is an error with code 400, err_code 10026 and description "maximum consumers limit reached"

  @go:TestJetStreamTieredLimits
  Scenario: A stream needing max bytes is refused without them
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1MB, max_file: 1MB, max_bytes_required: true }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    When "a" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"memory"}
      """
    Then the reply is an error with code 400, err_code 10113 and description "account requires a stream config to have max bytes set"

  @go:TestJetStreamStreamLimitUpdate
  Scenario: Updating a stream beyond the account's storage is refused
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And "a" creates the stream:
      """
      {"name":"S","subjects":["s"],"storage":"file","max_bytes":524288}
      """
    When "a" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"file","max_bytes":2097152}
      """
    Then the reply is an error with code 500, err_code 10047 and description "insufficient storage resources available"
    When "a" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "config.max_bytes" is 524288

  @go:TestJetStreamUsageNoReservation @go:TestJetStreamAccountReservation @since-2.10
  Scenario: Account info reports reserved storage for streams with max bytes
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        A { jetstream { max_mem: 1MB, max_file: 1MB }, users [ {user: a, password: a} ] }
      }
      """
    And a client "a" with user "a" and password "a"
    And "a" creates the stream:
      """
      {"name":"S","subjects":["s"],"storage":"file","max_bytes":524288}
      """
    When "a" sends a "$JS.API.INFO" request
    Then the reply field "reserved_storage" is 524288
    And the reply field "reserved_memory" is 0

  @go:TestJetStreamCanNotEnableOnSystemAccount
  Scenario: The system account has no JetStream
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        SYS { users [ {user: sys, password: sys} ] }
        A { jetstream: enabled, users [ {user: a, password: a} ] }
      }
      system_account: SYS
      """
    And a client "sys" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.INFO" request
    Then the reply is an error with code 503, err_code 10039 and description "JetStream not enabled for account"
