@needs-jetstream @process
Feature: File store recovery from missing, stale and damaged store files
  The stream state file (msgs/index.db) is a cache: without it, or when it is stale or
  corrupt, the server rebuilds the state from the message blocks. A torn or bit-flipped
  record at the end of the last block (what a crash mid-write leaves) is dropped and
  the rest recovered. Stray files next to the blocks are ignored.

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

  @go:TestFileStoreIndexDBExistsAfterShutdown @since-2.10
  Scenario: A clean shutdown writes the stream state file
    When "c1" stores 3 messages on "foo.a"
    And the server is stopped
    Then the server has 1 store file matching "jetstream/$G/streams/S/msgs/index.db"
    And the server has 1 store file matching "jetstream/$G/streams/S/msgs/1.blk"

  @go:TestFileStoreFullStateBasics @go:TestFileStoreRecoverWithRemovesAndNoIndexDB @since-2.10
  Scenario: Without the stream state file the state is rebuilt from the blocks
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":4}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    And the value of the reply field "state" is saved as "before"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 9
    Then the reply field "state" equals the saved "before"
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 10
    And the reply field "state.num_deleted" is 1
    And the server has 1 store file matching "jetstream/$G/streams/S/msgs/1.blk"

  @go:TestFileStoreEraseAndNoIndexRecovery @go:TestFileStoreEraseMsg @since-2.10
  Scenario: Erased messages stay erased when the state is rebuilt from the blocks
    When "c1" stores "keep-1" on "foo.a"
    And "c1" stores "erase-me" on "foo.a"
    And "c1" stores "keep-3" on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    Then the reply field "success" is true
    When the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.num_deleted" is 1
    And no store file of the server contains "erase-me"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":2}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreEraseMsg
  Scenario: A message deleted without erase stays unreadable after a restart
    When "c1" stores "soft-deleted" on "foo.a"
    And "c1" stores "other" on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1,"no_erase":true}
      """
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 2
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":1}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreRecoverFullStateDetectCorruptState @go:TestFileStoreCorruptPSIMOnDisk @since-2.10
  Scenario: A corrupt stream state file is detected and the state rebuilt
    When "c1" stores 10 messages on "foo.a"
    And "c1" stores 5 messages on "foo.b"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is corrupted at offset 2 for 4 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 15
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 15
    And the reply field "state.num_subjects" is 2
    And the server log contains "Filestore [S] Stream state checksum did not match" within 2s
    And the server log contains "Recovering stream state from index errored: corrupt state file" within 2s

  @go:TestFileStoreShortIndexWriteBug @go:TestFileStoreInvalidIndexesRebuilt @since-2.10
  Scenario: A truncated stream state file is detected and the state rebuilt
    When "c1" stores 10 messages on "foo.a"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is truncated to 5 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 10
    Then the reply field "state.last_seq" is 10
    And the server log contains "Filestore [S] Stream state too short (5 bytes)" within 2s

  @go:TestFileStoreRestoreIndexWithMatchButLeftOverBlocks @go:TestFileStoreFullStateMultiBlockPastWAL @since-2.10
  Scenario: A stale stream state file is noticed and the newer messages recovered
    When "c1" stores 3 messages on "foo.a"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is copied to "stale-index.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    When "c1" stores 4 messages on "foo.b"
    And the server is stopped
    And the store file "stale-index.db" of the server is copied to "jetstream/$G/streams/S/msgs/index.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 7
    Then the reply field "state.last_seq" is 7
    And the server log contains "Stream state outdated, last block has additional entries, will rebuild" within 2s

  @go:TestFileStoreRecoverOnlyBlkFiles @since-2.11
  Scenario: Stray files next to the blocks are ignored on recovery
    When "c1" stores 1 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    And the value of the reply field "state" is saved as "before"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/10.blk.random" of the server is written with ""
    And the store file "jetstream/$G/streams/S/msgs/10.blk.tmp" of the server is written with ""
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 1
    When the server is stopped
    Then the server has 1 store file matching "jetstream/$G/streams/S/msgs/index.db"
    When the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "state" equals the saved "before"

  @go:TestFileStoreBitRot @go:TestFileStoreErrPartialLoad
  Scenario: A torn last record after a kill -9 is dropped and the rest recovered
    When "c1" stores 20 messages on "foo.a"
    And the server is killed
    And the last store file "jetstream/$G/streams/S/msgs/*.blk" of the server loses its last 3 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 19
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 19
    When "c1" publishes "again" to "foo.a" for an ack
    Then the reply field "seq" is 20

  @go:TestFileStoreBitRot @since-2.10
  Scenario: A bit-flipped last record fails its checksum and is dropped
    When "c1" stores 20 messages on "foo.a"
    And the server is killed
    And the last store file "jetstream/$G/streams/S/msgs/*.blk" of the server is corrupted 12 bytes before its end for 2 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 19
    Then the reply field "state.last_seq" is 19
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":19}
      """
    Then the reply field "message.data" is "MTk="

  @go:TestFileStoreBitRot @go:TestFileStoreMsgBlkFailOnKernelFaultLostDataReporting
  Scenario: A bit-flipped record behind a clean state file is counted but cannot be read
    When "c1" stores 20 messages on "foo.a"
    And the server is stopped
    And the last store file "jetstream/$G/streams/S/msgs/*.blk" of the server is corrupted 12 bytes before its end for 2 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 20
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":20}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":19}
      """
    Then the reply field "message.data" is "MTk="

  @go:TestFileStoreRecoverWithEmptyMessageBlock
  Scenario: An emptied last block after a kill -9 leaves an empty stream that keeps working
    When "c1" stores 5 messages on "foo.a"
    And the server is killed
    And the store file "jetstream/$G/streams/S/msgs/1.blk" of the server is truncated to 0 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 0
    When "c1" publishes "fresh" to "foo.a" for an ack
    Then the reply has no field "error"

  @go:TestFileStoreRemoveMsgBlockFirst @since-2.10
  Scenario: Without blocks and without the state file the stream starts out empty
    When "c1" stores 1 messages on "foo.a"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the store file "jetstream/$G/streams/S/msgs/1.blk" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 0
    Then the reply field "state.first_seq" is 0
    And the reply field "state.last_seq" is 0
    When "c1" publishes "fresh" to "foo.a" for an ack
    Then the reply field "seq" is 1

  @go:TestFileStoreRecoverDoesNotResetStreamState @go:TestFileStoreRemoveMsgBlockLast @since-2.11
  Scenario: Without blocks the stream state file still keeps the sequences
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request
    And the server is stopped
    And every store file "jetstream/$G/streams/S/msgs/*.blk" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 5
    Then the reply field "state.messages" is 0
    When "c1" publishes "fresh" to "foo.a" for an ack
    Then the reply field "seq" is 6
    And the server log contains "Stream state detected prior state, could not locate msg block" within 2s

  @go:TestFileStoreMeta
  Scenario: A stream whose metadata checksum does not match is not loaded
    When "c1" stores 2 messages on "foo.a"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/meta.inf" of the server is corrupted at offset 10 for 2 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.NAMES" until the reply field "total" is 0
    Then the server log contains "checksums do not match" within 2s

  @go:TestFileStoreBadConsumerState
  Scenario: A consumer whose state file is gone starts over from the stream
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit"}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 3 as "p"
    Then "p" receives the payloads "1, 2, 3" within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 3
    And the server is stopped
    And the store file "jetstream/$G/streams/S/obs/D/o.dat" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "num_pending" is 3
    Then the reply field "ack_floor.stream_seq" is 0

  @go:TestFileStoreBadConsumerState @go:TestFileStoreMeta
  Scenario: A consumer whose metadata is unreadable is not loaded
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit"}
      """
    When "c1" stores 2 messages on "foo.a"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/obs/D/meta.inf" of the server is corrupted at offset 10 for 2 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.D" request
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"
    And the server log contains "Error unmarshalling consumer metafile" within 2s

  @go:TestFileStoreErrPartialLoad @go:TestFileStoreCorruptedNonOrderedSequences
  Scenario: A sealed block cut short after a kill -9 loses only its tail
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 60 messages of 1000 bytes on "b.big"
    And the server is killed
    Then the server has at least 2 store files matching "jetstream/$G/streams/B/msgs/*.blk"
    When the store file "jetstream/$G/streams/B/msgs/1.blk" of the server is truncated to 10000 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 60
    Then the reply field "state.first_seq" is 1
    And the reply number "state.num_deleted" is at least 15
    And the reply number "state.messages" is at least 30
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":5}
      """
    Then the reply field "message.subject" is "b.big"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":20}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":60}
      """
    Then the reply field "message.subject" is "b.big"

  @go:TestFileStoreErrPartialLoad @go:TestFileStoreRebuildStateDmapAccountingBug @since-2.12
  Scenario: A sealed block cut short behind a clean state file is detected on start
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 60 messages of 1000 bytes on "b.big"
    And the server is stopped
    And the store file "jetstream/$G/streams/B/msgs/1.blk" of the server is truncated to 10000 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 60
    Then the reply number "state.num_deleted" is at least 15
    And the server log contains "indexCacheBuf corrupt record state" within 2s
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":20}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" publishes "next" to "b.x" for an ack
    Then the reply field "seq" is 61

  @go:TestFileStoreBitRot @go:TestFileStoreCorruptedNonOrderedSequences @since-2.10
  Scenario: A bit flip inside a sealed block drops the records from there to the block's end
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 60 messages of 1000 bytes on "b.big"
    And the server is killed
    And the store file "jetstream/$G/streams/B/msgs/1.blk" of the server is corrupted at offset 5000 for 4 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 60
    Then the reply number "state.num_deleted" is at least 15
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":2}
      """
    Then the reply field "message.subject" is "b.big"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":10}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":59}
      """
    Then the reply field "message.subject" is "b.big"

  @go:TestFileStorePurgeExNoTombsOnBlockRemoval @since-2.11
  Scenario: A purge that removed whole blocks is kept when an older state file is put back
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 100 messages of 1000 bytes on "b.one"
    And "c1" stores "two" on "b.two"
    And the server is stopped
    Then the server has at least 3 store files matching "jetstream/$G/streams/B/msgs/*.blk"
    When the store file "jetstream/$G/streams/B/msgs/index.db" of the server is copied to "stale-index.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.messages" is 101
    And "c1" sends a "$JS.API.STREAM.PURGE.B" request with:
      """
      {"filter":"b.one"}
      """
    Then the reply field "purged" is 100
    When "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 101
    When the server is stopped
    And the store file "stale-index.db" of the server is copied to "jetstream/$G/streams/B/msgs/index.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 101
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 101
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":50}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreFullStateTestUserRemoveWAL @go:TestFileStoreFullStateMidBlockPastWAL @since-2.10
  Scenario: Deletes made after the state file was written are kept when that older state file is put back
    When "c1" stores "a1" on "foo.a"
    And "c1" stores "z2" on "foo.z"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1,"no_erase":true}
      """
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is copied to "stale-index.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 2
    When "c1" stores "a3" on "foo.a"
    And "c1" stores "z4" on "foo.z"
    And "c1" stores "a5" on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2,"no_erase":true}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":4,"no_erase":true}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 3
    And the reply field "state.deleted" is [4]
    When the server is stopped
    And the store file "stale-index.db" of the server is copied to "jetstream/$G/streams/S/msgs/index.db"
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 5
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 3
    And the reply field "state.deleted" is [4]
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":2}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.z"}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreTrailingSkipMsgsFromStreamStateFile @since-2.10
  Scenario: Messages cut off the last block behind a clean state file are gone but the last sequence is kept
    When "c1" stores 10 messages of 1000 bytes on "foo.a"
    And the server is stopped
    And the last store file "jetstream/$G/streams/S/msgs/*.blk" of the server loses its last 4500 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 5
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 10
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":5}
      """
    Then the reply field "message.subject" is "foo.a"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":6}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 11

  @go:TestFileStoreRemoveBlockWithStaleStreamState @go:TestFileStoreTruncateRemovedBlock @since-2.11
  Scenario: A middle block removed behind a clean state file loses only its own messages
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 90 messages of 1000 bytes on "b.big"
    And the server is stopped
    Then the server has at least 3 store files matching "jetstream/$G/streams/B/msgs/*.blk"
    When the store file "jetstream/$G/streams/B/msgs/2.blk" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 90
    Then the reply field "state.first_seq" is 1
    And the reply number "state.num_deleted" is at least 20
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.subject" is "b.big"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":45}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":90}
      """
    Then the reply field "message.subject" is "b.big"
    When "c1" publishes "next" to "b.x" for an ack
    Then the reply field "seq" is 91
