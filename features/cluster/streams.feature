@cluster @needs-jetstream @needs-jetstream-cluster
Feature: Replicated JetStream streams in a cluster
  A stream with num_replicas N lives on N servers of the cluster as one RAFT group: its
  leader answers the stream API and stores what is published, the other replicas follow
  and take over when the leader steps down or dies. These scenarios check what a client
  sees of it: placement and its refusals, the `cluster` part of stream info (name,
  leader, replicas and whether they are current), leader step-down (plain and with a
  preferred server), catch-up of a replica that was away, scaling up and down, peer
  removal, updates, purges, deletes, dedupe and expected-sequence headers across a
  leader change, and mirrors and sources of replicated streams. Ported from
  server/jetstream_cluster_1..4_test.go.

  "The leader of stream X is moved to server Y" makes Y the stream's leader through a
  step-down preferring it, so that a scenario can name the leader and its followers.
  Nodes are named A, B, C...; their peer ids derive from their names: A is NUmM6cRx,
  B is b2oh2L6w, C is jZ6RvVRH.

  @go:TestJetStreamClusterMultiReplicaStreams @go:TestJetStreamClusterStreamLeaderStepDown @needs-clustered-streams
  Scenario: A three-replica stream reports its cluster: the group, the leader and two current replicas
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    Then the reply field "config.num_replicas" is 3
    And the reply field "cluster.name" is "C1"
    When the leader of stream "TEST" is moved to server "A"
    And "c2" stores 10 messages on "foo"
    And "c2" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 10s:
      """
      {"state": {"messages": 10, "first_seq": 1, "last_seq": 10},
       "cluster": {"name": "C1", "leader": "A", "system_account": true, "traffic_account": "$SYS",
                   "replicas": [{"name": "B", "peer": "b2oh2L6w", "current": true},
                                {"name": "C", "peer": "jZ6RvVRH", "current": true}]}}
      """
    Then the reply field "cluster.replicas" has 2 items
    And the reply field "cluster.raft_group" matches "^S-R3F-[0-9A-Za-z]{8}$"
    And the reply has field "cluster.leader_since"

  @go:TestJetStreamClusterSingleReplicaStreams @needs-clustered-streams @needs-clustered-consumers
  Scenario: A one-replica stream has a leader but no replicas, is offline while its server is down, and comes back with it
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "placement": {"tags": ["node:b"]}}
      """
    Then the reply includes:
      """
      {"config": {"num_replicas": 1}, "cluster": {"name": "C1", "leader": "B"}}
      """
    And the reply has no field "cluster.replicas"
    When "c1" stores 10 messages on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    Then the reply includes:
      """
      {"num_pending": 10, "cluster": {"leader": "B"}}
      """
    When the server "B" is stopped
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "error.err_code" is 10118 within 10s
    Then the reply is an error with code 500, err_code 10118 and description "stream is offline"
    And a request from "c1" on "foo" fails with no responders
    When "c1" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "streams" contains "TEST"
    When the server "B" is started again
    Then the cluster is formed within 30s
    When "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 10 within 10s
    Then the reply field "cluster.leader" is "B"
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "num_pending" is 10 within 10s
    Then the reply field "cluster.leader" is "B"

  @go:TestJetStreamClusterMultiReplicaStreams @go:TestJetStreamClusterNegativeReplicas @needs-clustered-streams
  Scenario: More replicas than servers, a negative count or more than five are refused; zero replicas means one
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" sends a "$JS.API.STREAM.CREATE.R5" request with:
      """
      {"name": "R5", "num_replicas": 5}
      """
    Then the reply is an error with code 400, err_code 10005 and description "no suitable peers for placement"
    When "c1" sends a "$JS.API.STREAM.CREATE.BIG" request with:
      """
      {"name": "BIG", "num_replicas": 3, "max_bytes": 1000000000000000}
      """
    Then the reply is an error with code 400, err_code 10005 and description "no suitable peers for placement, insufficient storage"
    When "c1" sends a "$JS.API.STREAM.CREATE.NEG" request with:
      """
      {"name": "NEG", "num_replicas": -1}
      """
    Then the reply is an error with code 400, err_code 10133 and description "replicas count cannot be negative"
    When "c1" sends a "$JS.API.STREAM.CREATE.R6" request with:
      """
      {"name": "R6", "num_replicas": 6}
      """
    Then the reply is an error with code 500, err_code 10052 and description "maximum replicas is 5"
    When "c1" sends a "$JS.API.STREAM.CREATE.R0" request with:
      """
      {"name": "R0", "num_replicas": 0}
      """
    Then the reply field "config.num_replicas" is 1
    And the reply has field "cluster.leader"
    And the reply has no field "cluster.replicas"
    When "c1" sends a "$JS.API.STREAM.UPDATE.R0" request with:
      """
      {"name": "R0", "num_replicas": -11}
      """
    Then the reply is an error with code 400, err_code 10133 and description "replicas count cannot be negative"
    When "c1" sends a "$JS.API.STREAM.UPDATE.R0" request with:
      """
      {"name": "R0", "num_replicas": 5}
      """
    Then the reply is an error with code 400, err_code 10005 and description "no suitable peers for placement"
    When "c1" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "total" is 1
    And the reply field "streams" contains "R0"

  @go:TestJetStreamClusterDoubleAdd @needs-clustered-streams @needs-clustered-consumers
  Scenario: Creating the same replicated stream or consumer twice succeeds; with another config it is refused
    Given a cluster of 2 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "num_replicas": 2}
      """
    And "c1" creates the stream:
      """
      {"name": "TEST", "num_replicas": 2}
      """
    Then the reply field "config.num_replicas" is 2
    When "c1" sends a "$JS.API.STREAM.CREATE.TEST" request with:
      """
      {"name": "TEST", "num_replicas": 1}
      """
    Then the reply is an error with code 400, err_code 10058 and description "stream name already in use with a different configuration"
    When "c1" sends a "$JS.API.STREAM.CREATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["other"], "num_replicas": 2}
      """
    Then the reply is an error with code 400, err_code 10058 and description "stream name already in use with a different configuration"
    When "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    Then the reply field "name" is "dlc"
    And the reply field "config.max_ack_pending" is 1000
    When "c1" sends a "$JS.API.CONSUMER.CREATE.TEST.dlc" request with:
      """
      {"stream_name": "TEST", "config": {"durable_name": "dlc", "ack_policy": "all"}}
      """
    Then the reply is an error with code 500, err_code 10012 and description "ack policy can not be updated"
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply field "state.consumer_count" is 1
    And the reply field "config.num_replicas" is 2

  @go:TestJetStreamClusterMemoryStore @needs-clustered-streams
  Scenario: A three-replica memory stream stores and delivers every message, and says which sequence it lacks
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3, "storage": "memory"}
      """
    And "c1" stores 100 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"config": {"storage": "memory", "num_replicas": 3}, "state": {"messages": 100, "last_seq": 100}}
      """
    And the reply field "cluster.replicas" has 2 items
    And the reply field "cluster.raft_group" matches "^S-R3M-"
    When "c1" subscribes to "deliver.all" as "push"
    And "c1" sends a "$JS.API.CONSUMER.CREATE.TEST" request with:
      """
      {"stream_name": "TEST", "config": {"deliver_subject": "deliver.all", "ack_policy": "none"}}
      """
    Then the reply has no field "error"
    And "push" receives 100 messages within 5s
    And the last message on "push" has payload "100"
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 1}
      """
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 1}
      """
    Then the reply is an error with code 400, err_code 10043 and description "sequence 1 not found"
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 400}
      """
    Then the reply is an error with code 400, err_code 10043 and description "sequence 400 not found"

  @go:TestJetStreamClusterDelete @needs-clustered-streams @needs-clustered-consumers
  Scenario: Deleting a replicated consumer and then its stream leaves the account without streams
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "C22", "subjects": ["foo", "bar", "baz"], "num_replicas": 2, "storage": "file", "max_msgs": 100}
      """
    And "c1" creates the consumer on "C22":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    And "c1" sends a "$JS.API.CONSUMER.DELETE.C22.dlc" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.consumer_delete_response", "success": true}
      """
    When "c1" sends a "$JS.API.CONSUMER.DELETE.C22.dlc" request
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"
    When "c1" sends a "$JS.API.STREAM.DELETE.C22" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_delete_response", "success": true}
      """
    When "c1" polls "$JS.API.INFO" until the reply field "streams" is 0 within 5s
    Then the reply field "consumers" is 0
    When "c1" sends a "$JS.API.STREAM.INFO.C22" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"
    When "c1" sends a "$JS.API.STREAM.DELETE.C22" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"
    And a request from "c1" on "foo" fails with no responders

  @go:TestJetStreamClusterStreamPurge @needs-clustered-streams
  Scenario: A purge of a replicated stream is applied on every replica
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 100 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.PURGE.TEST" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_purge_response", "success": true, "purged": 100}
      """
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 0, "first_seq": 101, "last_seq": 100}}
      """
    When the leader of stream "TEST" is moved to server "B"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 0, "first_seq": 101, "last_seq": 100}, "cluster": {"leader": "B"}}
      """
    When "c1" stores "after" on "bar"
    Then the reply field "seq" is 101

  @go:TestJetStreamClusterDeleteMsg @go:TestJetStreamClusterStreamInfoDeletedDetails @needs-clustered-streams
  Scenario: Deleting messages of a one-replica stream in a cluster shows in its state, with details on request
    Given a cluster of 2 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 1}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 2}
      """
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_msg_delete_response", "success": true}
      """
    When "c1" deletes the sequences 4 to 4 of stream "TEST"
    And "c1" deletes the sequences 6 to 6 of stream "TEST"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 40}
      """
    Then the reply is an error with code 500, err_code 10057 and description "stream store EOF"
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 7, "first_seq": 1, "last_seq": 10, "num_deleted": 3, "deleted": null}}
      """
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request with:
      """
      {"deleted_details": true}
      """
    Then the reply includes:
      """
      {"state": {"messages": 7, "num_deleted": 3, "deleted": [2, 4, 6]}}
      """
    When "c1" sends a "$JS.API.STREAM.PURGE.TEST" request
    Then the reply includes:
      """
      {"success": true, "purged": 7}
      """

  @go:TestJetStreamClusterDeleteMsg @go:TestJetStreamClusterDeleteMsgAndRestart @needs-clustered-streams
  Scenario: A message deleted from a three-replica stream stays deleted on every replica, after a full restart too
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" stores 10 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 1}
      """
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 1}
      """
    Then the reply is an error with code 500, err_code 10057 and description "no message found"
    When the server "A" is stopped
    And the server "B" is stopped
    And the server "C" is stopped
    And the server "A" is started again
    And the server "B" is started again
    And the server "C" is started again
    Then the cluster is formed within 30s
    Given a client "c2" to server "B"
    When "c2" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 9 within 20s
    Then the reply field "state.first_seq" is 2
    When the leader of stream "TEST" is moved to server "A"
    And "c2" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 9, "first_seq": 2, "last_seq": 10}, "cluster": {"leader": "A"}}
      """
    When the leader of stream "TEST" is moved to server "C"
    And "c2" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 9, "first_seq": 2, "last_seq": 10}, "cluster": {"leader": "C"}}
      """

  @go:TestJetStreamClusterStreamLeaderStepDown @needs-clustered-streams
  Scenario: A stream leader step-down hands the leadership to a current replica, and the stream keeps working
    Given a cluster of 3 servers with JetStream
    And a client "c3" to server "C"
    When "c3" creates the stream:
      """
      {"name": "TEST", "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c3" stores 10 messages on "TEST"
    And "c3" sends a "$JS.API.STREAM.LEADER.STEPDOWN.TEST" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_leader_stepdown_response", "success": true, "error": null}
      """
    And the leader of stream "TEST" is one of "B,C" within 5s
    When "c3" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 10s:
      """
      {"state": {"messages": 10}, "cluster": {"replicas": [{"name": "A", "current": true}, {"current": true}]}}
      """
    Then the reply field "cluster.replicas" has 2 items
    When "c3" stores "11" on "TEST"
    Then the reply field "seq" is 11

  @go:TestJetStreamClusterStreamLeaderStepDown @go:TestJetStreamClusterLeaderStepdown @needs-clustered-streams
  Scenario: A stream step-down to a preferred server moves the leadership there; unknown streams and servers are refused
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" sends a "$JS.API.STREAM.LEADER.STEPDOWN.TEST" request with:
      """
      {"placement": {"preferred": "C"}}
      """
    Then the reply field "success" is true
    And the leader of stream "TEST" is server "C" within 5s
    When "c1" sends a "$JS.API.STREAM.LEADER.STEPDOWN.TEST" request with:
      """
      {"placement": {"preferred": "C"}}
      """
    Then the reply is an error with code 400, err_code 10005 and description 'preferred server "C" is already leader'
    When "c1" sends a "$JS.API.STREAM.LEADER.STEPDOWN.TEST" request with:
      """
      {"placement": {"preferred": "ZZ"}}
      """
    Then the reply is an error with code 400, err_code 10005 and description 'preferred server "ZZ" not known'
    And the leader of stream "TEST" is server "C" for 1s
    When "c1" sends a "$JS.API.STREAM.LEADER.STEPDOWN.NOPE" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_leader_stepdown_response"

  @go:TestJetStreamClusterStreamLeaderStepDown @go:TestJetStreamClusterSingleReplicaStreams @needs-clustered-streams
  Scenario: A step-down of a one-replica stream answers success and leaves its only server leading
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "R1", "num_replicas": 1, "placement": {"tags": ["node:b"]}}
      """
    And "c1" sends a "$JS.API.STREAM.LEADER.STEPDOWN.R1" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_leader_stepdown_response", "success": true, "error": null}
      """
    And the leader of stream "R1" is server "B" for 1s

  @go:TestJetStreamClusterStreamNormalCatchup @needs-clustered-streams
  Scenario: A stream leader that was stopped catches up on what was stored and deleted meanwhile
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c2" stores 10 messages on "foo"
    And the server "A" is stopped
    Then the leader of stream "TEST" is one of "B,C" within 10s
    When "c2" stores 10 messages on "foo"
    Then the reply field "seq" is 20
    When "c2" sends a "$JS.API.STREAM.MSG.DELETE.TEST" request with:
      """
      {"seq": 10}
      """
    Then the reply field "success" is true
    When the server "A" is started again
    Then the cluster is formed within 30s
    When the leader of stream "TEST" is moved to server "A"
    And "c2" sends a "$JS.API.STREAM.INFO.TEST" request with:
      """
      {"deleted_details": true}
      """
    Then the reply includes:
      """
      {"state": {"messages": 19, "first_seq": 1, "last_seq": 20, "num_deleted": 1, "deleted": [10]},
       "cluster": {"leader": "A"}}
      """

  @go:TestJetStreamClusterStreamSnapshotCatchup @go:TestJetStreamClusterStreamSnapshotCatchupWithPurge @needs-clustered-streams
  Scenario: A replica that was away through many stores, deletes and a purge ends with the leader's exact state
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 2 messages on "foo"
    And the server "C" is stopped
    And "c1" stores 100 messages on "foo"
    And "c1" deletes the sequences 51 to 52 of stream "TEST"
    And "c1" sends a "$JS.API.STREAM.PURGE.TEST" request with:
      """
      {"seq": 20}
      """
    Then the reply field "purged" is 19
    When "c1" deletes the sequences 100 to 100 of stream "TEST"
    And "c1" stores 100 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request with:
      """
      {"deleted_details": true}
      """
    Then the reply includes:
      """
      {"state": {"messages": 180, "first_seq": 20, "last_seq": 202, "num_deleted": 3, "deleted": [51, 52, 100]}}
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

  @go:TestJetStreamClusterStreamUpdate @needs-clustered-streams
  Scenario: A replicated stream's limits are updated through a server that does not lead it, with one reply per request
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3, "max_msgs": 10, "discard": "new"}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 10 messages on "foo"
    And "c1" publishes "fail" to "foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages exceeded"
    Given a client "c3" to server "C"
    When "c3" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3, "max_msgs": 20, "discard": "new"}
      """
    Then the reply field "config.max_msgs" is 20
    When "c3" stores "11" on "foo"
    Then the reply field "seq" is 11
    When "c3" subscribes to "_R.update" as "r"
    And "c3" publishes '{"name": "TEST22", "subjects": ["foo"], "num_replicas": 3}' to "$JS.API.STREAM.UPDATE.TEST" with reply "_R.update"
    Then "r" receives 1 messages within 2s
    And "r" receives no message within 500ms
    And the last message on "r" is JSON including:
      """
      {"type": "io.nats.jetstream.api.v1.stream_update_response", "config": null,
       "error": {"code": 400, "err_code": 10056, "description": "stream name in subject does not match request"}}
      """
    When "c3" sends a "$JS.API.STREAM.UPDATE.NOPE" request with:
      """
      {"name": "NOPE", "subjects": ["nope"], "num_replicas": 3}
      """
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamClusterStreamUpdateSubjects @go:TestJetStreamClusterBadStreamUpdate @needs-clustered-streams
  Scenario: A replicated stream's subjects are updated everywhere; an invalid update keeps the old ones
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3}
      """
    And "c1" stores 5 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo..bar"], "num_replicas": 3}
      """
    Then the reply is an error with code 500, err_code 10052 and description "invalid subject"
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"config": {"subjects": ["foo", "bar"]}, "state": {"messages": 5}}
      """
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["bar", "baz"], "num_replicas": 3}
      """
    Then the reply field "config.subjects" is ["bar", "baz"]
    And a request from "c1" on "foo" fails with no responders
    Given a client "c3" to server "C"
    When "c3" stores "b" on "baz"
    Then the reply field "seq" is 6
    And a request from "c3" on "foo" fails with no responders

  @go:TestJetStreamClusterStreamExtendedUpdates @needs-clustered-streams
  Scenario: A replicated stream cannot gain a mirror or change its storage, and a mirror's origin cannot change
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["bar", "baz"], "num_replicas": 3}
      """
    Then the reply field "config.subjects" is ["bar", "baz"]
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "mirror": {"name": "ORDERS"}, "num_replicas": 3}
      """
    Then the reply is an error with code 400, err_code 10055 and description "stream mirror configuration can not be updated"
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["bar", "baz"], "num_replicas": 3, "storage": "memory"}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not change storage type"
    When "c1" creates the stream:
      """
      {"name": "M", "mirror": {"name": "TEST"}, "num_replicas": 3}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.M" request with:
      """
      {"name": "M", "mirror": {"name": "OTHER"}, "num_replicas": 3}
      """
    Then the reply is an error with code 400, err_code 10055 and description "stream mirror configuration can not be updated"
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "mirror": {"name": "M"}, "num_replicas": 3}
      """
    Then the reply is an error with code 500, err_code 10052 and description "detected cycle"

  @go:TestJetStreamClusterStreamReplicaUpdates @go:TestJetStreamClusterStreamAndConsumerScaleUpAndDown @needs-clustered-streams
  Scenario: A stream scaled from one replica to three, five, three and back to one keeps its leader and its messages
    Given a cluster of 5 servers with JetStream
    And a client "c1" to server "E"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 1}
      """
    And "c1" stores 100 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply has no field "cluster.replicas"
    And the value of the reply field "cluster.leader" is saved as "leader"
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    Then the reply field "config.num_replicas" is 3
    When "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 15s:
      """
      {"state": {"messages": 100}, "cluster": {"replicas": [{"current": true}, {"current": true}]}}
      """
    Then the reply field "cluster.replicas" has 2 items
    And the reply field "cluster.leader" equals the saved "leader"
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 5}
      """
    Then the reply field "config.num_replicas" is 5
    When "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 15s:
      """
      {"state": {"messages": 100},
       "cluster": {"replicas": [{"current": true}, {"current": true}, {"current": true}, {"current": true}]}}
      """
    Then the reply field "cluster.leader" equals the saved "leader"
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "cluster.replicas" has 2 items within 15s
    Then the reply field "cluster.leader" equals the saved "leader"
    And the reply field "state.messages" is 100
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 1}
      """
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "config.num_replicas" is 1 within 15s
    Then the reply field "cluster.leader" equals the saved "leader"
    And the reply field "state.messages" is 100
    When "c1" stores "more" on "foo"
    Then the reply field "seq" is 101

  @go:TestJetStreamClusterStreamPeerRemoveNoReplacementIsRejected @go:TestJetStreamClusterPeerRemovalAPI @needs-clustered-streams
  Scenario: Removing a peer of a stream that has nowhere else to go, or a server that is not its peer, is refused
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" sends a "$JS.API.STREAM.PEER.REMOVE.TEST" request with:
      """
      {"peer": "B"}
      """
    Then the reply is an error with code 503, err_code 10075 and description "peer remap failed"
    And the reply field "type" is "io.nats.jetstream.api.v1.stream_remove_peer_response"
    When "c1" sends a "$JS.API.STREAM.PEER.REMOVE.TEST" request with:
      """
      {"peer": "ZZ"}
      """
    Then the reply is an error with code 400, err_code 10040 and description "peer not a member"
    When "c1" sends a "$JS.API.STREAM.PEER.REMOVE.TEST" request
    Then the reply is an error with code 400, err_code 10003 and description "bad request"
    When "c1" sends a "$JS.API.STREAM.PEER.REMOVE.NOPE" request with:
      """
      {"peer": "B"}
      """
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"
    When "c1" stores "still" on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 1}, "cluster": {"leader": "A", "replicas": [{"name": "B"}, {"name": "C"}]}}
      """

  @go:TestJetStreamClusterPeerRemovalAndStreamReassignment @go:TestJetStreamClusterPeerRemovalAPI @needs-clustered-streams
  Scenario: A removed stream peer is replaced by a server that joined later, which catches up on every message
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" stores 20 messages on "foo"
    Given a server "D" joins the cluster through "A"
    Then the monitoring endpoint "/jsz" of server "A" includes within 10s:
      """
      {"meta_cluster": {"cluster_size": 4, "replicas": [{"name": "D", "current": true}]}}
      """
    When "c1" sends a "$JS.API.STREAM.PEER.REMOVE.TEST" request with:
      """
      {"peer": "B"}
      """
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_remove_peer_response", "success": true, "error": null}
      """
    When "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 15s:
      """
      {"state": {"messages": 20},
       "cluster": {"leader": "A", "replicas": [{"name": "C", "current": true}, {"name": "D", "current": true}]}}
      """
    Then the reply list "cluster.replicas" has no entry with "name" equal to "B"
    And the reply field "cluster.replicas" has 2 items
    When the leader of stream "TEST" is moved to server "D"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 20, "last_seq": 20}, "cluster": {"leader": "D"}}
      """

  @go:TestJetStreamClusterStreamInfoList @go:TestJetStreamClusterListFilter @needs-clustered-streams
  Scenario: Stream names and lists in a cluster cover streams of every replica count, through any server, with a subject filter
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "ONE", "subjects": ["one.>"], "num_replicas": 1}
      """
    And "c1" creates the stream:
      """
      {"name": "TWO", "subjects": ["two.>"], "num_replicas": 2}
      """
    And "c1" creates the stream:
      """
      {"name": "THREE", "subjects": ["three.>"], "num_replicas": 3}
      """
    And "c1" stores 10 messages on "one.x"
    And "c1" stores 22 messages on "two.x"
    And "c1" stores 33 messages on "three.x"
    And "c3" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "total" is 3
    And the reply field "streams" is ["ONE", "THREE", "TWO"]
    When "c3" sends a "$JS.API.STREAM.NAMES" request with:
      """
      {"subject": "two.x"}
      """
    Then the reply field "streams" is ["TWO"]
    When "c3" sends a "$JS.API.STREAM.LIST" request
    Then the reply field "total" is 3
    And the reply list "streams" entry with "config.name" equal to "ONE" has "state.messages" equal to "10"
    And the reply list "streams" entry with "config.name" equal to "TWO" has "state.messages" equal to "22"
    And the reply list "streams" entry with "config.name" equal to "THREE" has "state.messages" equal to "33"
    And the reply list "streams" entry with "config.name" equal to "TWO" has "config.num_replicas" equal to "2"
    When "c3" sends a "$JS.API.STREAM.LIST" request with:
      """
      {"subject": "three.>"}
      """
    Then the reply field "total" is 1
    And the reply list "streams" has an entry with "config.name" equal to "THREE"

  @go:TestJetStreamClusterMsgIdDuplicateBug @go:TestJetStreamClusterDuplicateMsgIdsOnCatchupAndLeaderTakeover @needs-clustered-streams
  Scenario: Duplicate message ids and expected-sequence headers are honoured by a new stream leader
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo.>"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c1" publishes "one" to "foo.1" for an ack with headers:
      | Nats-Msg-Id | m1 |
    Then the reply includes:
      """
      {"stream": "TEST", "seq": 1, "duplicate": null}
      """
    When "c1" publishes "one" to "foo.1" for an ack with headers:
      | Nats-Msg-Id | m1 |
    Then the reply includes:
      """
      {"stream": "TEST", "seq": 1, "duplicate": true}
      """
    When the leader of stream "TEST" is moved to server "C"
    And "c1" publishes "one again" to "foo.1" for an ack with headers:
      | Nats-Msg-Id | m1 |
    Then the reply includes:
      """
      {"stream": "TEST", "seq": 1, "duplicate": true}
      """
    When "c1" publishes "two" to "foo.2" for an ack with headers:
      | Nats-Expected-Last-Sequence | 5 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"
    When "c1" publishes "two" to "foo.2" for an ack with headers:
      | Nats-Expected-Stream | OTHER |
    Then the reply is an error with code 400, err_code 10060 and description "expected stream does not match"
    When "c1" publishes "two" to "foo.2" for an ack with headers:
      | Nats-Expected-Last-Sequence | 1 |
    Then the reply field "seq" is 2
    When the server "C" is stopped
    Then the leader of stream "TEST" is one of "A,B" within 10s
    When "c1" publishes "one" to "foo.1" for an ack with headers:
      | Nats-Msg-Id | m1 |
    Then the reply includes:
      """
      {"stream": "TEST", "seq": 1, "duplicate": true}
      """
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply field "state.messages" is 2

  @go:TestJetStreamClusterMirrorAndSourceWorkQueues @needs-clustered-streams
  Scenario: A replicated work queue stream is emptied by its mirror and its source, which both keep the message
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "WQ22", "subjects": ["foo"], "num_replicas": 2, "retention": "workqueue"}
      """
    And "c1" creates the stream:
      """
      {"name": "M", "mirror": {"name": "WQ22"}, "num_replicas": 2}
      """
    And "c1" creates the stream:
      """
      {"name": "S", "sources": [{"name": "WQ22"}], "num_replicas": 2}
      """
    And "c1" polls "$JS.API.STREAM.INFO.WQ22" until the reply field "state.consumer_count" is 2 within 10s
    And "c1" stores "ok" on "foo"
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 1 within 10s
    Then the reply field "mirror.name" is "WQ22"
    When "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1 within 10s
    Then the reply list "sources" has an entry with "name" equal to "WQ22"
    When "c1" polls "$JS.API.STREAM.INFO.WQ22" until the reply field "state.messages" is 0 within 10s
    Then the reply field "state.last_seq" is 1

  @go:TestJetStreamClusterMirrorAndSourcesClusterRestart @needs-clustered-streams
  Scenario: A three-replica mirror of a three-replica stream follows it through a change of the origin's leader
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "ORIGIN", "subjects": ["o.>"], "num_replicas": 3}
      """
    And "c2" creates the stream:
      """
      {"name": "M", "mirror": {"name": "ORIGIN"}, "num_replicas": 3}
      """
    And the leader of stream "ORIGIN" is moved to server "A"
    And "c2" stores 10 messages on "o.1"
    And "c2" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 10 within 10s
    Then the reply includes:
      """
      {"config": {"num_replicas": 3, "mirror": {"name": "ORIGIN"}}, "mirror": {"name": "ORIGIN"}}
      """
    And the reply field "cluster.replicas" has 2 items
    When the leader of stream "ORIGIN" is moved to server "C"
    And "c2" stores 5 messages on "o.2"
    And "c2" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 15 within 15s
    Then the reply field "state.last_seq" is 15
    When "c2" sends a "$JS.API.STREAM.MSG.GET.M" request with:
      """
      {"seq": 15}
      """
    Then the reply field "message.subject" is "o.2"

  @go:TestJetStreamClusterStreamNormalCatchup @needs-clustered-streams
  Scenario: A three-replica stream created while one server is down lists it offline, and it catches up on its return
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When the server "C" is stopped
    And "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" stores 5 messages on "foo"
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 10s:
      """
      {"state": {"messages": 5}, "cluster": {"replicas": [{"name": "C", "offline": true, "current": false}]}}
      """
    When the server "C" is started again
    Then the cluster is formed within 30s
    When "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 15s:
      """
      {"cluster": {"replicas": [{"name": "C", "offline": null, "current": true}]}}
      """
    And the leader of stream "TEST" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 5, "last_seq": 5}, "cluster": {"leader": "C"}}
      """

  @go:TestJetStreamClusterStreamNormalCatchup @go:TestJetStreamClusterMultiReplicaStreams @slow @needs-clustered-streams
  Scenario: When a stream leader is killed a replica takes over with every acknowledged message, and the killed one catches up
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c2" stores 50 messages on "foo"
    And the server "A" is killed
    Then the leader of stream "TEST" is one of "B,C" within 30s
    When "c2" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 50 within 5s
    Then the reply field "state.last_seq" is 50
    When "c2" stores 10 messages on "foo"
    Then the reply field "seq" is 60
    When the server "A" is started again
    Then the cluster is formed within 30s
    When "c2" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"name": "A", "current": true}]}}
      """
    And the leader of stream "TEST" is moved to server "A"
    And "c2" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 60, "first_seq": 1, "last_seq": 60}, "cluster": {"leader": "A"}}
      """
