@needs-jetstream @process
Feature: JetStream acknowledgements
  Ack policies none, all and explicit; +ACK, -NAK (with a delay), +WPI and +TERM;
  redelivery after the ack wait, max deliver and backoff.

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

  @go:TestJetStreamBasicAckPublish @go:TestJetStreamAckExplicitMsgRemoval
  Scenario: An explicit ack moves the ack floor
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When "c1" acks the last message on "f" and waits for the confirmation
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "ack_floor.stream_seq" is 1
    Then the reply field "num_ack_pending" is 0
    And the reply field "num_pending" is 1

  @go:TestJetStreamConsumerAckAck
  Scenario: A double ack is confirmed with an empty reply
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    When "c1" acks the last message on "f" and waits for the confirmation
    And "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "ack_floor.consumer_seq" is 1

  @go:TestJetStreamAckAllRedelivery
  Scenario: Ack all acknowledges every earlier message
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"all"}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 5 as "f"
    Then "f" receives the payloads "1, 2, 3, 4, 5" within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_ack_pending" is 5
    When "c1" acks the last message on "f" and waits for the confirmation
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_ack_pending" is 0
    Then the reply field "ack_floor.stream_seq" is 5

  @go:TestJetStreamNoAckStream @go:TestJetStreamConsumerPullNoAck
  Scenario: With ack none delivered messages are never pending
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"none"}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 3 as "f"
    Then "f" receives 3 messages within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_ack_pending" is 0
    And the reply field "ack_floor.stream_seq" is 3

  @go:TestJetStreamWorkQueueAckWaitRedelivery @go:TestJetStreamRedeliverCount
  Scenario: An unacked message is redelivered after the ack wait with a higher count
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":500000000}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    And the last message on "f" has reply matching "^\$JS\.ACK\.S\.d\.1\.1\.1\."
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":3000000000} as "g"
    Then "g" receives the payloads "1" within 3s
    And the last message on "g" has reply matching "^\$JS\.ACK\.S\.d\.2\.1\.2\."
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_redelivered" is 1

  @go:TestJetStreamWorkQueueNakRedelivery
  Scenario: A nak redelivers the message at once
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":30000000000}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When "c1" acks the last message on "f" with '-NAK'
    And "c1" pulls from consumer "d" of stream "S" with 1 as "g"
    Then "g" receives the payloads "1" within 2s
    And the last message on "g" has reply matching "^\$JS\.ACK\.S\.d\.2\.1\.2\."

  @go:TestJetStreamConsumerNakThenAckFloorMove
  Scenario: A nak with a delay holds the redelivery back
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":30000000000}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When "c1" acks the last message on "f" with '-NAK {"delay":1000000000}'
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":4000000000} as "g"
    Then "g" receives no message within 500ms
    And "g" receives the payloads "1" within 3s

  @go:TestJetStreamWorkQueueTerminateDelivery
  Scenario: A terminated message is never redelivered
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":300000000}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When "c1" acks the last message on "f" with '+TERM'
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":1000000000} as "g"
    Then "g" receives a status 408 within 3s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_ack_pending" is 0

  @go:TestJetStreamWorkQueueWorkingIndicator
  Scenario: A work-in-progress ack resets the ack wait
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":2000000000}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":8000000000} as "g"
    And 1200ms has passed
    And "c1" acks the last message on "f" with '+WPI'
    And 1200ms has passed
    And "c1" acks the last message on "f" with '+WPI'
    Then "g" receives no message within 1200ms
    When "c1" acks the last message on "f"
    Then "g" receives no message within 2500ms

  @go:TestJetStreamCanNotNakAckd
  Scenario: A nak after an ack does not redeliver
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    When "c1" acks the last message on "f" and waits for the confirmation
    And "c1" acks the last message on "f" with '-NAK'
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":500000000} as "g"
    Then "g" receives a status 408 within 2s

  @go:TestJetStreamConsumerMaxDeliveries @go:TestJetStreamWQMaxDeliveryReached
  Scenario: A message is not delivered more than max deliver times
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":300000000,"max_deliver":2}
      """
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with {"batch":5,"expires":2500000000} as "f"
    Then "f" receives the payloads "1, 1" within 2s
    And "f" receives a status 408 within 3s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_redelivered" is 1
    And the reply field "delivered.consumer_seq" is 2

  @go:TestJetStreamConsumerMaxDeliveries @go:TestJetStreamMaxDeliveryRedeliveredReporting @since-2.10
  Scenario: Reaching max deliver publishes a max deliveries advisory
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":300000000,"max_deliver":1}
      """
    When "c1" subscribes to "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.d" as "adv"
    And "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives 1 messages within 2s
    And "adv" receives a message on "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.d" within 3s
    When the last message on "adv" is read as JSON
    Then the reply field "type" is "io.nats.jetstream.advisory.v1.max_deliver"
    And the reply field "stream" is "S"
    And the reply field "consumer" is "d"
    And the reply field "stream_seq" is 1
    And the reply field "deliveries" is 1

  @go:TestJetStreamConsumerBackOff
  Scenario: Backoff sets the delay of each redelivery
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","backoff":[200000000,1500000000],"max_deliver":3}
      """
    Then the reply field "config.ack_wait" is 200000000
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with {"batch":3,"expires":5000000000} as "f"
    Then "f" receives the payloads "1, 1" within 1s
    And "f" receives no message within 800ms
    And "f" receives the payloads "1" within 2s

  @go:TestJetStreamAckReplyStreamPending @go:TestJetStreamAckReplyStreamPendingWithAcks
  Scenario: The ack reply subject reports the messages still pending
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 2 as "f"
    Then "f" receives the payloads "1, 2" within 2s
    And the last message on "f" has reply matching "^\$JS\.ACK\.S\.d\.1\.2\.2\.\d+\.3$"

  @go:TestJetStreamConsumerMaxAckPending
  Scenario: A push consumer stops at max ack pending
    When "c1" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"p","deliver_subject":"d.out","ack_policy":"explicit","max_ack_pending":3}
      """
    When "c1" stores 5 messages on "foo.a"
    Then "push" receives the payloads "1, 2, 3" within 2s
    And "push" receives no message within 300ms
    When "c1" acks the last message on "push"
    Then "push" receives the payloads "4" within 2s
    And "push" receives no message within 300ms
    When "c1" acks all messages on "push"
    Then "push" receives the payloads "5" within 2s

  @go:TestJetStreamConsumerPendingCountWithRedeliveries
  Scenario: Redelivered messages do not count again as pending
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit","ack_wait":300000000}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    When 600ms has passed
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":2000000000} as "g"
    Then "g" receives the payloads "1" within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_pending" is 1
    And the reply field "num_ack_pending" is 1
    And the reply field "num_redelivered" is 1

  @go:TestJetStreamClusterAckDeleted
  Scenario: Pending messages that the stream's limits drop no longer count, and acking them still works
    When "c1" creates the stream:
      """
      {"name":"L","subjects":["l.*"],"storage":"memory","max_msgs":1}
      """
    And "c1" creates the consumer on "L":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    And "c1" stores "1" on "l.1"
    And "c1" pulls from consumer "d" of stream "L" with 1 as "f1"
    Then "f1" receives the payloads "1" within 2s
    When "c1" stores "2" on "l.2"
    And "c1" pulls from consumer "d" of stream "L" with 1 as "f2"
    Then "f2" receives the payloads "2" within 2s
    # Go drops the pending message off the publisher's path: poll for it.
    When "c1" polls "$JS.API.CONSUMER.INFO.L.d" until the reply field "num_ack_pending" is 1
    Then the reply includes:
      """
      {"num_ack_pending": 1, "num_pending": 0, "ack_floor": {"consumer_seq": 1, "stream_seq": 1}}
      """
    When "c1" acks the last message on "f1" and waits for the confirmation
    And "c1" acks the last message on "f2" and waits for the confirmation
    And "c1" sends a "$JS.API.CONSUMER.INFO.L.d" request
    Then the reply includes:
      """
      {"num_ack_pending": 0, "ack_floor": {"consumer_seq": 2, "stream_seq": 2}}
      """
