@cluster @needs-jetstream @needs-jetstream-cluster
Feature: Key-value buckets replicated over a cluster
  Key-value buckets as client libraries build them, on a cluster: the KV_<bucket>
  stream on $KV.<bucket>.> with history as max messages per subject, discard new,
  roll-ups, deny delete and direct gets; create and update through expected subject
  sequences, reads through direct gets answered by any replica, watches through
  last-per-subject consumers. These scenarios check that a bucket's revisions, its
  create/update checks and its reads hold across stopped, killed and restarted servers
  and leader changes. Ported from server/jetstream_cluster_2..4_test.go and
  jetstream_cluster_long_test.go.

  "The leader of stream X is moved to server Y" makes Y the stream's leader through a
  step-down preferring it.

  @go:TestJetStreamClusterKVMultipleConcurrentCreate @slow @needs-clustered-streams
  Scenario: Only the first create of a key through any server succeeds, and revisions go on after a follower and then the leader restart
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c2" to server "B"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "KV_TEST", "subjects": ["$KV.TEST.>"], "retention": "limits", "max_msgs_per_subject": 1, "discard": "new",
       "storage": "file", "num_replicas": 3, "duplicate_window": 120000000000, "allow_rollup_hdrs": true,
       "deny_delete": true, "allow_direct": true, "max_msgs": -1, "max_bytes": -1, "max_msg_size": -1}
      """
    And the leader of stream "KV_TEST" is moved to server "A"
    And "c2" publishes "dlc" to "$KV.TEST.name" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 1
    When "c3" publishes "dlc" to "$KV.TEST.name" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"
    When "c1" publishes "dlc" to "$KV.TEST.name" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"
    When "c2" publishes "rip" to "$KV.TEST.name" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply field "seq" is 2
    When the server "C" is restarted
    Then the cluster is formed within 30s
    When "c1" polls "$JS.API.STREAM.INFO.KV_TEST" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"name": "C", "current": true}]}}
      """
    And "c1" stores "ik" on "$KV.TEST.name"
    Then the reply field "seq" is 3
    When the server "A" is restarted
    Then the cluster is formed within 30s
    And the leader of stream "KV_TEST" is one of "A,B,C" within 20s
    When "c2" polls "$JS.API.STREAM.INFO.KV_TEST" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"current": true}, {"current": true}]}}
      """
    And "c2" stores "mh" on "$KV.TEST.name"
    Then the reply field "seq" is 4
    When "c2" sends a "$JS.API.STREAM.INFO.KV_TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 1, "first_seq": 4, "last_seq": 4}}
      """
    When "c3" sends '' to "$JS.API.DIRECT.GET.KV_TEST.$KV.TEST.name" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "mh"
    And the last message on "g" has header "Nats-Sequence" equal to "4"

  @go:TestJetStreamClusterKeyValueLastSeqMismatch @needs-clustered-streams
  Scenario: An update of a key that does not exist is refused with last sequence 0, on a one-replica and a three-replica bucket
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "KV_mismatch_1", "subjects": ["$KV.mismatch_1.>"], "max_msgs_per_subject": 1, "discard": "new",
       "num_replicas": 1, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true}
      """
    And "c1" creates the stream:
      """
      {"name": "KV_mismatch_3", "subjects": ["$KV.mismatch_3.>"], "max_msgs_per_subject": 1, "discard": "new",
       "num_replicas": 3, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true}
      """
    And "c1" publishes "1" to "$KV.mismatch_1.foo" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 1
    When "c1" publishes "2" to "$KV.mismatch_1.bar" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 2
    When "c1" publishes "3" to "$KV.mismatch_1.baz" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 0"
    When "c1" publishes "1" to "$KV.mismatch_3.foo" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 1
    When "c1" publishes "2" to "$KV.mismatch_3.bar" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 2
    When "c1" publishes "3" to "$KV.mismatch_3.baz" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 0"
    When the leader of stream "KV_mismatch_3" is moved to server "C"
    And "c1" publishes "3" to "$KV.mismatch_3.baz" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 0"
    When "c1" publishes "3" to "$KV.mismatch_3.baz" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 3

  @go:TestJetStreamClusterKeyValueDesyncAfterHardKill @slow @needs-clustered-streams
  Scenario: A refused create does not use up a revision, and a replica killed and restarted ends with the bucket's exact state
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "KV_inconsistency", "subjects": ["$KV.inconsistency.>"], "max_msgs_per_subject": 1, "discard": "new",
       "storage": "file", "num_replicas": 3, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true}
      """
    And the leader of stream "KV_inconsistency" is moved to server "A"
    And "c1" publishes "1" to "$KV.inconsistency.key.exists" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 1
    When "c1" publishes "2" to "$KV.inconsistency.key.exists" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"
    When "c1" stores "3" on "$KV.inconsistency.key.put"
    Then the reply field "seq" is 2
    When the server "C" is killed
    And the server "C" is started again
    Then the cluster is formed within 30s
    When "c1" polls "$JS.API.STREAM.INFO.KV_inconsistency" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"name": "C", "current": true}]}}
      """
    And the leader of stream "KV_inconsistency" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.KV_inconsistency" request
    Then the reply includes:
      """
      {"state": {"messages": 2, "first_seq": 1, "last_seq": 2}, "cluster": {"leader": "C"}}
      """
    When "c1" stores "4" on "$KV.inconsistency.key.put"
    Then the reply field "seq" is 3
    When "c1" sends '' to "$JS.API.DIRECT.GET.KV_inconsistency.$KV.inconsistency.key.exists" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "1"

  @go:TestJetStreamClusterKVWatchersWithServerDown @needs-clustered-streams @needs-clustered-consumers
  Scenario: Watchers of a three-replica bucket get the latest value while a follower is down
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "KV_TEST", "subjects": ["$KV.TEST.>"], "max_msgs_per_subject": 1, "discard": "new",
       "num_replicas": 3, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true}
      """
    And the leader of stream "KV_TEST" is moved to server "A"
    And "c1" stores "bar" on "$KV.TEST.foo"
    And "c1" stores "baz" on "$KV.TEST.foo"
    And the server "C" is stopped
    And "c1" subscribes to "w.one" as "w1"
    And "c1" creates the consumer on "KV_TEST":
      """
      {"deliver_subject": "w.one", "deliver_policy": "last_per_subject", "ack_policy": "none", "max_deliver": 1,
       "filter_subject": "$KV.TEST.foo", "flow_control": true, "idle_heartbeat": 5000000000,
       "mem_storage": true, "num_replicas": 1}
      """
    Then the reply field "num_pending" is 1
    And "w1" receives "baz" on "$KV.TEST.foo" within 2s
    When "c1" subscribes to "w.two" as "w2"
    And "c1" creates the consumer on "KV_TEST":
      """
      {"deliver_subject": "w.two", "deliver_policy": "last_per_subject", "ack_policy": "none", "max_deliver": 1,
       "filter_subject": "$KV.TEST.foo", "flow_control": true, "idle_heartbeat": 5000000000,
       "mem_storage": true, "num_replicas": 1}
      """
    Then "w2" receives "baz" on "$KV.TEST.foo" within 2s
    When "c1" stores "qux" on "$KV.TEST.foo"
    Then "w1" receives "qux" on "$KV.TEST.foo" within 2s
    And "w2" receives "qux" on "$KV.TEST.foo" within 2s

  @go:TestJetStreamClusterStaleDirectGetOnRestart @needs-clustered-streams
  Scenario: A replica that was down while a key changed does not answer direct gets with the old value after it returns
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "KV_TEST", "subjects": ["$KV.TEST.>"], "max_msgs_per_subject": 1, "discard": "new",
       "num_replicas": 3, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true}
      """
    And the leader of stream "KV_TEST" is moved to server "A"
    And "c1" stores "bar" on "$KV.TEST.foo"
    And the server "C" is stopped
    And "c1" stores "baz" on "$KV.TEST.foo"
    And the server "C" is started again
    Then the cluster is formed within 30s
    Given a client "c3" to server "C"
    When "c3" sends '' to "$JS.API.DIRECT.GET.KV_TEST.$KV.TEST.foo" with replies to "g1"
    Then "g1" receives 1 messages within 2s
    And the last message on "g1" has payload "baz"
    When "c3" sends '' to "$JS.API.DIRECT.GET.KV_TEST.$KV.TEST.foo" with replies to "g2"
    Then "g2" receives 1 messages within 2s
    And the last message on "g2" has payload "baz"
    When "c3" sends '' to "$JS.API.DIRECT.GET.KV_TEST.$KV.TEST.foo" with replies to "g3"
    Then "g3" receives 1 messages within 2s
    And the last message on "g3" has payload "baz"
    When "c3" polls "$JS.API.STREAM.INFO.KV_TEST" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"name": "C", "current": true}]}}
      """
    And "c3" sends '' to "$JS.API.DIRECT.GET.KV_TEST.$KV.TEST.foo" with replies to "g4"
    Then "g4" receives 1 messages within 2s
    And the last message on "g4" has payload "baz"
    And the last message on "g4" has header "Nats-Sequence" equal to "2"

  @go:TestJetStreamClusterRollupSubjectAndWatchers @needs-clustered-streams @needs-clustered-consumers
  Scenario: A watcher of a replicated key-value stream sees every update and roll-up in order while roll-ups trim each key
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "KVW", "subjects": ["kv.*"], "storage": "file", "max_msgs_per_subject": 10, "allow_rollup_hdrs": true,
       "num_replicas": 2}
      """
    And "c1" subscribes to "watch.kv" as "w"
    And "c1" creates the consumer on "KVW":
      """
      {"deliver_subject": "watch.kv", "filter_subject": "kv.*", "ack_policy": "none"}
      """
    And "c1" stores "derek" on "kv.name" with headers:
      | Nats-Rollup | sub |
    Then "w" receives "derek" on "kv.name" within 2s
    And the last message on "w" has reply matching "^\$JS\.ACK\.KVW\.[^.]+\.1\.1\.1\."
    When "c1" stores "22" on "kv.age" with headers:
      | Nats-Rollup | sub |
    Then "w" receives "22" on "kv.age" within 2s
    When "c1" stores "derek" on "kv.name"
    And "c1" stores "22" on "kv.age"
    And "c1" stores "33" on "kv.age"
    And "c1" stores "ivan" on "kv.name"
    And "c1" stores "rip" on "kv.name"
    Then "w" receives "derek" on "kv.name" within 2s
    And "w" receives "22" on "kv.age" within 2s
    And "w" receives "33" on "kv.age" within 2s
    And "w" receives "ivan" on "kv.name" within 2s
    And "w" receives "rip" on "kv.name" within 2s
    And the last message on "w" has reply matching "^\$JS\.ACK\.KVW\.[^.]+\.1\.7\.7\."
    When "c1" stores "50" on "kv.age" with headers:
      | Nats-Rollup | sub |
    Then "w" receives "50" on "kv.age" within 2s
    And the last message on "w" has reply matching "^\$JS\.ACK\.KVW\.[^.]+\.1\.8\.8\."
    When "c1" sends a "$JS.API.STREAM.INFO.KVW" request with:
      """
      {"subjects_filter": ">"}
      """
    Then the reply field "state.messages" is 5
    And the stream state counts 4 messages on subject "kv.name"
    And the stream state counts 1 messages on subject "kv.age"

  @go:TestLongClusterJetStreamKeyValueSync @go:TestLongKVPutWithServerRestarts @slow @needs-clustered-streams
  Scenario: Keys updated by revision through a rolling restart of every server keep their last value and revision on every replica
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c2" to server "B"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "KV_IKV", "subjects": ["$KV.IKV.>"], "max_msgs_per_subject": 1, "discard": "new", "storage": "file",
       "num_replicas": 3, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true}
      """
    And "c1" stores 5 messages on the numbered subjects "$KV.IKV.key-#"
    And the server "A" is restarted
    Then the cluster is formed within 30s
    When "c2" polls "$JS.API.STREAM.INFO.KV_IKV" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"current": true}, {"current": true}]}}
      """
    And "c2" publishes "a" to "$KV.IKV.key-1" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply field "seq" is 6
    When the server "B" is restarted
    Then the cluster is formed within 30s
    When "c3" polls "$JS.API.STREAM.INFO.KV_IKV" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"current": true}, {"current": true}]}}
      """
    And "c3" publishes "b" to "$KV.IKV.key-2" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 2 |
    Then the reply field "seq" is 7
    When the server "C" is restarted
    Then the cluster is formed within 30s
    Given a client "d1" to server "A"
    When "d1" polls "$JS.API.STREAM.INFO.KV_IKV" until the reply includes within 20s:
      """
      {"cluster": {"replicas": [{"current": true}, {"current": true}]}}
      """
    And "d1" publishes "c" to "$KV.IKV.key-1" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 6 |
    Then the reply field "seq" is 8
    When "d1" publishes "stale" to "$KV.IKV.key-2" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 2 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 7"
    When the leader of stream "KV_IKV" is moved to server "A"
    And "d1" sends a "$JS.API.STREAM.INFO.KV_IKV" request
    Then the reply includes:
      """
      {"state": {"messages": 5, "last_seq": 8}, "cluster": {"leader": "A"}}
      """
    When the leader of stream "KV_IKV" is moved to server "B"
    And "d1" sends a "$JS.API.STREAM.INFO.KV_IKV" request
    Then the reply includes:
      """
      {"state": {"messages": 5, "last_seq": 8}, "cluster": {"leader": "B"}}
      """
    When the leader of stream "KV_IKV" is moved to server "C"
    And "d1" sends a "$JS.API.STREAM.INFO.KV_IKV" request
    Then the reply includes:
      """
      {"state": {"messages": 5, "last_seq": 8}, "cluster": {"leader": "C"}}
      """
    When "d1" sends a "$JS.API.STREAM.MSG.GET.KV_IKV" request with:
      """
      {"last_by_subj": "$KV.IKV.key-1"}
      """
    Then the reply includes:
      """
      {"message": {"seq": 8, "data": "Yw=="}}
      """
