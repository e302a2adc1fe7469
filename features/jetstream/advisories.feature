@needs-jetstream @process
Feature: JetStream advisories
  Messages the server publishes on $JS.EVENT.ADVISORY.> and $JS.EVENT.METRIC.> when
  streams and consumers change, API calls are made and messages are terminated.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And a client "watcher"

  @go:TestJetStreamAccountImportJSAdvisoriesAsStream
  Scenario: Creating a stream publishes a stream created advisory
    When "watcher" subscribes to "$JS.EVENT.ADVISORY.STREAM.>" as "adv"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.STREAM.CREATED.S" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.stream_action"
    And the reply field "stream" is "S"
    And the reply field "action" is "create"
    And the reply matches golden "stream-created-advisory" ignoring "timestamp"

  @go:TestJetStreamAccountImportJSAdvisoriesAsStream
  Scenario: Updating and deleting a stream publish advisories
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "watcher" subscribes to "$JS.EVENT.ADVISORY.STREAM.>" as "adv"
    And "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo","bar"],"storage":"memory"}
      """
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.STREAM.UPDATED.S" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "action" is "modify"
    When "c1" sends a "$JS.API.STREAM.DELETE.S" request
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.STREAM.DELETED.S" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "action" is "delete"

  @go:TestJetStreamAccountImportJSAdvisoriesAsStream
  Scenario: Creating and deleting a consumer publish advisories
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "watcher" subscribes to "$JS.EVENT.ADVISORY.CONSUMER.>" as "adv"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.d" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.consumer_action"
    And the reply field "stream" is "S"
    And the reply field "consumer" is "d"
    And the reply field "action" is "create"
    When "c1" sends a "$JS.API.CONSUMER.DELETE.S.d" request
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.d" within 2s

  @go:TestJetStreamAccountImportJSAdvisoriesAsService @go:TestJetStreamAuditStreams
  Scenario: Every API call is audited
    When "watcher" subscribes to "$JS.EVENT.ADVISORY.API" as "audit"
    And "c1" sends a "$JS.API.STREAM.INFO.NOPE" request
    Then "audit" receives a message on "$JS.EVENT.ADVISORY.API" within 2s
    When the last message on "audit" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.api_audit"
    And the reply field "subject" is "$JS.API.STREAM.INFO.NOPE"
    And the reply field "response" has text containing "stream not found"

  @go:TestJetStreamWorkQueueTerminateDelivery
  Scenario: Terminating a message publishes a terminated advisory
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    And "watcher" subscribes to "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.d" as "adv"
    And "c1" stores "x" on "foo"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    When "c1" acks the last message on "f" with '+TERM'
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.d" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.terminated"
    And the reply field "stream_seq" is 1
    And the reply field "deliveries" is 1

  @go:TestJetStreamConsumerAckSampling
  Scenario: A consumer with ack sampling publishes ack metrics
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","sample_freq":"100%"}
      """
    And "watcher" subscribes to "$JS.EVENT.METRIC.CONSUMER.ACK.S.d" as "metric"
    And "c1" stores "x" on "foo"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    When "c1" acks the last message on "f"
    Then "metric" receives a message on "$JS.EVENT.METRIC.CONSUMER.ACK.S.d" within 2s
    When the last message on "metric" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.metric.v1.consumer_ack"
    And the reply field "stream_seq" is 1
    And the reply field "deliveries" is 1

  @go:TestJetStreamConsumerAckSampling
  Scenario: A consumer without ack sampling publishes no ack metrics
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    And "watcher" subscribes to "$JS.EVENT.METRIC.CONSUMER.ACK.S.d" as "metric"
    And "c1" stores "x" on "foo"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    When "c1" acks the last message on "f"
    Then "metric" receives no message within 300ms

  @go:TestJetStreamConsumerPauseAdvisories @since-2.11
  Scenario: Pausing a consumer publishes a pause advisory
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    And "watcher" subscribes to "$JS.EVENT.ADVISORY.CONSUMER.PAUSE.S.d" as "adv"
    And "c1" sends a "$JS.API.CONSUMER.PAUSE.S.d" request with:
      """
      {"pause_until":"2999-01-01T00:00:00Z"}
      """
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.CONSUMER.PAUSE.S.d" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.consumer_pause"
    And the reply field "paused" is true

  @go:TestJetStreamWorkQueueNakRedelivery
  Scenario: Naking a message publishes a nak advisory
    When "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    And "watcher" subscribes to "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.d" as "adv"
    And "c1" stores "x" on "foo"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    When "c1" acks the last message on "f" with '-NAK'
    Then "adv" receives a message on "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.d" within 2s
    When the last message on "adv" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.nak"
    And the reply field "stream_seq" is 1

  @go:TestJetStreamAccountImportJSAdvisoriesAsStream
  Scenario: A failed API call is audited with its error
    When "watcher" subscribes to "$JS.EVENT.ADVISORY.API" as "audit"
    And "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"memory","num_replicas":3}
      """
    Then "audit" receives a message on "$JS.EVENT.ADVISORY.API" within 2s
    When the last message on "audit" is read as JSON
    Then the reply field "subject" is "$JS.API.STREAM.CREATE.S"
    And the reply field "response" has text containing "not supported in non-clustered mode"
    And the reply field "request" has text containing "num_replicas"
