@cluster @needs-jetstream @needs-jetstream-cluster
Feature: Replicated JetStream consumers in a cluster: defaults, updates, acks and redelivery
  More of what a client sees of a consumer of a replicated stream: defaults it takes
  from its stream and the limits the stream sets, start sequences, the updates it
  accepts and refuses, max deliveries and negative acks with a delay (kept across a
  leader change), queue-group push delivery, ack-all on an interest stream, acks of
  messages the stream no longer has, pull requests ended by a delete, and a named
  consumer that keeps serving pulls after its leader is stopped. Ported from
  server/jetstream_cluster_1..4_test.go.

  "The leader of consumer C of stream S is moved to server Y" makes Y the consumer's
  leader through a step-down preferring it (likewise for a stream).

  @go:TestJetStreamClusterConsumerDefaultsFromStream @go:TestJetStreamClusterDefaultMaxAckPending @needs-clustered-streams @needs-clustered-consumers
  Scenario: A consumer of a replicated stream takes its defaults from the stream's consumer limits and cannot exceed them
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "test", "subjects": ["test.*"], "storage": "memory", "num_replicas": 3,
       "consumer_limits": {"max_ack_pending": 15, "inactive_threshold": 1000000000}}
      """
    Then the reply includes:
      """
      {"config": {"consumer_limits": {"max_ack_pending": 15, "inactive_threshold": 1000000000}}}
      """
    When "c1" creates the consumer on "test":
      """
      {"name": "inherit", "ack_policy": "explicit"}
      """
    Then the reply includes:
      """
      {"config": {"max_ack_pending": 15, "inactive_threshold": 1000000000}}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.test.over" request with:
      """
      {"stream_name": "test", "config": {"name": "over", "ack_policy": "explicit", "max_ack_pending": 30}}
      """
    Then the reply is an error with code 400, err_code 10121 and description "consumer max ack pending exceeds system limit of 15"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.test.idle" request with:
      """
      {"stream_name": "test", "config": {"name": "idle", "ack_policy": "explicit", "inactive_threshold": 2000000000}}
      """
    Then the reply is an error with code 400, err_code 10153 and description "consumer inactive threshold exceeds system limit of 1s"
    When "c1" sends a "$JS.API.STREAM.UPDATE.test" request with:
      """
      {"name": "test", "subjects": ["test.*"], "storage": "memory", "num_replicas": 3,
       "consumer_limits": {"max_ack_pending": 10, "inactive_threshold": 1000000000}}
      """
    Then the reply has field "error"
    When "c1" sends a "$JS.API.STREAM.INFO.test" request
    Then the reply field "config.consumer_limits.max_ack_pending" is 15
    When "c1" creates the stream:
      """
      {"name": "plain", "subjects": ["plain"], "num_replicas": 3}
      """
    And "c1" creates the consumer on "plain":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    Then the reply field "config.max_ack_pending" is 1000

  @go:TestJetStreamClusterRespectConsumerStartSeq @needs-clustered-streams @needs-clustered-consumers
  Scenario: A consumer of a replicated stream starts at the sequence asked for, even past the end, and at the first one left when it asked for a purged one
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"name": "future", "deliver_policy": "by_start_sequence", "opt_start_seq": 20, "ack_policy": "explicit"}
      """
    Then the reply field "delivered.stream_seq" is 19
    When "c1" sends a "$JS.API.STREAM.PURGE.TEST" request with:
      """
      {"seq": 10}
      """
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply field "state.first_seq" is 10
    When "c1" creates the consumer on "TEST":
      """
      {"name": "future2", "deliver_policy": "by_start_sequence", "opt_start_seq": 20, "ack_policy": "explicit"}
      """
    Then the reply field "delivered.stream_seq" is 19
    When "c1" creates the consumer on "TEST":
      """
      {"name": "past", "deliver_policy": "by_start_sequence", "opt_start_seq": 5, "ack_policy": "explicit"}
      """
    Then the reply field "delivered.stream_seq" is 9
    When "c1" stores 12 messages on "foo"
    And "c1" pulls from consumer "future" of stream "TEST" with 2 as "f"
    Then "f" receives the payloads "11, 12" within 5s
    When "c1" pulls from consumer "past" of stream "TEST" with 1 as "p"
    Then "p" receives the payloads "1" within 5s
    And the last message on "p" has reply matching "^\$JS\.ACK\.TEST\.past\.1\.10\.1\."

  @go:TestJetStreamClusterInterestPolicyAckAll @needs-clustered-streams @needs-clustered-consumers
  Scenario: Acking the 50th message of an ack-all consumer removes the first 50 from a replicated interest stream
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "retention": "interest", "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "CONSUMER", "ack_policy": "all"}
      """
    And "c1" stores 100 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply field "state.messages" is 100
    When "c1" pulls from consumer "CONSUMER" of stream "TEST" with 50 as "f"
    Then "f" receives 50 messages within 5s
    And the last message on "f" has payload "50"
    When "c1" acks the last message on "f" and waits for the confirmation
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 50 within 5s
    Then the reply field "state.first_seq" is 51
    When the leader of stream "TEST" is moved to server "A"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 50, "first_seq": 51}, "cluster": {"leader": "A"}}
      """
    When "c1" sends a "$JS.API.CONSUMER.INFO.TEST.CONSUMER" request
    Then the reply includes:
      """
      {"ack_floor": {"consumer_seq": 50, "stream_seq": 50}, "num_ack_pending": 0, "num_pending": 50}
      """

  @go:TestJetStreamClusterConsumerUpdates @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated push consumer takes updates to its deliver subject, description, max ack pending and ack wait, and refuses others
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 2}
      """
    And "c1" stores 100 messages on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "description": "Update TEST", "filter_subject": "foo", "deliver_subject": "d.foo",
       "ack_policy": "explicit", "ack_wait": 60000000000, "max_deliver": 5, "max_ack_pending": 50}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "description": "Update TEST", "filter_subject": "foo", "deliver_subject": "d.bar",
       "ack_policy": "explicit", "ack_wait": 60000000000, "max_deliver": 5, "max_ack_pending": 50}
      """
    Then the reply field "config.deliver_subject" is "d.bar"
    When "c1" subscribes to "d.bar" as "push"
    Then "push" receives 50 messages within 5s
    And "push" receives no message within 300ms
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "description": "New Description", "filter_subject": "foo",
       "deliver_subject": "d.bar", "ack_policy": "explicit", "ack_wait": 60000000000, "max_deliver": 5, "max_ack_pending": 75}}
      """
    Then the reply includes:
      """
      {"config": {"description": "New Description", "max_ack_pending": 75}}
      """
    And "push" receives 25 messages within 5s
    And "push" receives no message within 300ms
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "description": "New Description", "filter_subject": "foo",
       "deliver_subject": "d.bar", "ack_policy": "explicit", "ack_wait": 200000000, "max_deliver": 5, "max_ack_pending": 75}}
      """
    Then the reply field "config.ack_wait" is 200000000
    And "push" receives 75 messages within 5s
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "filter_subject": "foo", "deliver_subject": "d.bar",
       "ack_policy": "explicit", "ack_wait": 200000000, "max_deliver": 5, "max_ack_pending": 75, "deliver_policy": "last"}}
      """
    Then the reply is an error with code 500, err_code 10012 and description "deliver policy can not be updated"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "filter_subject": "foo", "deliver_subject": "d.bar",
       "ack_policy": "all", "ack_wait": 200000000, "max_deliver": 5, "max_ack_pending": 75}}
      """
    Then the reply is an error with code 500, err_code 10012 and description "ack policy can not be updated"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "filter_subject": "foo", "deliver_subject": "d.bar",
       "ack_policy": "explicit", "ack_wait": 200000000, "max_deliver": 5, "max_ack_pending": 75, "replay_policy": "original"}}
      """
    Then the reply is an error with code 500, err_code 10012 and description "replay policy can not be updated"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "filter_subject": "foo", "deliver_subject": "d.bar",
       "ack_policy": "explicit", "ack_wait": 200000000, "max_deliver": 5, "max_ack_pending": 75, "idle_heartbeat": 1000000000}}
      """
    Then the reply is an error with code 500, err_code 10012 and description "heart beats can not be updated"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "dlc", "filter_subject": "foo", "deliver_subject": "d.bar",
       "ack_policy": "explicit", "ack_wait": 200000000, "max_deliver": 5, "max_ack_pending": 75, "flow_control": true}}
      """
    Then the reply is an error with code 400, err_code 10108 and description "consumer with flow control also needs heartbeats"

  @go:TestJetStreamClusterConsumerMaxDeliverUpdate @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated pull consumer stops delivering a nacked message after max deliveries, and a raised limit applies to the next message
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "ard", "ack_policy": "explicit", "filter_subject": "foo", "max_deliver": 2}
      """
    And "c1" stores "Hello" on "foo"
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "f1"
    Then "f1" receives the payloads "Hello" within 2s
    When "c1" acks the last message on "f1" with '-NAK'
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "f2"
    Then "f2" receives the payloads "Hello" within 2s
    When "c1" acks the last message on "f2" with '-NAK'
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "f3"
    Then "f3" receives a status 408 within 2s
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.ard" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "ard", "ack_policy": "explicit", "filter_subject": "foo", "max_deliver": 3}}
      """
    Then the reply field "config.max_deliver" is 3
    When "c1" stores "Again" on "foo"
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "g1"
    Then "g1" receives the payloads "Again" within 2s
    When "c1" acks the last message on "g1" with '-NAK'
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "g2"
    Then "g2" receives the payloads "Again" within 2s
    When "c1" acks the last message on "g2" with '-NAK'
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "g3"
    Then "g3" receives the payloads "Again" within 2s
    And the last message on "g3" has reply matching "^\$JS\.ACK\.TEST\.ard\.3\.2\."
    When "c1" acks the last message on "g3" with '-NAK'
    And "c1" pulls from consumer "ard" of stream "TEST" with {"batch": 1, "expires": 500000000} as "g4"
    Then "g4" receives a status 408 within 2s

  @go:TestJetStreamClusterNAKBackoffs @needs-clustered-streams @needs-clustered-consumers
  Scenario: A negative ack with a delay holds the redelivery back, also across a consumer leader change
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "C"
    And "c1" stores "NAK" on "foo"
    And "c1" subscribes to "d.nak" as "push"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "deliver_subject": "d.nak", "ack_policy": "explicit", "ack_wait": 5000000000}
      """
    And the leader of consumer "dlc" of stream "TEST" is moved to server "A"
    Then "push" receives "NAK" on "foo" within 5s
    When "c1" acks the last message on "push" with '-NAK 500ms'
    Then "push" receives no message within 300ms
    And "push" receives "NAK" on "foo" within 2s
    When "c1" acks the last message on "push" with '-NAK 3s'
    And 200ms has passed
    And "c1" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.dlc" request
    Then the reply field "success" is true
    And the leader of consumer "dlc" of stream "TEST" is one of "B,C" within 5s
    And "push" receives no message within 1500ms
    And "push" receives "NAK" on "foo" within 4s
    And the last message on "push" has reply matching "^\$JS\.ACK\.TEST\.dlc\.3\.1\.3\."
    When "c1" acks the last message on "push" with '-NAK {"delay": 20000000}'
    Then "push" receives "NAK" on "foo" within 1s
    When "c1" acks the last message on "push" and waits for the confirmation
    Then "push" receives no message within 500ms

  @go:TestJetStreamClusterQueueSubConsumer @needs-clustered-streams @needs-clustered-consumers
  Scenario: A push consumer with a deliver group delivers to a queue subscriber on a server that does not lead it, and does not redeliver what was acked
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo.>"], "num_replicas": 3}
      """
    And "c3" subscribes to "d.queue" in queue "queue" as "q"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "ivan", "deliver_subject": "d.queue", "deliver_group": "queue", "ack_policy": "explicit",
       "ack_wait": 300000000}
      """
    Then the reply field "config.deliver_group" is "queue"
    When the leader of consumer "ivan" of stream "TEST" is moved to server "A"
    And "c1" stores "hello" on "foo.bar"
    Then "q" receives "hello" on "foo.bar" within 5s
    When "c3" acks the last message on "q" and waits for the confirmation
    Then "q" receives no message within 1s
    When "c1" sends a "$JS.API.CONSUMER.INFO.TEST.ivan" request
    Then the reply includes:
      """
      {"delivered": {"stream_seq": 1}, "ack_floor": {"stream_seq": 1}, "num_ack_pending": 0, "num_redelivered": 0,
       "push_bound": true}
      """

  @go:TestJetStreamClusterAckDeleted @needs-clustered-streams @needs-clustered-consumers
  Scenario: Acks of messages the replicated stream has already dropped move the ack floor all the same
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["ORDERS.*"], "num_replicas": 3, "retention": "limits", "discard": "old", "max_msgs": 1}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit", "max_ack_pending": 10}
      """
    And "c1" stores "1" on "ORDERS.1"
    And "c1" pulls from consumer "dlc" of stream "TEST" with 1 as "f1"
    Then "f1" receives the payloads "1" within 5s
    When "c1" stores "2" on "ORDERS.2"
    And "c1" pulls from consumer "dlc" of stream "TEST" with 1 as "f2"
    Then "f2" receives the payloads "2" within 5s
    When "c1" stores "3" on "ORDERS.3"
    And "c1" pulls from consumer "dlc" of stream "TEST" with 1 as "f3"
    Then "f3" receives the payloads "3" within 5s
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 1, "first_seq": 3, "last_seq": 3}}
      """
    When "c1" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"num_ack_pending": 1, "ack_floor": {"consumer_seq": 2, "stream_seq": 2}}
      """
    When "c1" acks the last message on "f1" and waits for the confirmation
    And "c1" acks the last message on "f2" and waits for the confirmation
    And "c1" acks the last message on "f3" and waits for the confirmation
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"num_ack_pending": 0, "ack_floor": {"consumer_seq": 3, "stream_seq": 3}}
      """
    When the leader of consumer "dlc" of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"num_ack_pending": 0, "ack_floor": {"consumer_seq": 3, "stream_seq": 3}, "cluster": {"leader": "C"}}
      """

  @go:TestJetStreamClusterSignalPullConsumersOnDelete @needs-clustered-streams @needs-clustered-consumers
  Scenario: A waiting pull request is ended at once when its replicated consumer or its stream is deleted
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "d1", "ack_policy": "explicit"}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "d2", "ack_policy": "explicit"}
      """
    And "c1" pulls from consumer "d1" of stream "TEST" with {"batch": 1, "expires": 10000000000} as "p1"
    And "c1" pulls from consumer "d2" of stream "TEST" with {"batch": 1, "expires": 10000000000} as "p2"
    And 250ms has passed
    And "c1" sends a "$JS.API.CONSUMER.DELETE.TEST.d1" request
    Then "p1" receives a status 409 with description "Consumer Deleted" within 1s
    When "c1" sends a "$JS.API.STREAM.DELETE.TEST" request
    Then "p2" receives a status 409 with description "Consumer Deleted" within 1s

  @go:TestJetStreamClusterUserGivenConsNameWithLeaderChange @go:TestJetStreamClusterUserGivenConsName @slow @needs-clustered-streams @needs-clustered-consumers
  Scenario: A named three-replica consumer created with its filter in the subject keeps serving pulls after its leader's server stops
    Given a cluster of 3 servers with JetStream
    And a client "c3" to server "C"
    When "c3" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c3" stores 100 messages on "foo"
    And "c3" sends a "$JS.API.CONSUMER.CREATE.TEST.myephemeral.foo" request with:
      """
      {"stream_name": "TEST", "config": {"name": "myephemeral", "filter_subject": "foo", "ack_policy": "explicit", "inactive_threshold": 3600000000000,
       "num_replicas": 3}}
      """
    Then the reply includes:
      """
      {"name": "myephemeral", "config": {"name": "myephemeral", "num_replicas": 3}}
      """
    And the reply field "cluster.replicas" has 2 items
    When the leader of consumer "myephemeral" of stream "TEST" is moved to server "A"
    And "c3" pulls from consumer "myephemeral" of stream "TEST" with {"batch": 1, "expires": 1000000000} as "f1"
    Then "f1" receives the payloads "1" within 2s
    When "c3" acks the last message on "f1" and waits for the confirmation
    And the server "A" is stopped
    Then the leader of consumer "myephemeral" of stream "TEST" is one of "B,C" within 15s
    When "c3" pulls from consumer "myephemeral" of stream "TEST" with {"batch": 1, "expires": 1000000000} as "f2"
    Then "f2" receives the payloads "2" within 2s
    When "c3" sends a "$JS.API.CONSUMER.INFO.TEST.myephemeral" request
    Then the reply includes:
      """
      {"delivered": {"stream_seq": 2}, "ack_floor": {"stream_seq": 1}, "num_pending": 98,
       "cluster": {"replicas": [{"name": "A", "current": false}]}}
      """

  @go:TestJetStreamClusterConsumerPauseViaEndpoint @go:TestJetStreamClusterConsumerPauseResumeViaEndpoint @since-2.11 @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated consumer paused through the endpoint stays paused under a new leader and delivers once resumed
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "my_consumer", "ack_policy": "explicit"}
      """
    And "c1" stores "1" on "foo"
    And "c1" sends a "$JS.API.CONSUMER.PAUSE.TEST.my_consumer" request with:
      """
      {"pause_until": "2999-01-01T00:00:00Z"}
      """
    Then the reply includes:
      """
      {"paused": true, "pause_until": "2999-01-01T00:00:00Z"}
      """
    When the leader of consumer "my_consumer" of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.my_consumer" request
    Then the reply includes:
      """
      {"paused": true, "config": {"pause_until": "2999-01-01T00:00:00Z"}, "cluster": {"leader": "C"}}
      """
    When "c1" pulls from consumer "my_consumer" of stream "TEST" with {"batch": 1, "expires": 500000000} as "f1"
    Then "f1" receives a status 408 within 2s
    When "c1" sends a "$JS.API.CONSUMER.PAUSE.TEST.my_consumer" request
    Then the reply field "paused" is false
    When "c1" pulls from consumer "my_consumer" of stream "TEST" with {"batch": 1, "expires": 2000000000} as "f2"
    Then "f2" receives the payloads "1" within 3s
    When the leader of consumer "my_consumer" of stream "TEST" is moved to server "B"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.my_consumer" request
    Then the reply has no field "paused"
    And the reply field "delivered.stream_seq" is 1

  @go:TestJetStreamClusterAckFloorBetweenLeaderAndFollowers @needs-clustered-streams @needs-clustered-consumers
  Scenario: Every replica of a consumer of a replicated interest stream ends with the same ack floor after rounds of fetches and acks
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo.*"], "retention": "interest", "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "consumer", "ack_policy": "explicit"}
      """
    And the leader of stream "TEST" is moved to server "A"
    And the leader of consumer "consumer" of stream "TEST" is moved to server "A"
    And "c1" stores 50 messages on "foo.bar"
    And "c1" pulls from consumer "consumer" of stream "TEST" with 50 as "r1"
    Then "r1" receives 50 messages within 5s
    When "c1" acks all messages on "r1"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.consumer" until the reply field "ack_floor.stream_seq" is 50 within 5s
    And "c1" stores 50 messages on "foo.bar"
    And "c1" pulls from consumer "consumer" of stream "TEST" with 50 as "r2"
    Then "r2" receives 50 messages within 5s
    When "c1" acks all messages on "r2"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.consumer" until the reply field "ack_floor.stream_seq" is 100 within 5s
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 0 within 5s
    And the leader of consumer "consumer" of stream "TEST" is moved to server "B"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.consumer" request
    Then the reply includes:
      """
      {"ack_floor": {"consumer_seq": 100, "stream_seq": 100}, "num_ack_pending": 0, "num_pending": 0, "cluster": {"leader": "B"}}
      """
    When the leader of consumer "consumer" of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.consumer" request
    Then the reply includes:
      """
      {"ack_floor": {"consumer_seq": 100, "stream_seq": 100}, "num_ack_pending": 0, "num_pending": 0, "cluster": {"leader": "C"}}
      """
    When the leader of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 0, "first_seq": 101, "last_seq": 100}}
      """

  @go:TestJetStreamClusterConsumerDeliverNewNotConsumingBeforeStepDownOrRestart @slow @needs-clustered-streams @needs-clustered-consumers
  Scenario: A deliver-new push consumer with no subscriber keeps its pending count across a step-down and a restart of every server
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dur", "deliver_subject": "d.dur", "ack_policy": "explicit", "deliver_policy": "new", "filter_subject": "foo"}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.dur" until the reply field "num_pending" is 10 within 5s
    And "c1" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.dur" request
    Then the reply field "success" is true
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.dur" until the reply field "num_pending" is 10 within 10s
    Then the reply field "delivered.stream_seq" is 0
    When the server "A" is stopped
    And the server "B" is stopped
    And the server "C" is stopped
    And the server "A" is started again
    And the server "B" is started again
    And the server "C" is started again
    Then the cluster is formed within 30s
    Given a client "c2" to server "B"
    When "c2" polls "$JS.API.CONSUMER.INFO.TEST.dur" until the reply includes within 20s:
      """
      {"num_pending": 10, "delivered": {"stream_seq": 0}}
      """
    And "c2" subscribes to "d.dur" as "push"
    Then "push" receives 10 messages within 5s
