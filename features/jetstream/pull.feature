@needs-jetstream @process
Feature: JetStream pull consumers
  CONSUMER.MSG.NEXT requests: batches, expires, no_wait, max_bytes, the consumer's max
  waiting and request maximums, and the 404/408/409 status replies.

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
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """

  @go:TestJetStreamWorkQueueRequestBatch @go:TestJetStreamConsumerPullOneShotBehavior
  Scenario: A plain batch request delivers up to the batch size
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 3 as "f"
    Then "f" receives the payloads "1, 2, 3" within 2s
    And "f" receives no message within 300ms

  @go:TestJetStreamWorkQueueRequest
  Scenario: A waiting request is served by messages that arrive later
    When "c1" pulls from consumer "d" of stream "S" with {"batch":2,"expires":5000000000} as "f"
    And "c1" stores "late-1" on "foo.a"
    And "c1" stores "late-2" on "foo.a"
    Then "f" receives the payloads "late-1, late-2" within 2s

  @go:TestJetStreamNextReqFromMsg
  Scenario: Pulled messages carry the ack reply subject with counts
    When "c1" stores 3 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 1 as "f"
    Then "f" receives the payloads "1" within 2s
    And the last message on "f" has subject "foo.a"
    And the last message on "f" has reply matching "^\$JS\.ACK\.S\.d\.1\.1\.1\.\d+\.2$"

  @go:TestJetStreamConsumerNoWaitNoMessagesOnEos @go:TestJetStreamEphemeralPullConsumersInactiveThresholdAndNoWait
  Scenario: A no-wait request on an empty consumer answers 404 No Messages
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"no_wait":true} as "f"
    Then "f" receives a status 404 with description "No Messages" within 2s

  @go:TestJetStreamConsumerNoWaitNoMessagesOnEosWithDeliveredMsgs @go:TestJetStreamConsumerPullNoWaitBatchLargerThanPending @since-2.11
  Scenario: A no-wait request larger than what is pending delivers what exists then ends
    When "c1" stores 2 messages on "foo.a"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_pending" is 2
    And "c1" pulls from consumer "d" of stream "S" with {"batch":5,"no_wait":true} as "f"
    Then "f" receives the payloads "1, 2" within 2s
    And "f" receives a status 404 within 2s

  @go:TestJetStreamConsumerPullTimeout @go:TestJetStreamConsumerPullTimeoutHeaders
  Scenario: A request that expires with nothing delivered answers 408 Request Timeout
    When "c1" pulls from consumer "d" of stream "S" with {"batch":3,"expires":300000000} as "f"
    Then "f" receives a status 408 with description "Request Timeout" within 3s
    And the last message on "f" has header "Nats-Pending-Messages" equal to "3"
    And the last message on "f" has header "Nats-Pending-Bytes" equal to "0"

  @go:TestJetStreamConsumerPullTimeoutHeaders
  Scenario: A partly served request reports what was left when it expires
    When "c1" stores 1 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with {"batch":3,"expires":300000000} as "f"
    Then "f" receives the payloads "1" within 2s
    And "f" receives a status 408 within 3s
    And the last message on "f" has header "Nats-Pending-Messages" equal to "2"

  @go:TestJetStreamConsumerPullMaxBytes
  Scenario: A request whose max bytes cannot hold the next message answers 409
    When "c1" stores "0123456789012345678901234567890123456789" on "foo.a"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_pending" is 1
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"max_bytes":10,"no_wait":true} as "f"
    Then "f" receives a status 409 with description "Message Size Exceeds MaxBytes" within 2s

  @go:TestJetStreamConsumerPullMaxBytes
  Scenario: A request with max bytes stops once the budget is used
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with {"batch":10,"max_bytes":100,"expires":500000000} as "f"
    Then "f" receives the payloads "1, 2" within 2s
    And "f" receives a status 409 with description "Message Size Exceeds MaxBytes" within 2s

  @go:TestJetStreamConsumerPullBatchCompleted @since-2.10
  Scenario: A satisfied max-bytes request ends with Batch Completed
    When "c1" stores 1 messages on "foo.a"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_pending" is 1
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"max_bytes":10000000,"no_wait":true} as "f"
    Then "f" receives the payloads "1" within 2s
    And "f" receives a status 409 with description "Batch Completed" within 2s

  @go:TestJetStreamConsumerPullMaxWaiting @go:TestJetStreamWorkQueueMaxWaiting
  Scenario: Requests beyond max waiting are refused with 409
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"mw","ack_policy":"explicit","max_waiting":1}
      """
    When "c1" pulls from consumer "mw" of stream "S" with {"batch":1,"expires":5000000000} as "f1"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.mw" until the reply field "num_waiting" is 1
    And "c1" pulls from consumer "mw" of stream "S" with {"batch":1,"expires":5000000000} as "f2"
    Then "f2" receives a status 409 with description "Exceeded MaxWaiting" within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.mw" request
    Then the reply field "num_waiting" is 1

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario: A batch above the consumer's max request batch is refused with 409
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"mb","ack_policy":"explicit","max_batch":2}
      """
    When "c1" pulls from consumer "mb" of stream "S" with 5 as "f"
    Then "f" receives a status 409 with description "Exceeded MaxRequestBatch of 2" within 2s

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario: Expires above the consumer's max request expires is refused with 409
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"me","ack_policy":"explicit","max_expires":1000000000}
      """
    When "c1" pulls from consumer "me" of stream "S" with {"batch":1,"expires":5000000000} as "f"
    Then "f" receives a status 409 with description "Exceeded MaxRequestExpires of 1s" within 2s

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario: Max bytes above the consumer's max request max bytes is refused with 409
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"mx","ack_policy":"explicit","max_bytes":1024}
      """
    When "c1" pulls from consumer "mx" of stream "S" with {"batch":1,"max_bytes":2048} as "f"
    Then "f" receives a status 409 with description "Exceeded MaxRequestMaxBytes of 1024" within 2s

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario: The consumer's request maximums are shown in its config
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"m","ack_policy":"explicit","max_batch":2,"max_expires":1000000000,"max_bytes":1024}
      """
    Then the reply field "config.max_batch" is 2
    And the reply field "config.max_expires" is 1000000000
    And the reply field "config.max_bytes" is 1024

  @go:TestJetStreamConsumerPullMaxAckPending
  Scenario: A pull consumer stops at max ack pending until messages are acked
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"map","ack_policy":"explicit","max_ack_pending":2}
      """
    When "c1" stores 4 messages on "foo.a"
    And "c1" pulls from consumer "map" of stream "S" with {"batch":4,"expires":3000000000} as "f"
    Then "f" receives the payloads "1, 2" within 2s
    And "f" receives no message within 200ms
    When "c1" acks all messages on "f"
    Then "f" receives the payloads "3, 4" within 3s

  @go:TestJetStreamConsumerPullNoAck
  Scenario: A pull consumer without acks does not redeliver
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"na","ack_policy":"none"}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" pulls from consumer "na" of stream "S" with 2 as "f"
    Then "f" receives the payloads "1, 2" within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.na" request
    Then the reply field "num_ack_pending" is 0
    And the reply field "num_pending" is 0
    And the reply field "delivered.stream_seq" is 2

  @go:TestJetStreamConsumerPullConsumerFIFO
  Scenario: Waiting requests are served in arrival order
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":5000000000} as "first"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_waiting" is 1
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":5000000000} as "second"
    And "c1" stores "m1" on "foo.a"
    And "c1" stores "m2" on "foo.a"
    Then "first" receives the payloads "m1" within 2s
    And "second" receives the payloads "m2" within 2s

  @go:TestJetStreamEphemeralPullConsumers
  Scenario: An ephemeral pull consumer delivers like a durable one
    When "c1" stores 2 messages on "foo.a"
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S.eph" request with:
      """
      {"stream_name":"S","config":{"name":"eph","ack_policy":"explicit","inactive_threshold":10000000000}}
      """
    Then the reply has no field "config.durable_name"
    When "c1" pulls from consumer "eph" of stream "S" with 2 as "f"
    Then "f" receives the payloads "1, 2" within 2s

  @go:TestJetStreamEphemeralPullConsumersInactiveThresholdAndNoWait
  Scenario: An inactive ephemeral pull consumer is removed after its threshold
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.eph" request with:
      """
      {"stream_name":"S","config":{"name":"eph","ack_policy":"explicit","inactive_threshold":300000000}}
      """
    And "c1" polls "$JS.API.CONSUMER.INFO.S.eph" until the reply field "error.code" is 404 within 5s
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"

  @go:TestJetStreamNextMsgNoInterest @go:TestJetStreamConsumerPullRemoveInterest @since-2.10
  Scenario: Pull requests on an unknown consumer find no responders
    When "c1" pulls from consumer "nope" of stream "S" with 1 as "f"
    Then "f" receives a status 503 within 2s

  @go:TestJetStreamConsumerPullMultipleRequestsExpireOutOfOrder
  Scenario: Requests with different expiries each time out on their own
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":1500000000} as "long"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_waiting" is 1
    And "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":200000000} as "short"
    Then "short" receives a status 408 within 2s
    And "long" receives no message within 300ms
    And "long" receives a status 408 within 3s

  @go:TestJetStreamConsumerPullHeartBeats
  Scenario: A long pull request gets idle heartbeats
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":3000000000,"idle_heartbeat":200000000} as "f"
    Then "f" receives a status 100 with description "Idle Heartbeat" within 2s

  @go:TestJetStreamConsumerPullHeartBeats
  Scenario: A pull heartbeat longer than half the expiry is refused
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":1000000000,"idle_heartbeat":800000000} as "f"
    Then "f" receives a status 400 within 2s

  @go:TestJetStreamConsumerDelete
  Scenario: Deleting a consumer ends its waiting requests
    When "c1" pulls from consumer "d" of stream "S" with {"batch":1,"expires":5000000000} as "f"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "num_waiting" is 1
    And "c1" sends a "$JS.API.CONSUMER.DELETE.S.d" request
    Then "f" receives a status 409 with description "Consumer Deleted" within 2s

  @go:TestJetStreamConsumerInfoNumPending
  Scenario: Consumer info counts pending, ack pending and waiting
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "d" of stream "S" with 2 as "f"
    Then "f" receives 2 messages within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.d" request
    Then the reply field "num_pending" is 3
    And the reply field "num_ack_pending" is 2
    And the reply field "delivered.consumer_seq" is 2
    And the reply field "delivered.stream_seq" is 2
    And the reply field "ack_floor.stream_seq" is 0

  @go:TestJetStreamConsumerPullMaxAckPendingRedeliveries
  Scenario: Redeliveries are served while max ack pending holds back new messages
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"r","ack_policy":"explicit","ack_wait":300000000,"max_ack_pending":1}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" pulls from consumer "r" of stream "S" with {"batch":3,"expires":2000000000} as "f"
    Then "f" receives the payloads "1, 1" within 2s

  @go:TestJetStreamConsumerPullLastPerSubjectRedeliveries
  Scenario: A last-per-subject pull consumer redelivers only what it delivered
    When "c1" stores "a1" on "foo.a"
    And "c1" stores "a2" on "foo.a"
    And "c1" stores "b1" on "foo.b"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"l","ack_policy":"explicit","ack_wait":300000000,"deliver_policy":"last_per_subject","filter_subject":"foo.*"}
      """
    Then the reply field "num_pending" is 2
    When "c1" pulls from consumer "l" of stream "S" with 2 as "f"
    Then "f" receives the payloads "a2, b1" within 2s
    When "c1" pulls from consumer "l" of stream "S" with {"batch":2,"expires":3000000000} as "g"
    Then "g" receives the payloads "a2, b1" within 3s

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario Outline: A pull request with <case> answers 400 with Go's reason
    When "c1" sends '<body>' to "$JS.API.CONSUMER.MSG.NEXT.S.d" with replies to "g"
    Then "g" receives a status 400 with description "Bad Request - <reason>" within 2s

    Examples:
      | case               | body        | reason                                               |
      | cut-off JSON       | {"batch":   | unexpected end of JSON input                         |
      | a misplaced "]"    | {"batch":]} | invalid character ']' looking for beginning of value |
