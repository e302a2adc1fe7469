@needs-jetstream @process
Feature: JetStream API basics
  The $JS.API request/reply surface on a single server: account info, stream
  create/info/names/delete, consumer create, and the standard error replies.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestJetStreamRequestAPI @since-2.15
  Scenario: Account info on a fresh server reports no streams
    When "c1" sends a "$JS.API.INFO" request
    Then the reply field "type" is "io.nats.jetstream.api.v1.account_info_response"
    And the reply field "streams" is 0
    And the reply field "consumers" is 0
    And the reply has no field "error"
    And the reply matches golden "account-info"

  @go:TestJetStreamRequestAPI @since-2.11
  Scenario: Creating a file stream echoes its configuration
    When "c1" sends a "$JS.API.STREAM.CREATE.MSET22" request with:
      """
      {"name":"MSET22","storage":"file","subjects":["foo","bar","baz"],"max_msgs":100}
      """
    Then the reply has no field "error"
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_create_response"
    And the reply field "config.name" is "MSET22"
    And the reply field "config.subjects[2]" is "baz"
    And the reply field "config.max_msgs" is 100
    And the reply field "state.messages" is 0
    And the reply matches golden "stream-create" ignoring "config.metadata"

  @go:TestJetStreamAddStream
  Scenario: Creating a memory stream with a max age applies limits defaults
    When "c1" sends a "$JS.API.STREAM.CREATE.foo" request with:
      """
      {"name":"foo","retention":"limits","max_age":3600000000000,"storage":"memory","num_replicas":1}
      """
    Then the reply has no field "error"
    And the reply field "config.storage" is "memory"
    And the reply field "config.retention" is "limits"
    And the reply field "config.max_age" is 3600000000000
    And the reply field "config.subjects[0]" is "foo"
    And the reply field "config.discard" is "old"

  @go:TestJetStreamAddStreamSameConfigOK
  Scenario: Creating the same stream twice with the same config succeeds
    When "c1" sends a "$JS.API.STREAM.CREATE.ok" request with:
      """
      {"name":"ok","subjects":["foo","bar","baz.*","foo.bar.baz.>"],"storage":"memory"}
      """
    Then the reply has no field "error"
    When "c1" sends a "$JS.API.STREAM.CREATE.ok" request with:
      """
      {"name":"ok","subjects":["foo","bar","baz.*","foo.bar.baz.>"],"storage":"memory"}
      """
    Then the reply has no field "error"
    And the reply field "config.name" is "ok"
    And the reply field "config.subjects[3]" is "foo.bar.baz.>"

  @go:TestJetStreamAddStreamSameConfigOK
  Scenario: Creating an existing stream with a different config is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.ok" request with:
      """
      {"name":"ok","subjects":["foo","bar"],"storage":"memory"}
      """
    Then the reply has no field "error"
    When "c1" sends a "$JS.API.STREAM.CREATE.ok" request with:
      """
      {"name":"ok","subjects":["foo","bar"],"storage":"memory","max_msgs":10}
      """
    Then the reply is an error with code 400, err_code 10058 and description "stream name already in use with a different configuration"
    And the reply matches golden "stream-name-in-use"

  @go:TestJetStreamRequestAPI
  Scenario Outline: A malformed <api> request gets Go's JSON error
    When "c1" sends '<body>' to "<subject>" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload '{"type":"io.nats.jetstream.api.v1.<type>","error":{"code":400,"err_code":10025,"description":"invalid JSON: <reason>"}}'

    Examples:
      | api             | subject                   | body            | type                     | reason                                                               |
      | stream create   | $JS.API.STREAM.CREATE.Q   | {"name":        | stream_create_response   | unexpected EOF                                                       |
      | consumer create | $JS.API.CONSUMER.CREATE.Q | {"stream_name": | consumer_create_response | unexpected EOF                                                       |

  @go:TestJetStreamRequestAPI
  Scenario: A stream name in the subject must match the config
    When "c1" sends a "$JS.API.STREAM.CREATE.BOB" request with:
      """
      {"name":"MSET22","storage":"file","subjects":["foo","bar","baz"],"max_msgs":100}
      """
    Then the reply is an error with code 400, err_code 10056 and description "stream name in subject does not match request"

  @go:TestJetStreamRequestAPI @since-2.11
  Scenario: Stream info reports stored messages
    When "c1" sends a "$JS.API.STREAM.CREATE.MSET22" request with:
      """
      {"name":"MSET22","storage":"file","subjects":["foo","bar","baz"],"max_msgs":100}
      """
    And "c1" requests "WELCOME JETSTREAM" on "foo" as "p1"
    And "c1" requests "WELCOME JETSTREAM" on "bar" as "p2"
    And "c1" sends a "$JS.API.STREAM.INFO.MSET22" request
    Then the reply has no field "error"
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_info_response"
    And the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 2
    And the reply matches golden "stream-info" ignoring "config.metadata"

  @go:TestJetStreamRequestAPI
  Scenario: Stream info for an unknown stream is a not-found error
    When "c1" sends a "$JS.API.STREAM.INFO.BOB" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"
    And the reply matches golden "stream-info-not-found"

  @go:TestJetStreamRequestAPI
  Scenario: Stream names lists the created stream
    When "c1" sends a "$JS.API.STREAM.CREATE.MSET22" request with:
      """
      {"name":"MSET22","storage":"file","subjects":["foo","bar","baz"],"max_msgs":100}
      """
    And "c1" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "type" is "io.nats.jetstream.api.v1.stream_names_response"
    And the reply field "total" is 1
    And the reply field "offset" is 0
    And the reply field "limit" is 1024
    And the reply field "streams[0]" is "MSET22"
    And the reply matches golden "stream-names"

  @go:TestJetStreamRequestAPI
  Scenario: Deleting a stream removes it
    When "c1" sends a "$JS.API.STREAM.CREATE.MSET22" request with:
      """
      {"name":"MSET22","storage":"memory","subjects":["foo"]}
      """
    And "c1" sends a "$JS.API.STREAM.DELETE.MSET22" request
    Then the reply field "success" is true
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_delete_response"
    And the reply matches golden "stream-delete"
    When "c1" sends a "$JS.API.STREAM.INFO.MSET22" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamRequestAPI @since-2.12
  Scenario: Creating a durable consumer returns its info
    When "c1" sends a "$JS.API.STREAM.CREATE.MSET22" request with:
      """
      {"name":"MSET22","storage":"memory","subjects":["foo"]}
      """
    And "c1" requests "one" on "foo" as "p1"
    And "c1" sends a "$JS.API.CONSUMER.DURABLE.CREATE.MSET22.dlc" request with:
      """
      {"stream_name":"MSET22","config":{"durable_name":"dlc","ack_policy":"explicit"}}
      """
    Then the reply has no field "error"
    And the reply field "type" is "io.nats.jetstream.api.v1.consumer_create_response"
    And the reply field "stream_name" is "MSET22"
    And the reply field "name" is "dlc"
    And the reply field "config.durable_name" is "dlc"
    And the reply field "num_pending" is 1
    And the reply matches golden "consumer-durable-create" ignoring "config.metadata"

  @go:TestJetStreamRequestAPI @since-2.11
  Scenario: Creating a named consumer through CONSUMER.CREATE returns its info
    When "c1" sends a "$JS.API.STREAM.CREATE.MSET22" request with:
      """
      {"name":"MSET22","storage":"memory","subjects":["foo"]}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.MSET22.worker" request with:
      """
      {"stream_name":"MSET22","config":{"name":"worker","durable_name":"worker","ack_policy":"explicit","deliver_policy":"all"}}
      """
    Then the reply has no field "error"
    And the reply field "name" is "worker"
    And the reply field "config.ack_policy" is "explicit"
    And the reply field "config.deliver_policy" is "all"
    And the reply field "num_pending" is 0
    And the reply matches golden "consumer-create" ignoring "config.metadata"

  @go:TestJetStreamAddStreamMaxMsgSize
  Scenario: A message larger than the stream max message size is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.foo" request with:
      """
      {"name":"foo","retention":"limits","max_age":3600000000000,"storage":"memory","max_msg_size":22,"num_replicas":1}
      """
    Then the reply field "config.max_msg_size" is 22
    When "c1" sends a "foo" request with:
      """
      "1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      """
    Then the reply is an error with code 400, err_code 10054 and description "message size exceeds maximum allowed"
