@needs-jetstream @process
Feature: JetStream retention policies
  Limits, interest and work-queue retention: when messages are removed, and which
  consumers a work queue allows.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestJetStreamWorkQueueRetentionStream @go:TestJetStreamBasicWorkQueue
  Scenario: A work queue removes a message once it is acked
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"w","ack_policy":"explicit"}
      """
    When "c1" stores 3 messages on "wq"
    And "c1" pulls from consumer "w" of stream "WQ" with 2 as "f"
    Then "f" receives the payloads "1, 2" within 2s
    When "c1" acks all messages on "f"
    And "c1" polls "$JS.API.STREAM.INFO.WQ" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 3

  @go:TestJetStreamWorkQueueRetentionStream @since-2.11
  Scenario: A work queue requires explicit acks for pull consumers
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"workqueue"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.WQ.w" request with:
      """
      {"stream_name":"WQ","config":{"durable_name":"w","ack_policy":"none"}}
      """
    Then the reply is an error with code 400, err_code 10084 and description "consumer in pull mode requires explicit ack policy on workqueue stream"

  @go:TestJetStreamWorkQueueRetentionStream
  Scenario: A work queue allows only one unfiltered consumer
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq.*"],"storage":"memory","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.WQ.b" request with:
      """
      {"stream_name":"WQ","config":{"durable_name":"b","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10099 and description "multiple non-filtered consumers not allowed on workqueue stream"

  @go:TestJetStreamWorkQueueSubjectFiltering @go:TestJetStreamConsumerWorkQueuePolicyOverlap
  Scenario: Work queue consumers must have disjoint filters
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq.*"],"storage":"memory","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"a","ack_policy":"explicit","filter_subject":"wq.a"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"b","ack_policy":"explicit","filter_subject":"wq.b"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.WQ.c" request with:
      """
      {"stream_name":"WQ","config":{"durable_name":"c","ack_policy":"explicit","filter_subject":"wq.*"}}
      """
    Then the reply is an error with code 400, err_code 10100 and description "filtered consumer not unique on workqueue stream"

  @go:TestJetStreamWorkQueueRetentionStream
  Scenario: A work queue consumer must deliver all
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"workqueue"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.WQ.w" request with:
      """
      {"stream_name":"WQ","config":{"durable_name":"w","ack_policy":"explicit","deliver_policy":"last"}}
      """
    Then the reply is an error with code 400, err_code 10101 and description "consumer must be deliver all on workqueue stream"

  @go:TestJetStreamWorkQueueAckAndNext @go:TestJetStreamAckNext
  Scenario: An ack-next acks and asks for the next message in one go
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"w","ack_policy":"explicit"}
      """
    When "c1" stores 2 messages on "wq"
    And "c1" pulls from consumer "w" of stream "WQ" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When "c1" acks the last message on "f" with '+NXT'
    And "c1" polls "$JS.API.STREAM.INFO.WQ" until the reply field "state.messages" is 1

  @go:TestJetStreamInterestRetentionStream
  Scenario: An interest stream without consumers keeps nothing
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is"],"storage":"memory","retention":"interest"}
      """
    When "c1" publishes "x" to "is" for an ack
    Then the reply field "seq" is 1
    When "c1" sends a "$JS.API.STREAM.INFO.IS" request
    Then the reply field "state.messages" is 0
    And the reply field "state.last_seq" is 1

  @go:TestJetStreamInterestRetentionStream
  Scenario: An interest stream keeps messages until every consumer acks
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is"],"storage":"memory","retention":"interest"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"b","ack_policy":"explicit"}
      """
    When "c1" stores 1 messages on "is"
    And "c1" pulls from consumer "a" of stream "IS" with 1 as "fa"
    Then "fa" receives 1 messages within 2s
    When "c1" acks the last message on "fa" and waits for the confirmation
    And "c1" sends a "$JS.API.STREAM.INFO.IS" request
    Then the reply field "state.messages" is 1
    When "c1" pulls from consumer "b" of stream "IS" with 1 as "fb"
    Then "fb" receives 1 messages within 2s
    When "c1" acks the last message on "fb"
    And "c1" polls "$JS.API.STREAM.INFO.IS" until the reply field "state.messages" is 0

  @go:TestJetStreamInterestRetentionStreamWithFilteredConsumers
  Scenario: An interest stream drops messages no filtered consumer wants
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is.*"],"storage":"memory","retention":"interest"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"a","ack_policy":"explicit","filter_subject":"is.a"}
      """
    When "c1" stores 1 messages on "is.a"
    And "c1" stores 1 messages on "is.b"
    And "c1" sends a "$JS.API.STREAM.INFO.IS" request
    Then the reply field "state.messages" is 1

  @go:TestJetStreamInterestRetentionStream
  Scenario: Deleting the last consumer of an interest stream removes its messages
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is"],"storage":"memory","retention":"interest"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    When "c1" stores 3 messages on "is"
    And "c1" sends a "$JS.API.CONSUMER.DELETE.IS.a" request
    And "c1" polls "$JS.API.STREAM.INFO.IS" until the reply field "state.messages" is 0

  @go:TestJetStreamInterestRetentionStream
  Scenario: Interest consumers with ack none remove messages on delivery
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is"],"storage":"memory","retention":"interest"}
      """
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"a","deliver_subject":"d.out","ack_policy":"none"}
      """
    And "c1" stores 2 messages on "is"
    Then "push" receives 2 messages within 2s
    When "c1" polls "$JS.API.STREAM.INFO.IS" until the reply field "state.messages" is 0

  @go:TestJetStreamLimitsToInterestPolicy @go:TestJetStreamStreamRetentionUpdatesConsumers @since-2.10
  Scenario: A limits stream can be changed to interest retention
    Given "c1" creates the stream:
      """
      {"name":"L","subjects":["l"],"storage":"memory","retention":"limits"}
      """
    And "c1" creates the consumer on "L":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    When "c1" stores 3 messages on "l"
    And "c1" pulls from consumer "a" of stream "L" with 2 as "f"
    Then "f" receives 2 messages within 2s
    When "c1" acks all messages on "f"
    And "c1" polls "$JS.API.CONSUMER.INFO.L.a" until the reply field "ack_floor.stream_seq" is 2
    And "c1" sends a "$JS.API.STREAM.UPDATE.L" request with:
      """
      {"name":"L","subjects":["l"],"storage":"memory","retention":"interest"}
      """
    Then the reply field "config.retention" is "interest"
    When "c1" polls "$JS.API.STREAM.INFO.L" until the reply field "state.messages" is 1

  @go:TestJetStreamLimitsToInterestPolicy @since-2.10
  Scenario: A work queue cannot be changed to another retention
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"workqueue"}
      """
    When "c1" sends a "$JS.API.STREAM.UPDATE.WQ" request with:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"limits"}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not change retention policy to/from workqueue"

  @go:TestJetStreamAckAllWithLargeFirstSequenceAndNoAckFloorWithInterestPolicy
  Scenario: An interest stream with ack all removes everything up to the acked message
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is"],"storage":"memory","retention":"interest"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"a","ack_policy":"all"}
      """
    When "c1" stores 5 messages on "is"
    And "c1" pulls from consumer "a" of stream "IS" with 3 as "f"
    Then "f" receives the payloads "1, 2, 3" within 2s
    When "c1" acks the last message on "f"
    And "c1" polls "$JS.API.STREAM.INFO.IS" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 4

  @go:TestJetStreamWorkQueueWrapWaiting
  Scenario: Work queue messages are shared between waiting requests
    Given "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq"],"storage":"memory","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"w","ack_policy":"explicit"}
      """
    When "c1" pulls from consumer "w" of stream "WQ" with {"batch":1,"expires":5000000000} as "r1"
    And "c1" polls "$JS.API.CONSUMER.INFO.WQ.w" until the reply field "num_waiting" is 1
    And "c1" pulls from consumer "w" of stream "WQ" with {"batch":1,"expires":5000000000} as "r2"
    And "c1" stores 2 messages on "wq"
    Then "r1" receives the payloads "1" within 2s
    And "r2" receives the payloads "2" within 2s

  @go:TestJetStreamInterestStreamWithDuplicateMessages
  Scenario: A duplicate publish to an interest stream stores nothing new
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is"],"storage":"memory","retention":"interest"}
      """
    When "c1" publishes "x" to "is" for an ack with headers:
      | Nats-Msg-Id | m1 |
    Then the reply field "seq" is 1
    When "c1" publishes "x" to "is" for an ack with headers:
      | Nats-Msg-Id | m1 |
    Then the reply field "duplicate" is true
    When "c1" sends a "$JS.API.STREAM.INFO.IS" request
    Then the reply field "state.last_seq" is 1
    And the reply field "state.messages" is 0

  @go:TestJetStreamInterestRetentionWithWildcardsAndFilteredConsumers
  Scenario: Interest with wildcard filters keeps messages until each matching consumer acks
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is.>"],"storage":"memory","retention":"interest"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"all","ack_policy":"explicit","filter_subject":"is.>"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"a","ack_policy":"explicit","filter_subject":"is.a.*"}
      """
    When "c1" stores "1" on "is.a.x"
    And "c1" stores "2" on "is.b.x"
    And "c1" pulls from consumer "all" of stream "IS" with 2 as "f"
    Then "f" receives 2 messages within 2s
    When "c1" acks all messages on "f"
    And "c1" polls "$JS.API.STREAM.INFO.IS" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 1

  @go:TestJetStreamInterestStreamConsumerFilterEdit @since-2.10
  Scenario: Narrowing an interest consumer's filter releases the messages it no longer wants
    Given "c1" creates the stream:
      """
      {"name":"IS","subjects":["is.*"],"storage":"memory","retention":"interest"}
      """
    And "c1" creates the consumer on "IS":
      """
      {"durable_name":"c","ack_policy":"explicit","filter_subject":"is.*"}
      """
    When "c1" stores "a" on "is.a"
    And "c1" stores "b" on "is.b"
    And "c1" sends a "$JS.API.CONSUMER.CREATE.IS.c" request with:
      """
      {"stream_name":"IS","config":{"durable_name":"c","ack_policy":"explicit","filter_subject":"is.a"}}
      """
    Then the reply has no field "error"
    When "c1" polls "$JS.API.STREAM.INFO.IS" until the reply field "state.messages" is 1
