@cluster @needs-jetstream @needs-jetstream-cluster
Feature: Replicated JetStream consumers in a cluster
  A durable consumer of a replicated stream is a RAFT group of its own, placed on the
  stream's servers with the stream's replica count unless it asks for fewer; its leader
  delivers, and what it delivered and what was acknowledged is replicated, so a new
  leader carries on where the old one stopped. An ephemeral consumer has one replica.
  These scenarios check what a client sees of it: the `cluster` part of consumer info,
  replica overrides and their refusals, leader step-down, delivery and acks across a
  leader change or the loss of the leader, redelivery, pull requests made through any
  server, push delivery, scaling, and consumer state after purges and expiry. Ported
  from server/jetstream_cluster_1..4_test.go.

  "The leader of consumer C of stream S is moved to server Y" makes Y the consumer's
  leader through a step-down preferring it (likewise for a stream), so that a scenario
  can name the leader and its followers.

  @go:TestJetStreamClusterMultiReplicaStreams @go:TestJetStreamClusterStreamLeaderStepDown @needs-clustered-streams @needs-clustered-consumers
  Scenario: A durable consumer of a three-replica stream inherits its replicas and reports its own group
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    Then the reply includes:
      """
      {"stream_name": "TEST", "name": "dlc", "num_pending": 10,
       "config": {"durable_name": "dlc", "num_replicas": 0, "max_ack_pending": 1000}, "cluster": {"name": "C1"}}
      """
    When the leader of consumer "dlc" of stream "TEST" is moved to server "B"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply includes within 10s:
      """
      {"cluster": {"name": "C1", "leader": "B", "system_account": true, "traffic_account": "$SYS",
                   "replicas": [{"name": "A", "peer": "NUmM6cRx", "current": true},
                                {"name": "C", "peer": "jZ6RvVRH", "current": true}]}}
      """
    Then the reply field "cluster.replicas" has 2 items
    And the reply field "cluster.raft_group" matches "^C-R3F-[0-9A-Za-z]{8}$"
    And the reply has field "cluster.leader_since"

  @go:TestJetStreamClusterConsumerOverrides @go:TestJetStreamClusterNegativeReplicas @needs-clustered-streams @needs-clustered-consumers
  Scenario: A consumer can ask for fewer replicas than its stream or for memory storage, never for more replicas
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.d" request with:
      """
      {"stream_name": "TEST", "config": {"durable_name": "d", "ack_policy": "explicit", "num_replicas": 5}}
      """
    Then the reply is an error with code 400, err_code 10126 and description "consumer config replica count exceeds parent stream"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.d" request with:
      """
      {"stream_name": "TEST", "config": {"durable_name": "d", "ack_policy": "explicit", "num_replicas": -1}}
      """
    Then the reply is an error with code 400, err_code 10133 and description "replicas count cannot be negative"
    When "c1" creates the consumer on "TEST":
      """
      {"durable_name": "d", "ack_policy": "explicit", "num_replicas": 1}
      """
    Then the reply field "config.num_replicas" is 1
    And the reply has field "cluster.leader"
    And the reply has no field "cluster.replicas"
    And the reply has no field "cluster.raft_group"
    When "c1" creates the consumer on "TEST":
      """
      {"durable_name": "m", "ack_policy": "explicit", "num_replicas": 3, "mem_storage": true}
      """
    Then the reply field "config.mem_storage" is true
    And the reply field "config.num_replicas" is 3
    And the reply field "cluster.raft_group" matches "^C-R3M-"
    And the reply field "cluster.replicas" has 2 items
    When "c1" sends a "$JS.API.CONSUMER.NAMES.TEST" request
    Then the reply field "consumers" is ["d", "m"]

  @go:TestJetStreamClusterEphemeralConsumersNotReplicated @go:TestJetStreamClusterEphemeralConsumerNoImmediateInterest @needs-clustered-streams @needs-clustered-consumers
  Scenario: An ephemeral consumer of a three-replica stream has a single replica and goes once inactive, with no interest needed
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "num_replicas": 3}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.TEST" request with:
      """
      {"stream_name": "TEST", "config": {"deliver_subject": "r", "inactive_threshold": 1000000000}}
      """
    Then the reply includes:
      """
      {"config": {"deliver_subject": "r", "ack_policy": "none", "inactive_threshold": 1000000000, "num_replicas": 0},
       "cluster": {"name": "C1"}}
      """
    And the reply field "cluster.leader" matches "^(A|B|C)$"
    And the reply has no field "cluster.replicas"
    And the reply has no field "error"
    When "c1" sends a "$JS.API.CONSUMER.NAMES.TEST" request
    Then the reply field "total" is 1
    When "c1" polls "$JS.API.CONSUMER.NAMES.TEST" until the reply field "total" is 0 within 10s
    Then the reply field "consumers" is []
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST" request with:
      """
      {"stream_name": "TEST", "config": {"ack_policy": "explicit"}}
      """
    Then the reply includes:
      """
      {"config": {"inactive_threshold": 5000000000, "num_replicas": 0}}
      """
    And the reply field "cluster.leader" matches "^(A|B|C)$"
    And the reply has no field "cluster.replicas"

  @go:TestJetStreamClusterStreamLeaderStepDown @go:TestJetStreamClusterConsumerLeaderChangeDeadlock @needs-clustered-streams @needs-clustered-consumers
  Scenario: A consumer leader step-down hands the leadership over, to a preferred server when named; unknown ones are refused
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "TEST", "num_replicas": 3}
      """
    And "c2" creates the consumer on "TEST":
      """
      {"durable_name": "cat", "ack_policy": "explicit"}
      """
    And the leader of consumer "cat" of stream "TEST" is moved to server "A"
    And "c2" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.cat" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.consumer_leader_stepdown_response", "success": true, "error": null}
      """
    And the leader of consumer "cat" of stream "TEST" is one of "B,C" within 5s
    When "c2" polls "$JS.API.CONSUMER.INFO.TEST.cat" until the reply includes within 10s:
      """
      {"cluster": {"replicas": [{"name": "A", "current": true}, {"current": true}]}}
      """
    And "c2" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.cat" request with:
      """
      {"placement": {"preferred": "A"}}
      """
    Then the reply field "success" is true
    And the leader of consumer "cat" of stream "TEST" is server "A" within 5s
    When "c2" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.cat" request with:
      """
      {"placement": {"preferred": "A"}}
      """
    Then the reply is an error with code 400, err_code 10005 and description 'preferred server "A" is already leader'
    When "c2" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.nope" request
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"
    When "c2" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.NOPE.cat" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"
    And the leader of consumer "cat" of stream "TEST" is server "A" for 1s

  @go:TestJetStreamClusterConsumerState @needs-clustered-streams @needs-clustered-consumers
  Scenario: A consumer's delivered and acknowledged state survives its leader stopping, and delivery resumes after it
    Given a cluster of 3 servers with JetStream
    And a client "c3" to server "C"
    When "c3" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    And "c3" stores 10 messages on "foo"
    And "c3" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit", "filter_subject": "foo"}
      """
    And the leader of consumer "dlc" of stream "TEST" is moved to server "A"
    And "c3" pulls from consumer "dlc" of stream "TEST" with 5 as "f1"
    Then "f1" receives the payloads "1, 2, 3, 4, 5" within 5s
    When "c3" acks all messages on "f1"
    And "c3" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.consumer_seq" is 5 within 5s
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 5, "stream_seq": 5}, "ack_floor": {"consumer_seq": 5, "stream_seq": 5},
       "num_ack_pending": 0, "num_pending": 5}
      """
    When the server "A" is stopped
    Then the leader of consumer "dlc" of stream "TEST" is one of "B,C" within 10s
    When "c3" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 5, "stream_seq": 5}, "ack_floor": {"consumer_seq": 5, "stream_seq": 5},
       "num_ack_pending": 0, "num_pending": 5}
      """
    When "c3" pulls from consumer "dlc" of stream "TEST" with 5 as "f2"
    Then "f2" receives the payloads "6, 7, 8, 9, 10" within 5s
    When "c3" acks all messages on "f2"
    And "c3" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.consumer_seq" is 10 within 5s
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 10, "stream_seq": 10}, "ack_floor": {"consumer_seq": 10, "stream_seq": 10},
       "num_ack_pending": 0, "num_pending": 0}
      """

  @go:TestJetStreamClusterConsumerState @go:TestJetStreamClusterPullConsumerLeaderChange @slow @needs-clustered-streams @needs-clustered-consumers
  Scenario: When a consumer leader is killed the new leader redelivers only what was not acknowledged
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c2" stores 6 messages on "foo"
    And "c2" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit", "ack_wait": 2000000000}
      """
    And the leader of consumer "dlc" of stream "TEST" is moved to server "A"
    And "c2" pulls from consumer "dlc" of stream "TEST" with 2 as "f1"
    Then "f1" receives the payloads "1, 2" within 5s
    When "c2" acks all messages on "f1"
    And "c2" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.stream_seq" is 2 within 5s
    And "c2" pulls from consumer "dlc" of stream "TEST" with 2 as "f2"
    Then "f2" receives the payloads "3, 4" within 5s
    When "c2" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "num_ack_pending" is 2 within 5s
    And the server "A" is killed
    Then the leader of consumer "dlc" of stream "TEST" is one of "B,C" within 30s
    When "c2" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 4, "stream_seq": 4}, "ack_floor": {"consumer_seq": 2, "stream_seq": 2},
       "num_ack_pending": 2, "num_pending": 2}
      """
    # The order depends on whether 3 and 4 were due again when the new leader took over:
    # Go's failover (4-9 s) always outlasts the 2 s ack wait, a faster one need not.
    When "c2" pulls from consumer "dlc" of stream "TEST" with {"batch": 4, "expires": 5000000000} as "f3"
    Then "f3" receives the payloads "3, 4, 5, 6" in any order within 8s
    When "c2" acks all messages on "f3"
    And "c2" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.stream_seq" is 6 within 5s
    Then the reply includes:
      """
      {"num_ack_pending": 0, "num_pending": 0, "num_redelivered": 0}
      """
    When the server "A" is started again
    Then the cluster is formed within 30s
    When "c2" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"name": "A", "current": true}]}}
      """
    And the leader of consumer "dlc" of stream "TEST" is moved to server "A"
    And "c2" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"ack_floor": {"stream_seq": 6}, "num_ack_pending": 0, "num_pending": 0, "cluster": {"leader": "A"}}
      """

  @go:TestJetStreamClusterPullConsumerLeaderChange @go:TestJetStreamClusterConsumerInfoList @needs-clustered-streams @needs-clustered-consumers
  Scenario: Pull requests made through servers that lead neither the stream nor the consumer are served, and every server lists the consumers' states
    Given a cluster of 3 servers with JetStream
    And a client "c3" to server "C"
    When "c3" creates the stream:
      """
      {"name": "TEST", "num_replicas": 3}
      """
    And "c3" stores 10 messages on "TEST"
    And "c3" creates the consumer on "TEST":
      """
      {"durable_name": "foo", "ack_policy": "explicit"}
      """
    And "c3" creates the consumer on "TEST":
      """
      {"durable_name": "bar", "ack_policy": "explicit"}
      """
    And "c3" creates the consumer on "TEST":
      """
      {"durable_name": "baz", "ack_policy": "explicit"}
      """
    And the leader of stream "TEST" is moved to server "A"
    And the leader of consumer "foo" of stream "TEST" is moved to server "A"
    And the leader of consumer "bar" of stream "TEST" is moved to server "B"
    And the leader of consumer "baz" of stream "TEST" is moved to server "A"
    And "c3" pulls from consumer "foo" of stream "TEST" with 2 as "foo1"
    Then "foo1" receives the payloads "1, 2" within 5s
    When "c3" acks all messages on "foo1"
    And "c3" pulls from consumer "foo" of stream "TEST" with 2 as "foo2"
    Then "foo2" receives the payloads "3, 4" within 5s
    When "c3" pulls from consumer "bar" of stream "TEST" with 2 as "bar1"
    Then "bar1" receives the payloads "1, 2" within 5s
    When "c3" pulls from consumer "baz" of stream "TEST" with 6 as "baz1"
    Then "baz1" receives the payloads "1, 2, 3, 4, 5, 6" within 5s
    When "c3" acks all messages on "baz1"
    And "c3" pulls from consumer "baz" of stream "TEST" with 2 as "baz2"
    Then "baz2" receives the payloads "7, 8" within 5s
    When "c3" polls "$JS.API.CONSUMER.INFO.TEST.baz" until the reply field "ack_floor.consumer_seq" is 6 within 5s
    And "c3" polls "$JS.API.CONSUMER.INFO.TEST.foo" until the reply field "ack_floor.consumer_seq" is 2 within 5s
    Given a client "c2" to server "B"
    When "c2" sends a "$JS.API.CONSUMER.LIST.TEST" request
    Then the reply field "total" is 3
    And the reply list "consumers" entry with "name" equal to "foo" has "delivered.consumer_seq" equal to "4"
    And the reply list "consumers" entry with "name" equal to "foo" has "ack_floor.consumer_seq" equal to "2"
    And the reply list "consumers" entry with "name" equal to "bar" has "delivered.consumer_seq" equal to "2"
    And the reply list "consumers" entry with "name" equal to "bar" has "ack_floor.consumer_seq" equal to "0"
    And the reply list "consumers" entry with "name" equal to "baz" has "delivered.consumer_seq" equal to "8"
    And the reply list "consumers" entry with "name" equal to "baz" has "ack_floor.consumer_seq" equal to "6"
    And the reply list "consumers" entry with "name" equal to "baz" has "num_ack_pending" equal to "2"
    When "c2" sends a "$JS.API.CONSUMER.NAMES.TEST" request
    Then the reply field "consumers" is ["bar", "baz", "foo"]

  @go:TestJetStreamClusterFullConsumerState @needs-clustered-streams @needs-clustered-consumers
  Scenario: Purging a stream under a replicated consumer moves its floors past the purge and drops what was pending
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit", "filter_subject": "foo"}
      """
    And "c1" pulls from consumer "dlc" of stream "TEST" with 1 as "f1"
    Then "f1" receives the payloads "1" within 5s
    When "c1" sends a "$JS.API.STREAM.PURGE.TEST" request
    Then the reply field "purged" is 10
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "num_ack_pending" is 0 within 5s
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 1, "stream_seq": 10}, "ack_floor": {"consumer_seq": 1, "stream_seq": 10},
       "num_pending": 0}
      """
    When "c1" stores "after" on "foo"
    And "c1" pulls from consumer "dlc" of stream "TEST" with 1 as "f2"
    Then "f2" receives the payloads "after" within 5s
    When "c1" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 2, "stream_seq": 11}, "num_ack_pending": 1}
      """

  @go:TestJetStreamClusterConsumerRedeliveredInfo @needs-clustered-streams @needs-clustered-consumers
  Scenario: An unacknowledged push delivery is redelivered with a higher count and counted as redelivered
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "num_replicas": 3}
      """
    And "c1" stores "CI" on "TEST"
    And "c1" subscribes to "R" as "push"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "rd", "deliver_subject": "R", "ack_policy": "explicit", "ack_wait": 100000000}
      """
    Then "push" receives "CI" on "TEST" within 2s
    And the last message on "push" has reply matching "^\$JS\.ACK\.TEST\.rd\.1\.1\.1\."
    And "push" receives "CI" on "TEST" within 2s
    And the last message on "push" has reply matching "^\$JS\.ACK\.TEST\.rd\.2\.1\.2\."
    When "c1" unsubscribes "push"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.rd" request
    Then the reply field "num_redelivered" is 1
    And the reply field "num_ack_pending" is 1
    And the reply field "delivered.stream_seq" is 1

  @go:TestJetStreamClusterAckPendingWithExpired @needs-clustered-streams @needs-clustered-consumers
  Scenario: Messages that expire from a replicated stream stop counting as pending acks
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3, "max_age": 1000000000}
      """
    And "c1" subscribes to "d.push" as "push"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "p", "deliver_subject": "d.push", "ack_policy": "explicit"}
      """
    And "c1" stores 20 messages of 256 bytes on "foo"
    Then "push" receives 20 messages within 5s
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.p" until the reply field "delivered.stream_seq" is 20 within 5s
    Then the reply field "num_ack_pending" is 20
    When "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 0 within 10s
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.p" until the reply field "num_ack_pending" is 0 within 5s
    Then the reply includes:
      """
      {"delivered": {"stream_seq": 20}, "ack_floor": {"stream_seq": 20}, "num_redelivered": 0}
      """

  @go:TestJetStreamClusterStreamLeaderStepDown @go:TestJetStreamClusterPushConsumerQueueGroup @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated push consumer delivers to a subscriber on another server before and after a leader change, never redelivering acked messages
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c3" subscribes to "d.out" as "push"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "p", "deliver_subject": "d.out", "ack_policy": "explicit", "ack_wait": 2000000000}
      """
    And the leader of consumer "p" of stream "TEST" is moved to server "A"
    And "c1" stores "one" on "foo"
    And "c1" stores "two" on "foo"
    Then "push" receives the payloads "one, two" within 5s
    When "c3" acks all messages on "push"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.p" until the reply field "ack_floor.stream_seq" is 2 within 5s
    And "c1" sends a "$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.p" request
    Then the reply field "success" is true
    And the leader of consumer "p" of stream "TEST" is one of "B,C" within 5s
    When "c1" stores "three" on "foo"
    Then "push" receives the payloads "three" within 5s
    When "c3" acks the last message on "push" and waits for the confirmation
    Then "push" receives no message within 2500ms
    When "c1" sends a "$JS.API.CONSUMER.INFO.TEST.p" request
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 3, "stream_seq": 3}, "ack_floor": {"consumer_seq": 3, "stream_seq": 3},
       "num_ack_pending": 0, "num_redelivered": 0}
      """

  @go:TestJetStreamClusterScaleConsumer @go:TestJetStreamClusterStreamAndConsumerScaleUpAndDown @needs-clustered-streams @needs-clustered-consumers
  Scenario: A durable consumer scaled down to one replica and back keeps its state and keeps delivering
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "DUR", "ack_policy": "explicit"}
      """
    And "c1" pulls from consumer "DUR" of stream "TEST" with 1 as "f1"
    Then "f1" receives the payloads "1" within 5s
    When "c1" acks the last message on "f1" and waits for the confirmation
    And "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.DUR" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "DUR", "ack_policy": "explicit", "num_replicas": 1}}
      """
    Then the reply field "config.num_replicas" is 1
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.DUR" until the reply includes within 10s:
      """
      {"config": {"num_replicas": 1}, "cluster": {"replicas": null}, "ack_floor": {"stream_seq": 1}}
      """
    Then the reply has field "cluster.leader"
    When "c1" pulls from consumer "DUR" of stream "TEST" with 1 as "f2"
    Then "f2" receives the payloads "2" within 5s
    When "c1" acks the last message on "f2" and waits for the confirmation
    And "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.DUR" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "DUR", "ack_policy": "explicit", "num_replicas": 0}}
      """
    Then the reply field "config.num_replicas" is 0
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.DUR" until the reply includes within 15s:
      """
      {"cluster": {"replicas": [{"current": true}, {"current": true}]}, "ack_floor": {"stream_seq": 2}}
      """
    Then the reply has field "cluster.leader"
    When "c1" pulls from consumer "DUR" of stream "TEST" with 1 as "f3"
    Then "f3" receives the payloads "3" within 5s
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.NEW" request with:
      """
      {"stream_name": "TEST", "action": "update", "config": {"durable_name": "NEW", "ack_policy": "explicit"}}
      """
    Then the reply is an error with code 400, err_code 10149 and description "consumer does not exist"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.DUR" request with:
      """
      {"stream_name": "TEST", "action": "create", "config": {"durable_name": "DUR", "ack_policy": "explicit", "num_replicas": 1}}
      """
    Then the reply is an error with code 400, err_code 10148 and description "consumer already exists"

  @go:TestJetStreamClusterWorkQueueRetention @needs-clustered-streams @needs-clustered-consumers
  Scenario: Acknowledged messages leave a replicated work queue stream on every replica
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "FOO", "subjects": ["foo.*"], "num_replicas": 3, "retention": "workqueue"}
      """
    And "c1" creates the consumer on "FOO":
      """
      {"durable_name": "test", "ack_policy": "explicit", "filter_subject": "foo.test"}
      """
    And "c1" stores 3 messages on "foo.test"
    And "c1" sends a "$JS.API.STREAM.INFO.FOO" request
    Then the reply field "state.messages" is 3
    When "c1" pulls from consumer "test" of stream "FOO" with 3 as "f"
    Then "f" receives the payloads "1, 2, 3" within 5s
    When "c1" acks all messages on "f"
    And "c1" polls "$JS.API.STREAM.INFO.FOO" until the reply field "state.messages" is 0 within 5s
    Then the reply field "state.first_seq" is 4
    When the leader of stream "FOO" is moved to server "B"
    And "c1" sends a "$JS.API.STREAM.INFO.FOO" request
    Then the reply includes:
      """
      {"state": {"messages": 0, "first_seq": 4, "last_seq": 3}, "cluster": {"leader": "B"}}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.FOO.other" request with:
      """
      {"stream_name": "FOO", "config": {"durable_name": "other", "ack_policy": "explicit", "filter_subject": "foo.test"}}
      """
    Then the reply is an error with code 400, err_code 10100 and description "filtered consumer not unique on workqueue stream"
