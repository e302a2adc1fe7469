@needs-jetstream @process
Feature: File store block compression
  A stream's `compression` ("s2" or "none") applies to its message blocks once they are
  sealed; it is part of the stream config, survives restarts and can be changed by a
  stream update. Content and state are the same as without compression.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestFileStoreBasics @go:TestFileStoreAndRetrieveMultiBlock @since-2.10
  Scenario: An s2 stream keeps its compression and content across a restart
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"s2"}
      """
    Then the reply field "config.compression" is "s2"
    When "c1" stores 5 messages on "foo.a"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 5
    Then the reply field "config.compression" is "s2"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":4}
      """
    Then the reply field "message.data" is "NA=="

  @go:TestFileStoreAndRetrieveMultiBlock @go:TestFileStoreCompressionAfterTruncate @since-2.10
  Scenario: Sealed s2 blocks take less space on disk than the messages they hold
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"s2"}
      """
    When "c1" stores 100 messages of 1000 bytes on "foo.big"
    And the server is stopped
    Then the server has at least 3 store files matching "jetstream/$G/streams/S/msgs/*.blk"
    And the store files "jetstream/$G/streams/S/msgs/*.blk" of the server total at most 60000 bytes

  @go:TestFileStoreAndRetrieveMultiBlock
  Scenario: Uncompressed blocks hold the messages as they are
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"none"}
      """
    When "c1" stores 100 messages of 1000 bytes on "foo.big"
    And the server is stopped
    Then the server has at least 3 store files matching "jetstream/$G/streams/S/msgs/*.blk"
    And the store files "jetstream/$G/streams/S/msgs/*.blk" of the server total at least 100000 bytes

  @go:TestFileStoreCompressionAfterTruncate @since-2.10
  Scenario: Compression can be turned on for a stream that has messages
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 40 messages of 1000 bytes on "foo.big"
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"s2"}
      """
    Then the reply field "config.compression" is "s2"
    When "c1" stores 40 messages of 1000 bytes on "foo.big"
    And "c1" stores 2 messages on "foo.small"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 82
    Then the reply field "config.compression" is "s2"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":82}
      """
    Then the reply field "message.data" is "Mg=="

  @go:TestFileStoreCompressionAfterTruncate @since-2.10
  Scenario: Compression can be turned off again
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"s2"}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"none"}
      """
    Then the reply field "config.compression" is "none"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    Then the reply field "config.compression" is "none"

  @go:TestFileStoreCompactHeadReclaimRecompressedBlock @go:TestFileStoreCompact
  Scenario: Purging into the middle of compressed blocks keeps the rest readable after a restart
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"s2"}
      """
    When "c1" stores 50 messages of 1000 bytes on "foo.big"
    And "c1" stores 5 messages on "foo.small"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":40}
      """
    Then the reply field "purged" is 39
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 16
    Then the reply field "state.first_seq" is 40
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":40}
      """
    Then the reply field "message.subject" is "foo.big"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":55}
      """
    Then the reply field "message.data" is "NQ=="

  @go:TestFileStoreCompressionAfterTruncate @go:TestFileStoreEraseMsg @since-2.11
  Scenario: Deleting from a compressed sealed block survives a rebuild from the blocks
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"s2"}
      """
    When "c1" stores 60 messages of 1000 bytes on "foo.big"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":4,"no_erase":true}
      """
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 58
    Then the reply field "state.num_deleted" is 2
    And the reply field "state.first_seq" is 1

  @go:TestJetStreamInvalidConfigValues @since-2.11
  Scenario: An unknown compression is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"zip"}
      """
    Then the reply is an error with code 400, err_code 10025 and description "invalid JSON: unknown compression algorithm"

  @go:TestJetStreamInvalidConfigValues @since-2.10
  Scenario: A memory stream takes s2 compression in its config
    When "c1" sends a "$JS.API.STREAM.CREATE.M" request with:
      """
      {"name":"M","subjects":["mem.>"],"storage":"memory","compression":"s2"}
      """
    Then the reply has no field "error"
    And the reply field "config.compression" is "s2"

  @go:TestFileStoreAndRetrieveMultiBlock @since-2.10
  Scenario: Messages in sealed s2 blocks are readable without a restart
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"s2"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"none"}
      """
    When "c1" stores 100 messages of 1000 bytes on "foo.big"
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":10}
      """
    Then the reply field "message.subject" is "foo.big"
    When "c1" pulls from consumer "D" of stream "S" with 100 as "p"
    Then "p" receives 100 messages within 5s
