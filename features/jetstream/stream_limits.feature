@needs-jetstream @process
Feature: JetStream stream limits
  Max messages, bytes, age, messages per subject and message size, with the discard
  old and discard new policies.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestJetStreamAddStreamDiscardNew
  Scenario Outline: Discard new refuses a message over max messages on <storage>
    When "c1" sends a "$JS.API.STREAM.CREATE.foo" request with:
      """
      {"name":"foo","subjects":["foo"],"storage":"<storage>","max_msgs":10,"max_bytes":4096,"discard":"new"}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" publishes "discard me" to "foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages exceeded"
    And the reply field "stream" is "foo"
    When "c1" sends a "$JS.API.STREAM.INFO.foo" request
    Then the reply field "state.messages" is 10
    And the reply field "state.last_seq" is 10

    Examples:
      | storage |
      | memory  |
      | file    |

  @go:TestJetStreamAddStreamDiscardNew
  Scenario Outline: Discard new refuses a message over max bytes on <storage>
    When "c1" sends a "$JS.API.STREAM.CREATE.foo" request with:
      """
      {"name":"foo","subjects":["foo"],"storage":"<storage>","max_msgs":10,"max_bytes":4096,"discard":"new"}
      """
    And "c1" publishes 8192 bytes to "foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum bytes exceeded"
    And the reply field "stream" is "foo"

    Examples:
      | storage |
      | memory  |
      | file    |

  @go:TestJetStreamAddStream
  Scenario: Discard old keeps only the newest max messages
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"memory","max_msgs":5}
      """
    And "c1" stores 8 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 5
    And the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 8

  @go:TestJetStreamStreamFileTrackingAndLimits @go:TestJetStreamStreamStorageTrackingAndLimits
  Scenario: Discard old keeps the stream under max bytes
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"memory","max_bytes":100}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 4
    And the reply field "state.bytes" is 81
    And the reply field "state.first_seq" is 7
    And the reply field "state.last_seq" is 10

  @go:TestJetStreamAddStreamMaxMsgSize
  Scenario: A message at the max message size is stored and one byte more is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"memory","max_msg_size":10}
      """
    And "c1" publishes "0123456789" to "foo" for an ack
    Then the reply field "seq" is 1
    When "c1" publishes "0123456789A" to "foo" for an ack
    Then the reply is an error with code 400, err_code 10054 and description "message size exceeds maximum allowed"

  @go:TestJetStreamMaxMsgsPerSubject
  Scenario: Max messages per subject keeps the newest messages of each subject
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"memory","max_msgs_per_subject":2}
      """
    And "c1" stores 5 messages on "kv.foo"
    And "c1" stores 5 messages on "kv.bar"
    And "c1" stores 1 messages on "kv.baz"
    And "c1" sends a "$JS.API.STREAM.INFO.KV" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.messages" is 5
    And the reply field "state.subjects" is {"kv.foo":2,"kv.bar":2,"kv.baz":1}
    And the reply field "state.last_seq" is 11

  @go:TestJetStreamChangeMaxMessagesPerSubject
  Scenario: Lowering max messages per subject trims existing subjects
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"file","max_msgs_per_subject":5}
      """
    And "c1" stores 5 messages on "kv.foo"
    And "c1" stores 5 messages on "kv.bar"
    And "c1" sends a "$JS.API.STREAM.UPDATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"file","max_msgs_per_subject":1}
      """
    Then the reply has no field "error"
    And the reply field "state.messages" is 2

  @go:TestJetStreamMaxMsgsPerSubjectWithDiscardNew
  Scenario: Discard new per subject refuses a subject at its limit but not others
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"memory","max_msgs_per_subject":1,"discard":"new","discard_new_per_subject":true,"max_msgs":10}
      """
    Then the reply field "config.discard_new_per_subject" is true
    When "c1" stores "1" on "kv.foo"
    And "c1" publishes "2" to "kv.foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages per subject exceeded"
    When "c1" publishes "3" to "kv.bar" for an ack
    Then the reply field "seq" is 2

  @go:TestJetStreamMaxMsgsPerSubjectWithDiscardNew
  Scenario: Discard new per subject requires discard new
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"memory","max_msgs_per_subject":1,"discard_new_per_subject":true}
      """
    Then the reply is an error with code 500, err_code 10052 and description "discard new per subject requires discard new policy to be set"

  @go:TestJetStreamMaxMsgsPerSubjectWithDiscardNew
  Scenario: Discard new per subject requires a max messages per subject
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"memory","discard":"new","discard_new_per_subject":true}
      """
    Then the reply is an error with code 500, err_code 10052 and description "discard new per subject requires max msgs per subject > 0"

  @go:TestJetStreamMaxMsgsPerSubjectWithDiscardNew
  Scenario: Plain discard new with max messages per subject still replaces per subject
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"memory","max_msgs_per_subject":1,"discard":"new","max_msgs":10}
      """
    And "c1" stores "1" on "kv.foo"
    And "c1" stores "2" on "kv.foo"
    And "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 2

  @go:TestJetStreamAddStream
  Scenario: Messages older than max age expire
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"memory","max_age":500000000}
      """
    And "c1" stores 3 messages on "foo"
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 0 within 5s
    Then the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 3

  @go:TestJetStreamExpireAllWhileServerDown
  Scenario: Messages that expire while the server is down are gone after the restart
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"file","max_age":1000000000}
      """
    And "c1" stores 5 messages on "foo"
    And the server is stopped
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 0 within 5s
    Then the reply field "state.last_seq" is 5
    And the reply field "state.first_seq" is 6
