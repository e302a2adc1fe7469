@cluster @needs-jetstream @needs-jetstream-cluster
Feature: A replica catches up from its leader's snapshot
  Each replica of a replicated stream snapshots its RAFT group now and then (and a new
  leader does at once) and drops its log up to there. A replica that was away for
  longer than the log reaches back then gets the leader's snapshot (the stream's state
  in a binary form) and asks the leader over `$JSC.SYNC` for the messages it lacks,
  which the leader sends with flow control. These scenarios check what a client sees
  of it: the replica ends with the leader's exact state (messages, sequences and the
  deleted ones) and serves it as the leader. Ported from
  server/jetstream_cluster_1..4_test.go.

  Nodes are named A, B, C...; "the leader of stream X is moved to server Y" steps the
  leader down preferring Y.

  @go:TestJetStreamClusterStreamSnapshotCatchup @go:TestJetStreamClusterStreamCatchupNoState @needs-clustered-streams
  Scenario: A replica that was away while two new leaders compacted their logs catches up from a snapshot
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 10 messages on "foo"
    And the server "C" is stopped
    And "c1" stores 100 messages on "foo"
    And "c1" deletes the sequences 51 to 60 of stream "TEST"
    And "c1" deletes the sequences 70 to 70 of stream "TEST"
    And the leader of stream "TEST" is moved to server "B"
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 5 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request with:
      """
      {"deleted_details": true}
      """
    Then the reply includes:
      """
      {"state": {"messages": 104, "first_seq": 1, "last_seq": 115, "num_deleted": 11}}
      """
    And the value of the reply field "state" is saved as "leader state"
    When the server "C" is started again
    Then the cluster is formed within 30s
    When the leader of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request with:
      """
      {"deleted_details": true}
      """
    Then the reply field "cluster.leader" is "C"
    And the reply field "state" equals the saved "leader state"
    When "c1" stores 1 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 105, "last_seq": 116}, "cluster": {"leader": "C"}}
      """

  @go:TestJetStreamClusterConsumerState @needs-clustered-streams @needs-clustered-consumers
  Scenario: A consumer replica that was away while its leader delivered, acked and compacted takes over with the acked state
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit", "ack_wait": 30000000000}
      """
    And the leader of consumer "dlc" of stream "TEST" is moved to server "A"
    And the server "C" is stopped
    And "c1" pulls from consumer "dlc" of stream "TEST" with 6 as "f1"
    Then "f1" receives the payloads "1, 2, 3, 4, 5, 6" within 5s
    When "c1" acks all messages on "f1"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.stream_seq" is 6 within 5s
    And "c1" pulls from consumer "dlc" of stream "TEST" with 2 as "f2"
    Then "f2" receives the payloads "7, 8" within 5s
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "num_ack_pending" is 2 within 5s
    And the leader of consumer "dlc" of stream "TEST" is moved to server "B"
    And the leader of consumer "dlc" of stream "TEST" is moved to server "A"
    And the server "C" is started again
    Then the cluster is formed within 30s
    When the leader of consumer "dlc" of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.CONSUMER.INFO.TEST.dlc" request
    Then the reply includes:
      """
      {"delivered": {"consumer_seq": 8, "stream_seq": 8}, "ack_floor": {"consumer_seq": 6, "stream_seq": 6},
       "num_ack_pending": 2, "num_pending": 2, "cluster": {"leader": "C"}}
      """
    When "c1" pulls from consumer "dlc" of stream "TEST" with 2 as "f3"
    Then "f3" receives the payloads "9, 10" within 5s

  @go:TestJetStreamClusterStreamCatchupNoState @needs-clustered-streams
  Scenario: A replica whose message blocks were lost while it was down gets every message back from its group
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 50 messages on "foo"
    And the leader of stream "TEST" is moved to server "C"
    And the leader of stream "TEST" is moved to server "A"
    And the server "C" is stopped
    And the store file "jetstream/$G/streams/TEST/msgs/1.blk" of the server "C" is truncated to 0 bytes
    And the store file "jetstream/$G/streams/TEST/msgs/index.db" of the server "C" is deleted
    And "c1" stores 5 messages on "foo"
    And the server "C" is started again
    Then the cluster is formed within 30s
    When the leader of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 55, "first_seq": 1, "last_seq": 55}, "cluster": {"leader": "C"}}
      """
    When "c1" sends a "$JS.API.STREAM.MSG.GET.TEST" request with:
      """
      {"seq": 7}
      """
    Then the reply field "message.seq" is 7
