@needs-jetstream @process
Feature: File store skipped sequences across restarts
  A stream can use up sequences without storing a message: an interest stream skips a
  message nobody is interested in, and a mirror skips the sequences its origin no
  longer has. The store records these skips, so the first and last sequences, the
  interior gaps and the next sequence are the same after a restart, a kill -9 and a
  rebuild from the blocks (msgs/index.db removed).

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestFileStoreSkipMsg @go:TestFileStoreReloadAndLoseLastSequenceWithSkipMsgs @go:TestFileStoreLeftoverSkipMsgInDmap @since-2.10
  Scenario: Sequences an interest stream skipped without interest survive restarts and a rebuild
    Given "c1" creates the stream:
      """
      {"name":"I","subjects":["i.>"],"storage":"file","retention":"interest"}
      """
    When "c1" stores 10 messages on "i.a"
    Then the reply field "seq" is 10
    When "c1" sends a "$JS.API.STREAM.INFO.I" request
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 11
    And the reply field "state.last_seq" is 10
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.I" until the reply field "state.last_seq" is 10
    Then the reply field "state.first_seq" is 11
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.I" until the reply field "state.last_seq" is 10
    Then the reply field "state.first_seq" is 11
    When the server is stopped
    And the store file "jetstream/$G/streams/I/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.I" until the reply field "state.last_seq" is 10
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 11
    And the reply has no field "state.num_deleted"
    When "c1" publishes "next" to "i.a" for an ack
    Then the reply field "seq" is 11

  @go:TestFileStoreSkipMsg @go:TestFileStoreDetectDeleteGapWithLastSkipMsg @since-2.10
  Scenario: Skipped sequences between stored messages are gaps that survive a kill -9 and a rebuild
    Given "c1" creates the stream:
      """
      {"name":"I","subjects":["i.>"],"storage":"file","retention":"interest"}
      """
    And "c1" creates the consumer on "I":
      """
      {"durable_name":"A","ack_policy":"explicit","filter_subject":"i.a"}
      """
    When "c1" stores "a1" on "i.a"
    And "c1" stores "b2" on "i.b"
    And "c1" stores "b3" on "i.b"
    And "c1" stores "a4" on "i.a"
    And "c1" stores "b5" on "i.b"
    Then the reply field "seq" is 5
    When "c1" sends a "$JS.API.STREAM.INFO.I" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 5
    And the reply field "state.deleted" is [2,3,5]
    And the value of the reply field "state" is saved as "before"
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.I" until the reply field "state.last_seq" is 5
    Then the reply field "state.messages" is 2
    And the reply field "state.num_deleted" is 3
    When the server is stopped
    And the store file "jetstream/$G/streams/I/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.I" until the reply field "state.last_seq" is 5
    And "c1" sends a "$JS.API.STREAM.INFO.I" request with:
      """
      {"deleted_details":true}
      """
    Then the reply field "state" equals the saved "before"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.I" request with:
      """
      {"seq":4}
      """
    Then the reply field "message.data" is "YTQ="
    When "c1" pulls from consumer "A" of stream "I" with 2 as "p"
    Then "p" receives the payloads "a1, a4" within 2s
    When "c1" publishes "a6" to "i.a" for an ack
    Then the reply field "seq" is 6

  @go:TestFileStoreSkipMsgs @go:TestFileStoreDetectDeleteGapWithLastSkipMsg @go:TestFileStoreSkipMsgAndNumBlocks @since-2.10
  Scenario: A mirror skips the sequences its origin lost and keeps the gap across restarts
    Given "c1" creates the stream:
      """
      {"name":"O","subjects":["o.>"],"storage":"file"}
      """
    When "c1" stores "first" on "o.keep"
    And "c1" stores 100 messages on "o.drop"
    And "c1" sends a "$JS.API.STREAM.PURGE.O" request with:
      """
      {"filter":"o.drop"}
      """
    Then the reply field "purged" is 100
    When "c1" stores "last" on "o.keep"
    Then the reply field "seq" is 102
    Given "c1" creates the stream:
      """
      {"name":"M","storage":"file","mirror":{"name":"O"}}
      """
    When "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 102
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 1
    And the reply field "state.num_deleted" is 100
    And the value of the reply field "state" is saved as "before"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 102
    Then the reply field "state" equals the saved "before"
    When the server is stopped
    And the store file "jetstream/$G/streams/M/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 102
    Then the reply field "state" equals the saved "before"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.M" request with:
      """
      {"seq":102}
      """
    Then the reply field "message.data" is "bGFzdA=="
    When "c1" sends a "$JS.API.STREAM.MSG.GET.M" request with:
      """
      {"seq":50}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" stores "more" on "o.keep"
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 103
    Then the reply field "state.messages" is 3

  @go:TestFileStoreSkipMsgs @go:TestFileStoreDetectDeleteGapWithOnlySkipMsg
  Scenario: A new mirror of an origin that starts at a high sequence starts there too and keeps it
    Given "c1" creates the stream:
      """
      {"name":"O","subjects":["o.>"],"storage":"file"}
      """
    When "c1" stores 50 messages on "o.drop"
    And "c1" sends a "$JS.API.STREAM.PURGE.O" request
    Then the reply field "purged" is 50
    When "c1" stores "kept" on "o.keep"
    Then the reply field "seq" is 51
    Given "c1" creates the stream:
      """
      {"name":"M","storage":"file","mirror":{"name":"O"}}
      """
    When "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 51
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 51
    And the reply has no field "state.num_deleted"
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 51
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 51
    And the reply has no field "state.num_deleted"
