@needs-jetstream @process
Feature: File store removals, purges and tombstones across restarts
  Every way a client removes messages (deleting or erasing one, purging all, by subject
  or up to a sequence) must leave the same stream state after a clean restart and after
  a rebuild from the blocks alone (msgs/index.db removed). Removals that reach into
  older blocks are remembered by tombstones in the newest block, so they must survive
  the loss of the state file, the removal of emptied blocks and a stale state file.
  Streams with a small max_bytes get small (32 KB) blocks, so a few dozen 1000-byte
  messages span several blocks.

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

  @go:TestFileStoreRecoverAfterRemoveOperation
  Scenario Outline: The state after <operation> is the same after a restart and after a rebuild from the blocks
    When "c1" stores "m1" on "foo.0"
    And "c1" stores "m2" on "foo.1"
    And "c1" stores "m3" on "foo.0"
    And "c1" stores "m4" on "foo.1"
    And "c1" sends a "<api>" request with:
      """
      <body>
      """
    Then the reply has no field "error"
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is <messages>
    And the reply field "state.first_seq" is <first>
    And the reply field "state.last_seq" is 4
    And <deletes>
    And the value of the reply field "state" is saved as "before"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 4
    Then the reply field "state" equals the saved "before"
    When the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 4
    Then the reply field "state" equals the saved "before"
    When "c1" publishes "m5" to "foo.0" for an ack
    Then the reply field "seq" is 5

    @since-2.10
    Examples:
      | operation                     | api                         | body                      | messages | first | deletes                                        |
      | deleting the first message    | $JS.API.STREAM.MSG.DELETE.S | {"seq":1,"no_erase":true} | 3        | 2     | the reply has no field "state.num_deleted"     |
      | erasing the first message     | $JS.API.STREAM.MSG.DELETE.S | {"seq":1}                 | 3        | 2     | the reply has no field "state.num_deleted"     |
      | a full purge                  | $JS.API.STREAM.PURGE.S      | {}                        | 0        | 5     | the reply has no field "state.num_deleted"     |
      | a purge of the second subject | $JS.API.STREAM.PURGE.S      | {"filter":"foo.1"}        | 2        | 1     | the reply field "state.num_deleted" is 2       |

    @since-2.11
    Examples: purges the 2.10 store forgot without its state file
      | operation                     | api                         | body                      | messages | first | deletes                                        |
      | a purge of the first subject  | $JS.API.STREAM.PURGE.S      | {"filter":"foo.0"}        | 2        | 2     | the reply field "state.num_deleted" is 1       |
      | a purge up to sequence 3      | $JS.API.STREAM.PURGE.S      | {"seq":3}                 | 2        | 3     | the reply has no field "state.num_deleted"     |

  @go:TestFileStoreRecoverAfterCompact
  Scenario Outline: A purge up to the last message of <size>-byte messages is the same after a rebuild from the blocks
    When "c1" stores 4 messages of <size> bytes on "foo.big"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":4}
      """
    Then the reply field "purged" is 3
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 4
    And the value of the reply field "state" is saved as "before"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 4
    Then the reply field "state" equals the saved "before"
    When the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 4
    Then the reply field "state" equals the saved "before"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":4}
      """
    Then the reply field "message.subject" is "foo.big"

    @since-2.11
    Examples: small messages, removed with tombstones
      | size   |
      | 1000   |

    @since-2.10
    Examples: large messages, removed by rewriting the block
      | size   |
      | 900000 |

  @go:TestFileStoreCompactMsgCountBug @go:TestFileStoreCollapseDmap @since-2.10
  Scenario: A purge up to a sequence counts only the messages still there
    When "c1" stores 10 messages on "foo.a"
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
      {"seq":4}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":7,"no_erase":true}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":8,"no_erase":true}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":9,"no_erase":true}
      """
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":6}
      """
    Then the reply field "purged" is 2
    When "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 6
    And the reply field "state.deleted" is [7,8,9]
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 6
    And the reply field "state.last_seq" is 10
    And the reply field "state.num_deleted" is 3

  @go:TestFileStoreCollapseDmap @go:TestFileStoreSelectNextFirst @since-2.10
  Scenario: Closing the gaps at the front moves the first sequence past every deleted message
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":4}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":8}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.first_seq" is 1
    And the reply field "state.num_deleted" is 3
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.first_seq" is 3
    And the reply field "state.num_deleted" is 2
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.first_seq" is 5
    And the reply field "state.num_deleted" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":5}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":7}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":6}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.first_seq" is 9
    And the reply field "state.messages" is 2
    And the reply has no field "state.num_deleted"
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 9
    And the reply has no field "state.num_deleted"

  @go:TestFileStoreSelectNextFirst @go:TestFileStoreStateWithBlkFirstDeleted @since-2.11
  Scenario: Deletes across blocks move the first sequence to the next block and survive a rebuild
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 90 messages of 1000 bytes on "b.big"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":35}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":36}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":37}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply field "state.num_deleted" is 3
    And the reply field "state.first_seq" is 1
    When "c1" sends a "$JS.API.STREAM.PURGE.B" request with:
      """
      {"seq":35}
      """
    Then the reply field "purged" is 34
    When "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply field "state.first_seq" is 38
    And the reply field "state.messages" is 53
    And the reply has no field "state.num_deleted"
    When the server is stopped
    And the store file "jetstream/$G/streams/B/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.messages" is 53
    Then the reply field "state.first_seq" is 38
    And the reply field "state.last_seq" is 90
    And the reply has no field "state.num_deleted"

  @go:TestFileStoreCompactAllWithDanglingLMB @since-2.11
  Scenario: A purge up to a deleted last message empties the stream and keeps counting
    When "c1" stores 100 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":100}
      """
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":100}
      """
    Then the reply field "purged" is 99
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 101
    And the reply field "state.last_seq" is 100
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 101
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 101
    And the reply field "state.last_seq" is 101

  @go:TestFileStoreTombstonesNoFirstSeqRollback @since-2.10
  Scenario: A stream whose messages in several blocks were all deleted does not roll back its first sequence
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 20 messages of 5000 bytes on "b.big"
    Then the server has at least 3 store files matching "jetstream/$G/streams/B/msgs/*.blk"
    When "c1" deletes the sequences 1 to 20 of stream "B"
    And "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 21
    And the reply field "state.last_seq" is 20
    When the server is stopped
    And the store file "jetstream/$G/streams/B/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 20
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 21
    When "c1" publishes "next" to "b.x" for an ack
    Then the reply field "seq" is 21

  @go:TestFileStoreTombstonesSelectNextFirstCleanupOnRecovery @go:TestFileStoreTombstonesSelectNextFirstCleanup @since-2.10
  Scenario: Deleting the lone first message behind many tombstones survives a kill -9
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 50 messages of 1000 bytes on "b.big"
    And "c1" deletes the sequences 2 to 49 of stream "B"
    And "c1" stores 50 messages of 1000 bytes on "b.big"
    And "c1" deletes the sequences 50 to 100 of stream "B"
    And "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 100
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":1}
      """
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 100
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 101
    And the reply has no field "state.num_deleted"

  @go:TestFileStoreEraseMsgDoesNotLoseTombstones @go:TestFileStoreEraseMsgDoesNotLoseTombstonesInEmptyBlock @since-2.11
  Scenario: Erasing a message stored before a tombstone keeps the tombstone
    When "c1" stores "keep" on "foo.a"
    And "c1" stores "removed" on "foo.a"
    And "c1" stores "secret!" on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2,"no_erase":true}
      """
    And "c1" stores "after" on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state.deleted" is [2,3]
    And the value of the reply field "state" is saved as "before"
    When the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state" equals the saved "before"
    And no store file of the server contains "secret!"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":2}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":3}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestFileStoreEmptyBlockContainsPriorTombstones @go:TestFileStoreCompactTombstonesBelowFirstSeq @since-2.10
  Scenario: Tombstones for an older block survive a rebuild until the first sequence passes them
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 40 messages of 1000 bytes on "b.big"
    And "c1" stores "tail" on "b.tail"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":2}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":3}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":41}
      """
    And the server is stopped
    And the store file "jetstream/$G/streams/B/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 41
    Then the reply field "state.messages" is 38
    And the reply field "state.first_seq" is 1
    And the reply field "state.num_deleted" is 3
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":1}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.B" request
    Then the reply field "state.first_seq" is 4
    And the reply field "state.num_deleted" is 1
    When the server is stopped
    And the store file "jetstream/$G/streams/B/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.messages" is 37
    Then the reply field "state.first_seq" is 4
    And the reply field "state.last_seq" is 41
    And the reply field "state.num_deleted" is 1

  @go:TestJetStreamFileStoreSubjectsRemovedAfterSecureErase @since-2.10
  Scenario: Erasing a message removes its subject from the per-subject state
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["test.*"],"storage":"file"}
      """
    When "c1" stores "msg1" on "test.1"
    And "c1" stores "msg2" on "test.2"
    And "c1" stores "msg3" on "test.3"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.T" request with:
      """
      {"seq":1}
      """
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.STREAM.INFO.T" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.num_subjects" is 2
    And the reply field "state.subjects" has 2 entries
    And the stream state counts 1 messages on subject "test.2"
    And the stream state counts 1 messages on subject "test.3"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 2
    And "c1" sends a "$JS.API.STREAM.INFO.T" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.num_subjects" is 2
    And the reply field "state.subjects" has 2 entries
    And the stream state counts 1 messages on subject "test.3"
