@needs-jetstream @process
Feature: JetStream push consumers
  Delivery to a deliver subject with the deliver policies, idle heartbeats, flow
  control, headers-only delivery and queue groups.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory"}
      """
    And "c1" stores "a1" on "foo.a"
    And "c1" stores "b1" on "foo.b"
    And "c1" stores "a2" on "foo.a"

  @go:TestJetStreamBasicDeliverSubject
  Scenario: A push consumer delivers the whole stream to its deliver subject
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none"}
      """
    Then "push" receives the payloads "a1, b1, a2" within 2s
    And the last message on "push" has subject "foo.a"
    When "c1" stores "b2" on "foo.b"
    Then "push" receives the payloads "b2" within 2s

  @go:TestJetStreamBasicDeliverSubject
  Scenario: Deliver last starts at the last message of the stream
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"last"}
      """
    Then "push" receives the payloads "a2" within 2s
    And "push" receives no message within 200ms

  @go:TestJetStreamBasicDeliverSubject
  Scenario: Deliver new only delivers messages stored after the consumer
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"new"}
      """
    Then "push" receives no message within 200ms
    When "c1" stores "new" on "foo.c"
    Then "push" receives the payloads "new" within 2s

  @go:TestJetStreamBasicDeliverSubject
  Scenario: Deliver by start sequence starts at that sequence
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"by_start_sequence","opt_start_seq":2}
      """
    Then "push" receives the payloads "b1, a2" within 2s

  @go:TestJetStreamConsumerWithStartTime
  Scenario: Deliver by start time starts at the first message at or after it
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"by_start_time","opt_start_time":"2000-01-01T00:00:00Z"}
      """
    Then "push" receives the payloads "a1, b1, a2" within 2s

  @go:TestJetStreamDeliverLastPerSubject
  Scenario: Deliver last per subject without a filter is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"last_per_subject"}}
      """
    Then the reply is an error with code 400, err_code 10094 and description "consumer delivery policy is deliver last per subject, but optional filter subject is not set"

  @go:TestJetStreamDeliverLastPerSubject
  Scenario: Deliver last per subject delivers the newest message of each subject
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"last_per_subject","filter_subject":"foo.*"}
      """
    Then the reply field "num_pending" is 2
    And "push" receives the payloads "b1, a2" within 2s

  @go:TestJetStreamDeliverLastPerSubjectNumPending
  Scenario: Deliver last per subject with a filter
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"last_per_subject","filter_subject":"foo.a"}
      """
    Then the reply field "num_pending" is 1
    And "push" receives the payloads "a2" within 2s

  @go:TestJetStreamSubjectFiltering @go:TestJetStreamWildcardSubjectFiltering
  Scenario: A filtered push consumer delivers only matching messages
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","filter_subject":"foo.b"}
      """
    Then "push" receives the payloads "b1" within 2s
    And "push" receives no message within 200ms

  @go:TestJetStreamPushConsumerIdleHeartbeats
  Scenario: An idle push consumer sends heartbeats
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","deliver_policy":"new","idle_heartbeat":200000000}
      """
    Then "push" receives a status 100 with description "Idle Heartbeat" within 2s
    And the last message on "push" has header "Nats-Last-Consumer" equal to "0"
    And the last message on "push" has header "Nats-Last-Stream" equal to "3"

  @go:TestJetStreamPushConsumerIdleHeartbeatsWithFilterSubject
  Scenario: Heartbeats of a filtered consumer report the last stream sequence
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","filter_subject":"foo.b","idle_heartbeat":200000000}
      """
    Then "push" receives the payloads "b1" within 2s
    And "push" receives a status 100 within 2s
    And the last message on "push" has header "Nats-Last-Consumer" equal to "1"

  @go:TestJetStreamPushConsumerFlowControl
  Scenario: A flow-controlled push consumer delivers its messages
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","flow_control":true,"idle_heartbeat":5000000000}
      """
    Then the reply field "config.flow_control" is true
    And "push" receives the payloads "a1, b1, a2" within 2s

  @go:TestJetStreamConsumerNoMsgPayload
  Scenario: A headers-only consumer delivers the size instead of the payload
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","headers_only":true,"filter_subject":"foo.b"}
      """
    Then "push" receives 1 messages within 2s
    And the last message on "push" has payload ""
    And the last message on "push" has header "Nats-Msg-Size" equal to "2"

  @go:TestJetStreamConsumerRateLimit
  Scenario: A rate limit is kept in the consumer config
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","rate_limit_bps":8000}
      """
    Then the reply field "config.rate_limit_bps" is 8000
    And "push" receives 3 messages within 3s

  @go:TestJetStreamActiveDelivery @go:TestJetStreamConsumerPushBound
  Scenario: A push consumer reports whether its deliver subject has interest
    When "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"explicit"}
      """
    Then the reply has no field "push_bound"
    When "c1" subscribes to "d.out" as "push"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.p" until the reply field "push_bound" is true
    Then "push" receives the payloads "a1, b1, a2" within 2s

  @go:TestJetStreamConsumerReconnect @go:TestJetStreamConsumerDurableReconnect
  Scenario: A durable push consumer resumes after its subscriber comes back
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"explicit"}
      """
    Then "push" receives the payloads "a1, b1, a2" within 2s
    When "c1" acks all messages on "push"
    And "c1" unsubscribes "push"
    And "c1" stores "later" on "foo.c"
    And "c1" subscribes to "d.out" as "again"
    Then "again" receives the payloads "later" within 3s

  @go:TestJetStreamConsumerReplayRate
  Scenario: Replay policy original is kept in the consumer config
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"none","replay_policy":"original"}
      """
    Then the reply field "config.replay_policy" is "original"
    And "push" receives the payloads "a1, b1, a2" within 3s

  @go:TestJetStreamMetadata
  Scenario: Delivered messages carry stream and consumer sequences in the reply subject
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"explicit","deliver_policy":"by_start_sequence","opt_start_seq":2}
      """
    Then "push" receives the payloads "b1" within 2s
    And the last message on "push" has reply matching "^\$JS\.ACK\.S\.p\.1\.2\.1\.\d+\.1$"

  @go:TestJetStreamBasicDeliverSubject
  Scenario: A queue-group push consumer delivers through its deliver group
    When "c1" subscribes to "d.q" in queue "workers" as "w1"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"q","deliver_subject":"d.q","deliver_group":"workers","ack_policy":"none"}
      """
    Then the reply field "config.deliver_group" is "workers"
    And "w1" receives the payloads "a1, b1, a2" within 2s

  @go:TestJetStreamBasicDeliverSubject
  Scenario: A deliver group spreads messages over the queue members
    When "c1" subscribes to "d.q" in queue "workers" as "w1"
    And "c1" subscribes to "d.q" in queue "workers" as "w2"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"q","deliver_subject":"d.q","deliver_group":"workers","ack_policy":"none","deliver_policy":"new"}
      """
    And "c1" stores 40 messages on "foo.c"
    Then "w1" and "w2" together receive 40 messages within 5s, each at least 1

  @go:TestJetStreamEphemeralConsumers
  Scenario: An ephemeral push consumer goes away when its subscriber does
    When "c1" subscribes to "eph.out" as "push"
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"name":"eph","deliver_subject":"eph.out","ack_policy":"none","inactive_threshold":300000000}}
      """
    Then "push" receives the payloads "a1, b1, a2" within 2s
    When "c1" unsubscribes "push"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.eph" until the reply field "error.code" is 404 within 5s

  @go:TestJetStreamEphemeralConsumers
  Scenario: An ephemeral push consumer with interest stays
    When "c1" subscribes to "eph.out" as "push"
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"name":"eph","deliver_subject":"eph.out","ack_policy":"none","inactive_threshold":300000000}}
      """
    Then "push" receives the payloads "a1, b1, a2" within 2s
    When 800ms has passed
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.eph" request
    Then the reply field "name" is "eph"
    And the reply field "push_bound" is true

  @go:TestJetStreamRedeliverAndLateAck
  Scenario: A push consumer redelivers unacked messages after the ack wait
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"explicit","ack_wait":500000000,"filter_subject":"foo.b"}
      """
    Then "push" receives the payloads "b1" within 2s
    And "push" receives the payloads "b1" within 3s
    And the last message on "push" has reply matching "^\$JS\.ACK\.S\.p\.2\."
    When "c1" acks the last message on "push"
    Then "push" receives no message within 1s
