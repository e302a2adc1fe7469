@needs-jetstream @process
Feature: JetStream purge and message delete
  Purging whole streams, by subject filter, up to a sequence or keeping the newest
  messages; deleting and erasing single messages; sealed streams and the deny-delete
  and deny-purge settings.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file"}
      """

  @go:TestJetStreamStreamPurge
  Scenario: Purging a stream removes every message and keeps the sequence
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request
    Then the reply field "success" is true
    And the reply field "purged" is 10
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_purge_response"
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 0
    And the reply field "state.first_seq" is 11
    And the reply field "state.last_seq" is 10
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 11

  @go:TestJetStreamStreamPurge
  Scenario: Purging an unknown stream is a not-found error
    When "c1" sends a "$JS.API.STREAM.PURGE.NOPE" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamPurgeExAndAccounting @go:TestJetStreamPurgeAndFilteredConsumers
  Scenario: Purging with a subject filter removes only that subject
    When "c1" stores 3 messages on "foo.a"
    And "c1" stores 2 messages on "foo.b"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a"}
      """
    Then the reply field "purged" is 3
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 2
    And the reply field "state.first_seq" is 4

  @go:TestJetStreamPurgeExSeqSimple
  Scenario: Purging up to a sequence removes the messages before it
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":6}
      """
    Then the reply field "purged" is 5
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 5
    And the reply field "state.first_seq" is 6

  @go:TestJetStreamPurgeExAndAccounting
  Scenario: Purging while keeping the newest messages
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"keep":3}
      """
    Then the reply field "purged" is 7
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 3
    And the reply field "state.first_seq" is 8

  @go:TestJetStreamMessagePerSubjectKeepBug
  Scenario: Purging a subject while keeping one message per subject
    When "c1" stores 5 messages on "foo.a"
    And "c1" stores 5 messages on "foo.b"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a","keep":1}
      """
    Then the reply field "purged" is 4
    When "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.subjects" is {"foo.a":1,"foo.b":5}

  @go:TestJetStreamPurgeExAndAccounting
  Scenario: A purge request cannot combine a sequence and keep
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":3,"keep":1}
      """
    Then the reply is an error with code 400, err_code 10003 and description "bad request"

  @go:TestJetStreamPurgeExSeqInInteriorDeleteGap @since-2.10
  Scenario: Purging up to a sequence inside a gap of deleted messages
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":4}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":5}
      """
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":5}
      """
    Then the reply field "purged" is 3
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.first_seq" is 6
    And the reply field "state.messages" is 5

  @go:TestJetStreamDeleteMsg
  Scenario: Deleting a message leaves a gap in the stream
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    Then the reply field "success" is true
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_msg_delete_response"
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 4
    And the reply field "state.num_deleted" is 1
    And the reply field "state.first_seq" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":2}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestJetStreamDeleteMsg
  Scenario: Deleting the first message moves the first sequence
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1}
      """
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.first_seq" is 2
    And the reply field "state.messages" is 4

  @go:TestJetStreamDeleteMsg
  Scenario: Deleting a message that does not exist is an error
    When "c1" stores 2 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":9}
      """
    Then the reply is an error with code 500, err_code 10057 and description "stream store EOF"

  @go:TestJetStreamDeleteMsg
  Scenario: Erasing a message removes it like a delete
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2,"no_erase":false}
      """
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 2

  @go:TestJetStreamDeleteMsg
  Scenario: Deleted messages stay deleted after a restart
    When "c1" stores 5 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3,"no_erase":true}
      """
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 4
    Then the reply field "state.num_deleted" is 1

  @go:TestJetStreamRecoverSealedAfterServerRestart
  Scenario: A sealed stream refuses new messages, deletes and purges
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file","sealed":true}
      """
    Then the reply field "config.sealed" is true
    And the reply field "config.deny_delete" is true
    And the reply field "config.deny_purge" is true
    When "c1" publishes "x" to "foo.a" for an ack
    Then the reply is an error with code 400, err_code 10109 and description "invalid operation on sealed stream"
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1}
      """
    Then the reply field "error.err_code" is 10109
    When "c1" sends a "$JS.API.STREAM.PURGE.S" request
    Then the reply field "error.err_code" is 10109

  @go:TestJetStreamRecoverSealedAfterServerRestart
  Scenario: A sealed stream stays sealed after a restart
    When "c1" stores 3 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file","sealed":true}
      """
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    Then the reply field "config.sealed" is true

  @go:TestJetStreamRecoverSealedAfterServerRestart
  Scenario: A stream cannot be created sealed
    When "c1" sends a "$JS.API.STREAM.CREATE.X" request with:
      """
      {"name":"X","subjects":["x"],"storage":"memory","sealed":true}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration for create can not be sealed"

  @go:TestJetStreamRecoverSealedAfterServerRestart
  Scenario: A sealed stream cannot be unsealed
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file","sealed":true}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file","sealed":false}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not unseal a sealed stream"

  @go:TestJetStreamDeleteMsg
  Scenario: Deny delete refuses message deletes but allows purges
    When "c1" creates the stream:
      """
      {"name":"D","subjects":["d"],"storage":"memory","deny_delete":true}
      """
    And "c1" stores 3 messages on "d"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.D" request with:
      """
      {"seq":1}
      """
    Then the reply is an error with code 500, err_code 10057 and description "message delete not permitted"
    When "c1" sends a "$JS.API.STREAM.PURGE.D" request
    Then the reply field "purged" is 3

  @go:TestJetStreamStreamPurge
  Scenario: Deny purge refuses purges but allows message deletes
    When "c1" creates the stream:
      """
      {"name":"P","subjects":["p"],"storage":"memory","deny_purge":true}
      """
    And "c1" stores 3 messages on "p"
    And "c1" sends a "$JS.API.STREAM.PURGE.P" request
    Then the reply is an error with code 500, err_code 10110 and description "stream purge not permitted"
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.P" request with:
      """
      {"seq":1}
      """
    Then the reply field "success" is true

  @go:TestJetStreamStreamPurgeWithConsumer
  Scenario: Purging moves a durable consumer past the purged messages
    When "c1" stores 10 messages on "foo.a"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit"}
      """
    Then the reply field "num_pending" is 10
    When "c1" sends a "$JS.API.STREAM.PURGE.S" request
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.dlc" request
    Then the reply field "num_pending" is 0
    And the reply field "delivered.stream_seq" is 10
    When "c1" stores "after" on "foo.a"
    And "c1" pulls from consumer "dlc" of stream "S" with 1 as "f1"
    Then "f1" receives "after" on "foo.a" within 2s

  @go:TestJetStreamPurgeEffectsConsumerDelivery @since-2.10
  Scenario: A filtered purge leaves the consumer's other subjects pending
    When "c1" stores 2 messages on "foo.a"
    And "c1" stores 2 messages on "foo.b"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit"}
      """
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a"}
      """
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.dlc" request
    Then the reply field "num_pending" is 2

  @go:TestJetStreamStreamPurgeWithConsumerAndRedelivery @go:TestJetStreamPurgeWithRedeliveredPending
  Scenario: Purging clears a consumer's pending redeliveries
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":300000000}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 3 as "f"
    Then "f" receives 3 messages within 2s
    When "c1" sends a "$JS.API.STREAM.PURGE.S" request
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_ack_pending" is 0
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":1000000000} as "g"
    Then "g" receives a status 408 within 3s

  @go:TestJetStreamPartialPurgeWithAckPending @go:TestJetStreamSubjectFilteredPurgeClearsPendingAcks @since-2.10
  Scenario: A filtered purge clears only the pending acks of that subject
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" stores 2 messages on "foo.b"
    And "c1" pulls from consumer "d" of stream "S" with 4 as "f"
    Then "f" receives 4 messages within 2s
    When "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a"}
      """
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_ack_pending" is 2

  @go:TestJetStreamMemoryPurgeClearsSubjectsState
  Scenario: Purging a memory stream clears its subjects
    When "c1" creates the stream:
      """
      {"name":"M","subjects":["m.*"],"storage":"memory"}
      """
    And "c1" stores 2 messages on "m.a"
    And "c1" sends a "$JS.API.STREAM.PURGE.M" request
    And "c1" sends a "$JS.API.STREAM.INFO.M" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply has no field "state.num_subjects"
    And the reply has no field "state.subjects"
    And the reply field "state.messages" is 0
