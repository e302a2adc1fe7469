@needs-jetstream @process
Feature: File store persistence across restarts
  What a file-storage stream reports after a clean restart (SIGTERM) or a kill -9:
  messages, interior deletes, purges, per-subject state, limits, timestamps and the
  state of durable consumers. Ports the file store's stop/re-open tests to a server
  restart on the same store dir.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """

  @go:TestFileStoreBasics @go:TestFileStoreBasicWriteMsgsAndRestore
  Scenario: Stored messages and their sequences survive a clean restart
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    And the value of the reply field "state" is saved as "before"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 5
    Then the reply field "state" equals the saved "before"
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 5
    And the reply field "state.num_subjects" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":3}
      """
    Then the reply field "message.data" is "Mw=="
    And the reply field "message.subject" is "foo.a"
    When "c1" publishes "six" to "foo.a" for an ack
    Then the reply field "seq" is 6

  @go:TestFileStoreBasicWriteMsgsAndRestore
  Scenario: Stored messages survive a kill -9
    When "c1" stores 20 messages on "foo.a"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 20
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 20
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":20}
      """
    Then the reply field "message.data" is "MjA="

  @go:TestFileStoreMsgHeaders
  Scenario: Message headers survive a restart
    When "c1" stores "hello" on "foo.h" with headers:
      | X-Trace | abc |
      | X-Other | 123 |
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.data" is "aGVsbG8="
    And the reply field "message.hdrs" matches "^TkFUUy8xLjANCl"

  @go:TestFileStoreMsgHeaders
  Scenario: Messages with headers count the same bytes after a kill -9
    When "c1" stores "hello" on "foo.h" with headers:
      | X-Trace | abc |
    And "c1" stores "plain" on "foo.p"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    And the value of the reply field "state" is saved as "before"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state" equals the saved "before"

  @go:TestFileStoreTimeStamps @go:TestFileStoreRememberLastMsgTime
  Scenario: Message timestamps are the same after a kill -9
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":3}
      """
    And the value of the reply field "message.time" is saved as "third"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    And the value of the reply field "state.first_ts" is saved as "first_ts"
    And the value of the reply field "state.last_ts" is saved as "last_ts"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    Then the reply field "state.first_ts" equals the saved "first_ts"
    And the reply field "state.last_ts" equals the saved "last_ts"
    And the reply field "state.last_ts" equals the saved "third"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":3}
      """
    Then the reply field "message.time" equals the saved "third"

  @go:TestFileStoreRemovePartialRecovery @go:TestFileStoreStreamStateDeleted
  Scenario: Interior deletes survive a clean restart
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":5,"no_erase":true}
      """
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 8
    Then the reply field "state.num_deleted" is 2
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 10
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":5}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreRemoveOutOfOrderRecovery
  Scenario: Deletes made out of order survive a kill -9
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":7}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1}
      """
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 7
    Then the reply field "state.first_seq" is 2
    And the reply field "state.last_seq" is 10
    And the reply field "state.num_deleted" is 2
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":7}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreReloadAndLoseLastSequence @go:TestFileStoreRemoveLastNoDoubleTombstones
  Scenario: Deleting the last message keeps the last sequence across restarts
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.last_seq" is 3
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.last_seq" is 3
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 4

  @go:TestFileStoreReloadAndLoseLastSequence @go:TestJetStreamRecoversStreamFirstSeqWhenEmpty
  Scenario: A stream whose every message was deleted keeps its sequences after a kill -9
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 3
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 4
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 4

  @go:TestFileStorePurge @go:TestFileStoreFullStatePurgeFullRecovery
  Scenario: A full purge keeps the last sequence across a restart
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request
    Then the reply field "purged" is 10
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 10
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 11
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 11

  @go:TestFileStoreFullStatePurgeFullRecovery
  Scenario: A full purge survives a kill -9
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 10
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 11

  @go:TestFileStorePurgeExWithSubject @go:TestFileStoreWriteFullStateAfterPurgeEx
  Scenario: A purge by subject survives a restart
    When "c1" stores 3 messages on "foo.a"
    And "c1" stores 4 messages on "foo.b"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a"}
      """
    Then the reply field "purged" is 3
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 4
    Then the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 7
    And the reply field "state.num_subjects" is 1

  @go:TestFileStoreCompact @go:TestFileStorePreserveLastSeqAfterCompact
  Scenario: A purge up to a sequence survives a restart
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":8}
      """
    Then the reply field "purged" is 7
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    Then the reply field "state.first_seq" is 8
    And the reply field "state.last_seq" is 10

  @go:TestFileStoreCompactRestoresLastSeq @go:TestFileStoreCompactLastPlusOne
  Scenario: A purge past the last sequence survives a restart
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":6}
      """
    Then the reply field "purged" is 5
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.first_seq" is 6
    Then the reply field "state.messages" is 0
    And the reply field "state.last_seq" is 5
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 6

  @go:TestFileStorePurgeExKeepOneBug @go:TestFileStoreKeepWithDeletedMsgsBug
  Scenario: A purge keeping the newest messages survives a restart
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a","keep":2}
      """
    Then the reply field "purged" is 8
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 9
    And the reply field "state.last_seq" is 10

  @go:TestFileStoreSubjectsTotals @go:TestJetStreamStreamInfoSubjectsDetailsAfterRestart
  Scenario: Per-subject counts survive a restart
    When "c1" stores 3 messages on "foo.a"
    And "c1" stores 2 messages on "foo.b"
    And "c1" stores 1 messages on "foo.c.d"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 6
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.num_subjects" is 3
    And the stream state counts 3 messages on subject "foo.a"
    And the stream state counts 2 messages on subject "foo.b"
    And the stream state counts 1 messages on subject "foo.c.d"

  @go:TestFileStoreNumPendingLastBySubject @go:TestFileStoreLoadLastWildcard
  Scenario: The last message per subject is found after a restart
    When "c1" stores "a1" on "foo.a"
    And "c1" stores "b1" on "foo.b"
    And "c1" stores "a2" on "foo.a"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.a"}
      """
    Then the reply field "message.seq" is 3
    And the reply field "message.data" is "YTI="
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"next_by_subj":"foo.b","seq":1}
      """
    Then the reply field "message.seq" is 2

  @go:TestFileStoreMsgLimit
  Scenario: The max messages limit holds across a restart
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_msgs":5}
      """
    Then the reply has no field "error"
    When "c1" stores 8 messages on "foo.a"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 5
    Then the reply field "state.first_seq" is 4
    When "c1" stores 2 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 5
    And the reply field "state.first_seq" is 6
    And the reply field "state.last_seq" is 10

  @go:TestFileStoreMaxMsgsPerSubject @go:TestFileStoreRebuildStateProperlyWithMaxMsgsPerSubject
  Scenario: The per-subject limit holds across a restart
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_msgs_per_subject":2}
      """
    Then the reply has no field "error"
    When "c1" stores 4 messages on "foo.a"
    And "c1" stores 3 messages on "foo.b"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 4
    When "c1" stores "a5" on "foo.a"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"subjects_filter":"foo.*"}
      """
    Then the reply field "state.messages" is 4
    And the stream state counts 2 messages on subject "foo.a"
    And the stream state counts 2 messages on subject "foo.b"

  @go:TestFileStoreBytesLimitWithDiscardNew
  Scenario: Discard new still refuses messages over the limit after a restart
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_msgs":3,"discard":"new"}
      """
    Then the reply has no field "error"
    When "c1" stores 3 messages on "foo.a"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    When "c1" publishes "four" to "foo.a" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages exceeded"

  @go:TestFileStoreAgeLimitRecovery @go:TestFileStoreExpireMsgsOnStart
  Scenario: Messages whose max age passed while the server was down are gone after start
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_age":1500000000}
      """
    Then the reply has no field "error"
    When "c1" stores 5 messages on "foo.a"
    And the server is stopped
    And 2s has passed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 0
    Then the reply field "state.last_seq" is 5
    And the reply field "state.first_seq" is 6

  @go:TestFileStoreConsumer @go:TestFileStoreConsumerDeliveredUpdates
  Scenario: A durable consumer's delivered and ack floor survive a clean restart
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit"}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 3 as "p"
    Then "p" receives the payloads "1, 2, 3" within 2s
    When "c1" acks the last message on "p" and waits for the confirmation
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.D" request
    Then the reply field "delivered.stream_seq" is 3
    When the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "delivered.stream_seq" is 3
    Then the reply field "delivered.consumer_seq" is 3
    And the reply field "num_ack_pending" is 2
    And the reply field "num_pending" is 2
    And the reply field "ack_floor.stream_seq" is 0

  @go:TestJetStreamConsumerEphemeralRecoveryAfterServerRestart
  Scenario: An ephemeral consumer and its ack floor come back after a restart
    Given "c1" creates the consumer on "S":
      """
      {"name":"EPH","ack_policy":"explicit","inactive_threshold":60000000000}
      """
    When "c1" stores 4 messages on "foo.a"
    And "c1" pulls from consumer "EPH" of stream "S" with 2 as "p"
    Then "p" receives the payloads "1, 2" within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.EPH" until the reply field "ack_floor.stream_seq" is 2
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.EPH" until the reply field "ack_floor.stream_seq" is 2
    Then the reply field "num_pending" is 2

  @go:TestJetStreamConsumerEphemeralRecoveryAfterServerRestart
  Scenario: A consumer kept in memory on a file stream is gone after a restart
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"MEM","ack_policy":"explicit","mem_storage":true}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"DISK","ack_policy":"explicit"}
      """
    When "c1" stores 2 messages on "foo.a"
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.DISK" until the reply field "num_pending" is 2
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.MEM" request
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"

  @go:TestFileStoreConsumerDeliveredAndAckUpdates @go:TestJetStreamRedeliveryAfterServerRestart
  Scenario: Acked messages are not delivered again after a restart
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit"}
      """
    When "c1" stores 4 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 2 as "p"
    Then "p" receives the payloads "1, 2" within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 2
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 2
    Then the reply field "num_pending" is 2
    And the reply field "num_ack_pending" is 0
    When "c1" pulls from consumer "D" of stream "S" with 1 as "q"
    Then "q" receives the payloads "3" within 5s

  @go:TestFileStoreConsumerRedeliveredLost @go:TestFileStoreConsumerEncodeDecodeRedelivered
  Scenario: Redelivery counts survive a restart
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit","ack_wait":30000000000}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 1 as "p"
    Then "p" receives the payloads "1" within 2s
    When "c1" acks the last message on "p" with '-NAK'
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "num_redelivered" is 0
    And "c1" pulls from consumer "D" of stream "S" with 1 as "q"
    Then "q" receives the payloads "1" within 2s
    When "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "num_redelivered" is 1
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "num_redelivered" is 1
    Then the reply field "delivered.consumer_seq" is 2
    And the reply field "delivered.stream_seq" is 1
    And the reply field "num_ack_pending" is 1

  @go:TestFileStoreStreamDeleteDirNotEmpty
  Scenario: A deleted stream stays deleted after a restart
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.DELETE.S" request
    Then the reply field "success" is true
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.NAMES" until the reply field "total" is 0
    Then the server has 0 store files matching "jetstream/$G/streams/S/msgs/*.blk"

  @go:TestJetStreamFileStreamCreatedTimePreservedAfterRestartAndUpdate
  Scenario: The stream config and creation time survive a restart
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>","bar"],"storage":"file","max_msgs":100,"description":"kept"}
      """
    Then the reply has no field "error"
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "created" matches "^20"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "config.max_msgs" is 100
    Then the reply field "config.description" is "kept"
    And the reply field "config.subjects" contains "bar"
    And the reply field "config.storage" is "file"

  @go:TestFileStoreSourcesRecovery @go:TestJetStreamWorkQueueSourceRestart
  Scenario: A sourcing stream does not copy messages twice after a restart
    Given "c1" creates the stream:
      """
      {"name":"AGG","storage":"file","sources":[{"name":"S"}]}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 3
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 3
    When "c1" stores 2 messages on "foo.b"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 5
    And 500ms has passed
    And "c1" sends a "$JS.API.STREAM.INFO.AGG" request
    Then the reply field "state.messages" is 5
    And the reply field "state.last_seq" is 5

  @go:TestFileStoreSourcesRecovery
  Scenario: A sourcing stream does not copy messages twice after a kill -9
    Given "c1" creates the stream:
      """
      {"name":"AGG","storage":"file","sources":[{"name":"S"}]}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 3
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 3
    When "c1" stores 1 messages on "foo.b"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 4
    And 500ms has passed
    And "c1" sends a "$JS.API.STREAM.INFO.AGG" request
    Then the reply field "state.messages" is 4

  @go:TestFileStoreBytesLimit
  Scenario: The max bytes limit holds across a restart
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":5000}
      """
    When "c1" stores 10 messages of 1000 bytes on "b.x"
    And "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply number "state.first_seq" is at least 5
    And the value of the reply field "state" is saved as "before"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 10
    Then the reply field "state" equals the saved "before"
    When "c1" stores 1 messages of 1000 bytes on "b.x"
    And "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply number "state.first_seq" is at least 6
    And the reply field "state.last_seq" is 11

  @go:TestFileStoreUpdateMaxMsgsPerSubject
  Scenario: Lowering the per-subject limit after a restart trims every subject
    When "c1" stores 5 messages on "foo.a"
    And "c1" stores 5 messages on "foo.b"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 10
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_msgs_per_subject":1}
      """
    Then the reply has no field "error"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.last_seq" is 10
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.a"}
      """
    Then the reply field "message.seq" is 5

  @go:TestFileStoreInitialFirstSeq @go:TestJetStreamFileStoreFirstSeqAfterRestart @since-2.11
  Scenario: A stream created with a first sequence keeps it across a restart
    Given "c1" creates the stream:
      """
      {"name":"F","subjects":["f"],"storage":"file","first_seq":10000}
      """
    Then the reply field "state.first_seq" is 10000
    And the reply field "state.last_seq" is 9999
    When "c1" publishes "x" to "f" for an ack
    Then the reply field "seq" is 10000
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.F" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 10000
    And the reply field "state.last_seq" is 10000

  @go:TestJetStreamRecoversStreamFirstSeqWhenEmpty @go:TestFileStoreInitialFirstSeq @since-2.10
  Scenario: An empty stream created with a first sequence keeps it across a kill -9
    Given "c1" creates the stream:
      """
      {"name":"F","subjects":["f"],"storage":"file","first_seq":500}
      """
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.F" until the reply field "state.first_seq" is 500
    Then the reply field "state.messages" is 0
    When "c1" publishes "x" to "f" for an ack
    Then the reply field "seq" is 500

  @go:TestJetStreamPublishDeDupe
  Scenario: The duplicate window still recognises message ids after a restart
    When "c1" stores "one" on "foo.a" with headers:
      | Nats-Msg-Id | AA |
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    When "c1" publishes "again" to "foo.a" for an ack with headers:
      | Nats-Msg-Id | AA |
    Then the reply field "duplicate" is true
    And the reply field "seq" is 1
    When "c1" publishes "new" to "foo.a" for an ack with headers:
      | Nats-Msg-Id | BB |
    Then the reply field "seq" is 2

  @go:TestFileStoreStreamStateDeleted @go:TestJetStreamStreamInfoSubjectsDetailsWithDeleteAndPurge
  Scenario: The list of deleted sequences is the same after a restart
    When "c1" stores 8 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":6}
      """
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 5
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state.deleted" is [2,3,6]
    And the reply field "state.num_deleted" is 3

  @go:TestFileStoreRecoverDoesNotResetStreamState @go:TestJetStreamWorkQueueSourceRestart
  Scenario: Messages a work queue consumer acked stay removed after a restart
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"file","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"W","ack_policy":"explicit"}
      """
    When "c1" stores 5 messages on "wq"
    And "c1" pulls from consumer "W" of stream "WQ" with 3 as "p"
    Then "p" receives the payloads "1, 2, 3" within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.STREAM.INFO.WQ" until the reply field "state.messages" is 2
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.WQ" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 5
    When "c1" pulls from consumer "W" of stream "WQ" with 1 as "q"
    Then "q" receives the payloads "4" within 5s

  @go:TestJetStreamInterestRetentionStreamWithDurableRestart
  Scenario: An interest stream keeps messages for a durable consumer across a restart
    Given "c1" creates the stream:
      """
      {"name":"IK","subjects":["ik"],"storage":"file","retention":"interest"}
      """
    And "c1" creates the consumer on "IK":
      """
      {"durable_name":"ivan","ack_policy":"explicit"}
      """
    When "c1" stores 3 messages on "ik"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.IK" until the reply field "state.messages" is 3
    And "c1" pulls from consumer "ivan" of stream "IK" with 3 as "p"
    Then "p" receives the payloads "1, 2, 3" within 5s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.STREAM.INFO.IK" until the reply field "state.messages" is 0
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.IK" until the reply field "state.last_seq" is 3
    Then the reply field "state.messages" is 0

  @go:TestFileStoreFilteredPendingBug @go:TestFileStoreNumPendingMulti @since-2.10
  Scenario: A filtered consumer counts the same pending messages after a restart
    When "c1" stores 4 messages on "foo.a"
    And "c1" stores 3 messages on "foo.b"
    And "c1" stores 2 messages on "foo.a"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"FB","ack_policy":"explicit","filter_subject":"foo.b"}
      """
    Then the reply field "num_pending" is 3
    When the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.CONSUMER.INFO.S.FB" until the reply field "num_pending" is 3
    When "c1" creates the consumer on "S":
      """
      {"durable_name":"FA","ack_policy":"explicit","filter_subject":"foo.a","deliver_policy":"by_start_sequence","opt_start_seq":5}
      """
    Then the reply field "num_pending" is 2

  @go:TestFileStoreLargeFullStatePSIM @go:TestFileStoreWriteFullStateHighSubjectCardinality
  Scenario: Many distinct subjects are recounted after the state file is lost
    When "c1" stores 1 messages on "foo.1"
    And "c1" stores 1 messages on "foo.2"
    And "c1" stores 1 messages on "foo.3"
    And "c1" stores 1 messages on "foo.4"
    And "c1" stores 1 messages on "foo.5"
    And "c1" stores 1 messages on "foo.6"
    And "c1" stores 1 messages on "foo.7"
    And "c1" stores 1 messages on "foo.8"
    And "c1" stores 2 messages on "foo.9"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 10
    Then the reply field "state.num_subjects" is 9
    When "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"subjects_filter":"foo.9"}
      """
    Then the stream state counts 2 messages on subject "foo.9"

  @go:TestFileStoreMultiLastSeqs @go:TestFileStoreAllLastSeqs @since-2.11
  Scenario: A direct get of the last messages of several subjects works after a restart
    Given "c1" creates the stream:
      """
      {"name":"D","subjects":["d.>"],"storage":"file","allow_direct":true}
      """
    When "c1" stores "a1" on "d.a"
    And "c1" stores "b1" on "d.b"
    And "c1" stores "a2" on "d.a"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.D" until the reply field "state.messages" is 3
    And "c1" sends '{"multi_last":["d.a","d.b"]}' to "$JS.API.DIRECT.GET.D" with replies to "g"
    Then "g" receives the payloads "b1, a2" within 2s

  @go:TestJetStreamLargeExpiresAndServerRestart @go:TestFileStoreAgeLimit
  Scenario: Max age keeps expiring messages stored before a restart
    Given "c1" creates the stream:
      """
      {"name":"A","subjects":["age"],"storage":"file","max_age":2000000000}
      """
    When "c1" stores "ok" on "age"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.A" until the reply field "state.last_seq" is 1
    And "c1" polls "$JS.API.STREAM.INFO.A" until the reply field "state.messages" is 0 within 5s
    Then the reply field "state.first_seq" is 2

  @go:TestJetStreamMirroredConsumerFailAfterRestart @go:TestFileStoreSourcesRecovery
  Scenario: A mirror resumes without gaps or duplicates after a restart
    Given "c1" creates the stream:
      """
      {"name":"M","storage":"file","mirror":{"name":"S"}}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3
    When "c1" stores 2 messages on "foo.b"
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 5
    Then the reply field "state.last_seq" is 5
    When "c1" sends a "$JS.API.STREAM.MSG.GET.M" request with:
      """
      {"seq":5}
      """
    Then the reply field "message.subject" is "foo.b"
    And the reply field "message.data" is "Mg=="

  @go:TestFileStoreConsumerStoreEncodeAfterRestart @go:TestFileStoreConsumerEncodeDecodePendingBelowStreamAckFloor
  Scenario: A consumer's delivered sequence, ack floor and acks above the floor survive a restart
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit","ack_wait":60000000000}
      """
    When "c1" stores 22 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 11 as "p"
    Then "p" receives 11 messages within 2s
    When "c1" acks all messages on "p"
    And "c1" pulls from consumer "D" of stream "S" with 11 as "q"
    Then "q" receives 11 messages within 2s
    When "c1" acks the last message on "q" and waits for the confirmation
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 11
    Then the reply field "delivered.stream_seq" is 22
    And the reply field "delivered.consumer_seq" is 22
    And the reply field "num_ack_pending" is 10
    When the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "delivered.stream_seq" is 22
    Then the reply field "ack_floor.stream_seq" is 11
    And the reply field "ack_floor.consumer_seq" is 11
    And the reply field "num_ack_pending" is 10
    And the reply field "num_pending" is 0
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 1 as "r"
    Then "r" receives the payloads "1" within 2s
    And the last message on "r" has reply matching "^\$JS\.ACK\.S\.D\.1\.23\.23\."

  @go:TestFileStoreSourcesRecoveredFromOutdatedState @go:TestFileStoreSourcesRecoveredOneMessageAfterFlush @since-2.15
  Scenario: A stream with several sources resumes each at its latest sequence when an older sources state file is put back
    Given "c1" creates the stream:
      """
      {"name":"O1","subjects":["s1.>"],"storage":"file"}
      """
    And "c1" creates the stream:
      """
      {"name":"O2","subjects":["s2.>"],"storage":"file"}
      """
    And "c1" creates the stream:
      """
      {"name":"AGG","storage":"file","sources":[{"name":"O1","filter_subject":"s1.>"},{"name":"O2","filter_subject":"s2.>"}]}
      """
    When "c1" stores 5 messages on "s1.x"
    And "c1" stores 5 messages on "s2.x"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 10
    And the server is stopped
    And the store file "jetstream/$G/streams/AGG/sources.db" of the server is copied to "stale-sources.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 10
    And "c1" stores 5 messages on "s1.x"
    And "c1" stores 1 messages on "s2.x"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 16
    And the server is stopped
    And the store file "stale-sources.db" of the server is copied to "jetstream/$G/streams/AGG/sources.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 16
    And "c1" stores "end" on "s1.x"
    And "c1" stores "end" on "s2.x"
    And "c1" polls "$JS.API.STREAM.INFO.AGG" until the reply field "state.messages" is 18
    Then the reply field "state.last_seq" is 18
    When "c1" sends a "$JS.API.STREAM.MSG.GET.AGG" request with:
      """
      {"last_by_subj":"s1.x"}
      """
    Then the reply field "message.data" is "ZW5k"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.AGG" request with:
      """
      {"last_by_subj":"s2.x"}
      """
    Then the reply field "message.data" is "ZW5k"
    When "c1" sends a "$JS.API.STREAM.INFO.AGG" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.messages" is 18
    And the stream state counts 11 messages on subject "s1.x"
    And the stream state counts 7 messages on subject "s2.x"
