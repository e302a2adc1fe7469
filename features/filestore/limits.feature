@needs-jetstream @process
Feature: File store limits combined across restarts
  Stream limits the store enforces itself (max messages, max messages per subject,
  discard new, per-subject discard new) remove or refuse messages the same way before
  and after a restart, and the messages they removed stay removed when the state is
  rebuilt from the blocks.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestFileStoreMaxMsgsAndMaxMsgsPerSubject
  Scenario: Discard new with max messages and a per-subject limit of one refuses both kinds of overflow
    Given "c1" creates the stream:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"file","discard":"new","max_msgs":100,"max_msgs_per_subject":1,"discard_new_per_subject":true}
      """
    When "c1" stores 100 messages on the numbered subjects "kv.#"
    And "c1" publishes "value" to "kv.101" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages exceeded"
    When "c1" publishes "value" to "kv.7" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages per subject exceeded"
    When "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply field "state.messages" is 100
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 100
    And the reply has no field "state.num_deleted"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.KV" until the reply field "state.messages" is 100
    And "c1" publishes "value" to "kv.100" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages per subject exceeded"
    When "c1" publishes "value" to "kv.200" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages exceeded"
    When "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply field "state.last_seq" is 100
    And the reply field "state.num_subjects" is 100

  @go:TestFileStoreFullStateTestSysRemovals @go:TestFileStoreSelectBlockWithFirstSeqRemovals @since-2.10
  Scenario: Messages removed by max messages and the per-subject limit stay removed across restarts
    Given "c1" creates the stream:
      """
      {"name":"L","subjects":["l.*"],"storage":"file","max_msgs":10,"max_msgs_per_subject":1}
      """
    When "c1" stores "a" on "l.A"
    And "c1" stores "b" on "l.B"
    And "c1" stores "a" on "l.A"
    And "c1" stores "b" on "l.B"
    And "c1" sends a "$JS.API.STREAM.INFO.L" request
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 3
    And the reply field "state.last_seq" is 4
    And the value of the reply field "state" is saved as "two"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.L" until the reply field "state.last_seq" is 4
    Then the reply field "state" equals the saved "two"
    When "c1" stores "x" on "l.C"
    And "c1" stores "x" on "l.D"
    And "c1" stores "x" on "l.E"
    And "c1" stores "x" on "l.F"
    And "c1" stores "x" on "l.G"
    And "c1" stores "x" on "l.H"
    And "c1" stores "x" on "l.I"
    And "c1" stores "x" on "l.J"
    And "c1" sends a "$JS.API.STREAM.INFO.L" request
    Then the reply field "state.messages" is 10
    And the reply field "state.first_seq" is 3
    And the reply field "state.last_seq" is 12
    And the value of the reply field "state" is saved as "ten"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.L" until the reply field "state.last_seq" is 12
    Then the reply field "state" equals the saved "ten"
    When "c1" stores "x" on "l.Z"
    And "c1" sends a "$JS.API.STREAM.INFO.L" request
    Then the reply field "state.messages" is 10
    And the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 13
    And the value of the reply field "state" is saved as "over"
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.L" until the reply field "state.last_seq" is 13
    Then the reply field "state" equals the saved "over"
    When the server is stopped
    And the store file "jetstream/$G/streams/L/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.L" until the reply field "state.last_seq" is 13
    Then the reply field "state" equals the saved "over"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.L" request with:
      """
      {"last_by_subj":"l.A"}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.L" request with:
      """
      {"last_by_subj":"l.B"}
      """
    Then the reply field "message.seq" is 4

  @go:TestFileStoreMsgLimitBug
  Scenario: A stream limited to one message keeps taking messages after a kill -9
    Given "c1" creates the stream:
      """
      {"name":"ONE","subjects":["one"],"storage":"file","max_msgs":1}
      """
    When "c1" stores 2 messages on "one"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.ONE" until the reply field "state.last_seq" is 2
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 2
    When "c1" publishes "three" to "one" for an ack
    Then the reply field "seq" is 3
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.ONE" until the reply field "state.last_seq" is 3
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 3

  @go:TestFileStoreExpireSubjectMeta @go:TestFileStoreDmapBlockRecoverAfterCompact @since-2.10
  Scenario: With one message per subject the subjects of several blocks are all found after a restart and a rebuild
    Given "c1" creates the stream:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"file","max_msgs_per_subject":1,"max_bytes":120000}
      """
    When "c1" stores 100 messages of 500 bytes on the numbered subjects "kv.#"
    Then the server has at least 2 store files matching "jetstream/$G/streams/KV/msgs/*.blk"
    When "c1" stores "new-2" on "kv.2"
    And "c1" stores "new-4" on "kv.4"
    And "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply field "state.messages" is 100
    And the reply field "state.num_subjects" is 100
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 102
    And the reply field "state.num_deleted" is 2
    And the value of the reply field "state" is saved as "before"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.KV" until the reply field "state.last_seq" is 102
    Then the reply field "state" equals the saved "before"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"last_by_subj":"kv.22"}
      """
    Then the reply field "message.seq" is 22
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"last_by_subj":"kv.99"}
      """
    Then the reply field "message.seq" is 99
    When the server is stopped
    And the store file "jetstream/$G/streams/KV/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.KV" until the reply field "state.last_seq" is 102
    Then the reply field "state" equals the saved "before"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"seq":3}
      """
    Then the reply field "message.subject" is "kv.3"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"seq":2}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreMaxMsgsPerSubjectOneStaleFblkAfterRestart @since-2.14
  Scenario: With one message per subject a subject rewritten in a later block is found after a restart
    Given "c1" creates the stream:
      """
      {"name":"KV","subjects":["kv.>"],"storage":"file","max_msgs_per_subject":1,"max_bytes":120000}
      """
    When "c1" stores "old" on "kv.0"
    And "c1" stores 60 messages of 1000 bytes on the numbered subjects "kv.#"
    And "c1" stores "new" on "kv.0"
    Then the reply field "seq" is 62
    When "c1" stores 4 messages on the numbered subjects "kv.#"
    And "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply field "state.messages" is 61
    And the reply field "state.num_subjects" is 61
    And the reply field "state.last_seq" is 66
    And the value of the reply field "state" is saved as "before"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.KV" until the reply field "state.messages" is 61
    Then the reply field "state" equals the saved "before"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"last_by_subj":"kv.0"}
      """
    Then the reply field "message.seq" is 62
    And the reply field "message.data" is "bmV3"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"last_by_subj":"kv.3"}
      """
    Then the reply field "message.seq" is 65
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"last_by_subj":"kv.22"}
      """
    Then the reply field "message.seq" is 23
