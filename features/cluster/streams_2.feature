@cluster @needs-jetstream @needs-jetstream-cluster
Feature: Replicated JetStream streams in a cluster: limits, retention, gets and refusals
  More of what a client sees of a stream replicated over a cluster: the order and
  currency of the replicas in stream info across a stop and restart, the limits a
  replicated stream enforces (message size, counts, age, per-subject discard), interest
  retention, message get and direct get answered by every replica, sealed and
  append-only streams, roll-ups, purges by subject and sequence, the errors a refused
  create, update or publish gets, and what survives a leader change or the loss of the
  leader. Ported from server/jetstream_cluster_1..4_test.go.

  "The leader of stream X is moved to server Y" makes Y the stream's leader through a
  step-down preferring it, so that a scenario can name the leader and its followers.

  @go:TestJetStreamClusterExtendedStreamInfo @slow @needs-clustered-streams @needs-clustered-consumers
  Scenario: Stream info lists the replicas by name, shows a stopped leader as not current and current again after its return
    Given a cluster of 3 servers with JetStream
    And a client "c3" to server "C"
    When "c3" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And the leader of stream "TEST" is moved to server "B"
    And "c3" stores 50 messages on "foo"
    And "c3" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 10s:
      """
      {"state": {"messages": 50},
       "cluster": {"leader": "B", "replicas": [{"name": "A", "current": true}, {"name": "C", "current": true}]}}
      """
    Then the reply field "cluster.replicas[0].name" is "A"
    And the reply field "cluster.replicas[1].name" is "C"
    When the server "B" is stopped
    Then the leader of stream "TEST" is one of "A,C" within 15s
    When "c3" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 10s:
      """
      {"state": {"messages": 50}, "cluster": {"replicas": [{"name": "B", "current": false}]}}
      """
    Then the reply field "cluster.replicas" has 2 items
    When "c3" stores 10 messages on "foo"
    And the server "B" is started again
    Then the cluster is formed within 30s
    When "c3" polls "$JS.API.STREAM.INFO.TEST" until the reply includes within 20s:
      """
      {"state": {"messages": 60}, "cluster": {"replicas": [{"name": "B", "current": true}]}}
      """
    And the leader of stream "TEST" is moved to server "B"
    And "c3" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply includes:
      """
      {"state": {"messages": 60, "first_seq": 1, "last_seq": 60}, "cluster": {"leader": "B"}}
      """
    When "c3" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    And "c3" pulls from consumer "dlc" of stream "TEST" with 10 as "f"
    Then "f" receives the payloads "1, 2, 3, 4, 5, 6, 7, 8, 9, 10" within 5s
    When "c3" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "cluster.replicas" has 2 items within 10s
    Then the reply has field "cluster.leader"
    And the reply field "num_ack_pending" is 10

  @go:TestJetStreamClusterMultiReplicaStreamsDefaultFileMem @go:TestJetStreamClusterInfoRaftGroup @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated stream without a storage type is a file stream, and its durable consumer gets a file group of its own
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "num_replicas": 3, "max_bytes": 1024}
      """
    Then the reply includes:
      """
      {"config": {"storage": "file", "num_replicas": 3, "max_bytes": 1024}}
      """
    And the reply field "cluster.raft_group" matches "^S-R3F-[0-9A-Za-z]{8}$"
    When "c1" stores 10 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    Then the reply field "state.messages" is 10
    When "c1" creates the consumer on "TEST":
      """
      {"durable_name": "dlc", "ack_policy": "explicit"}
      """
    Then the reply includes:
      """
      {"name": "dlc", "stream_name": "TEST", "num_pending": 10}
      """
    And the reply field "cluster.raft_group" matches "^C-R3F-[0-9A-Za-z]{8}$"

  @go:TestJetStreamClusterStreamOverlapSubjects @go:TestJetStreamClusterUpdateStreamToExisting @needs-clustered-streams
  Scenario: A replicated stream whose subjects overlap another's is refused on create and on update, and is not listed
    Given a cluster of 3 servers with JetStream
    And a client "c2" to server "B"
    When "c2" creates the stream:
      """
      {"name": "ORDERS1", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c2" sends a "$JS.API.STREAM.CREATE.TEST2" request with:
      """
      {"name": "TEST2", "subjects": ["foo"], "num_replicas": 3}
      """
    Then the reply is an error with code 400, err_code 10065 and description "subjects overlap with an existing stream"
    When "c2" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "streams" is ["ORDERS1"]
    When "c2" sends a "$JS.API.STREAM.LIST" request
    Then the reply field "total" is 1
    When "c2" creates the stream:
      """
      {"name": "ORDERS2", "subjects": ["bar"], "num_replicas": 3}
      """
    And "c2" sends a "$JS.API.STREAM.UPDATE.ORDERS2" request with:
      """
      {"name": "ORDERS2", "subjects": ["foo"], "num_replicas": 3}
      """
    Then the reply is an error with code 400, err_code 10065 and description "subjects overlap with an existing stream"
    When "c2" sends a "$JS.API.STREAM.INFO.ORDERS2" request
    Then the reply field "config.subjects" is ["bar"]

  @go:TestJetStreamClusterStreamLimits @needs-clustered-streams
  Scenario: A replicated stream refuses a message above its size limit and one more than its count with discard new, and takes more once they age out
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "foo", "num_replicas": 3, "retention": "limits", "discard": "new",
       "max_msg_size": 11, "max_msgs": 5, "max_age": 1000000000}
      """
    And "c1" publishes "0123456789ZZZ" to "foo" for an ack
    Then the reply is an error with code 400, err_code 10054 and description "message size exceeds maximum allowed"
    When "c1" stores 5 messages on "foo"
    And "c1" publishes "JSC-OK" to "foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages exceeded"
    When "c1" polls "$JS.API.STREAM.INFO.foo" until the reply field "state.messages" is 0 within 10s
    And "c1" stores "ROUND2" on "foo"
    Then the reply field "seq" is 6

  @go:TestJetStreamClusterStreamInterestOnlyPolicy @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated interest stream keeps nothing without consumers, keeps what a consumer has not acked, and drops it with the consumer
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "foo", "num_replicas": 3, "retention": "interest"}
      """
    And "c1" stores 10 messages on "foo"
    Then the reply field "seq" is 10
    When "c1" sends a "$JS.API.STREAM.INFO.foo" request
    Then the reply includes:
      """
      {"state": {"messages": 0, "last_seq": 10}}
      """
    When "c1" subscribes to "d.dlc" as "push"
    And "c1" creates the consumer on "foo":
      """
      {"durable_name": "dlc", "deliver_subject": "d.dlc", "ack_policy": "explicit"}
      """
    And "c1" stores 10 messages on "foo"
    Then "push" receives 10 messages within 5s
    When "c1" sends a "$JS.API.STREAM.INFO.foo" request
    Then the reply includes:
      """
      {"state": {"messages": 10, "first_seq": 11, "last_seq": 20}}
      """
    When the leader of stream "foo" is moved to server "A"
    And "c1" sends a "$JS.API.STREAM.INFO.foo" request
    Then the reply includes:
      """
      {"state": {"messages": 10, "first_seq": 11}, "cluster": {"leader": "A"}}
      """
    When "c1" sends a "$JS.API.CONSUMER.DELETE.foo.dlc" request
    Then the reply field "success" is true
    When "c1" polls "$JS.API.STREAM.INFO.foo" until the reply field "state.messages" is 0 within 5s
    Then the reply field "state.last_seq" is 20

  @go:TestJetStreamClusterInterestRetention @needs-clustered-streams @needs-clustered-consumers
  Scenario: An acknowledged message leaves a replicated interest stream led apart from its consumer
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "foo", "num_replicas": 3, "retention": "interest"}
      """
    And "c1" subscribes to "d.dlc" as "push"
    And "c1" creates the consumer on "foo":
      """
      {"durable_name": "dlc", "deliver_subject": "d.dlc", "ack_policy": "explicit"}
      """
    And the leader of stream "foo" is moved to server "B"
    And the leader of consumer "dlc" of stream "foo" is moved to server "C"
    And "c1" stores "OK" on "foo"
    Then "push" receives "OK" on "foo" within 5s
    When "c1" acks the last message on "push" and waits for the confirmation
    And "c1" polls "$JS.API.STREAM.INFO.foo" until the reply field "state.messages" is 0 within 5s
    And "c1" stores 50 messages on "foo"
    Then "push" receives 50 messages within 5s
    When "c1" sends a "$JS.API.STREAM.INFO.foo" request
    Then the reply field "state.messages" is 50
    When "c1" sends a "$JS.API.CONSUMER.DELETE.foo.dlc" request
    And "c1" polls "$JS.API.STREAM.INFO.foo" until the reply field "state.messages" is 0 within 5s
    Then the reply includes:
      """
      {"state": {"first_seq": 52, "last_seq": 51}, "cluster": {"leader": "B"}}
      """

  @go:TestJetStreamClusterStreamGetMsg @go:TestJetStreamClusterStreamDirectGetMsg @needs-clustered-streams
  Scenario: Every replica answers a direct get, and the leader answers a message get, before and after a leader change
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c2" to server "B"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo", "bar"], "storage": "memory", "num_replicas": 3,
       "max_msgs_per_subject": 1, "allow_direct": true}
      """
    Then the reply field "config.allow_direct" is true
    When the leader of stream "TEST" is moved to server "A"
    And "c1" stores "old" on "foo"
    And "c1" stores "bar" on "foo"
    And "c1" stores "other" on "bar"
    And "c2" sends a "$JS.API.STREAM.MSG.GET.TEST" request with:
      """
      {"seq": 2}
      """
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.stream_msg_get_response", "message": {"subject": "foo", "seq": 2, "data": "YmFy"}}
      """
    When "c3" sends a "$JS.API.STREAM.MSG.GET.TEST" request with:
      """
      {"seq": 1}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c2" sends '{"last_by_subj": "foo"}' to "$JS.API.DIRECT.GET.TEST" with replies to "g2"
    Then "g2" receives 1 messages within 2s
    And the last message on "g2" has payload "bar"
    And the last message on "g2" has header "Nats-Stream" equal to "TEST"
    And the last message on "g2" has header "Nats-Sequence" equal to "2"
    And the last message on "g2" has header "Nats-Subject" equal to "foo"
    And the last message on "g2" has header "Nats-Time-Stamp" matching "^20"
    When the leader of stream "TEST" is moved to server "C"
    And "c1" sends '{"last_by_subj": "bar"}' to "$JS.API.DIRECT.GET.TEST" with replies to "g1"
    Then "g1" receives 1 messages within 2s
    And the last message on "g1" has payload "other"
    And the last message on "g1" has header "Nats-Sequence" equal to "3"
    When "c3" sends '{"seq": 2}' to "$JS.API.DIRECT.GET.TEST" with replies to "g3"
    Then "g3" receives 1 messages within 2s
    And the last message on "g3" has payload "bar"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.TEST" request with:
      """
      {"last_by_subj": "bar"}
      """
    Then the reply field "message.seq" is 3

  @go:TestJetStreamClusterSeal @needs-clustered-streams
  Scenario: A replicated stream cannot start sealed; once sealed it refuses publishes, deletes, purges and unsealing on every leader, and can be deleted
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" sends a "$JS.API.STREAM.CREATE.SEALED" request with:
      """
      {"name": "SEALED", "num_replicas": 3, "storage": "memory", "sealed": true}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration for create can not be sealed"
    When "c1" creates the stream:
      """
      {"name": "SEALED", "num_replicas": 3, "storage": "memory", "max_age": 60000000000}
      """
    And "c1" stores 100 messages on "SEALED"
    And "c1" sends a "$JS.API.STREAM.UPDATE.SEALED" request with:
      """
      {"name": "SEALED", "num_replicas": 3, "storage": "memory", "max_age": 60000000000, "sealed": true}
      """
    Then the reply includes:
      """
      {"config": {"sealed": true, "max_age": 0, "discard": "new", "deny_delete": true, "deny_purge": true,
                  "allow_rollup_hdrs": false}}
      """
    When the leader of stream "SEALED" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.SEALED" request
    Then the reply includes:
      """
      {"config": {"sealed": true}, "state": {"messages": 100}, "cluster": {"leader": "C"}}
      """
    When "c1" sends a "$JS.API.STREAM.UPDATE.SEALED" request with:
      """
      {"name": "SEALED", "num_replicas": 3, "storage": "memory", "sealed": false}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not unseal a sealed stream"
    When "c1" publishes "OK" to "SEALED" for an ack
    Then the reply is an error with code 400, err_code 10109 and description "invalid operation on sealed stream"
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.SEALED" request with:
      """
      {"seq": 1}
      """
    Then the reply field "error.err_code" is 10109
    When "c1" sends a "$JS.API.STREAM.PURGE.SEALED" request
    Then the reply field "error.err_code" is 10109
    When "c1" sends a "$JS.API.STREAM.DELETE.SEALED" request
    Then the reply field "success" is true

  @go:TestJetStreamClusterAppendOnly @go:TestJetStreamClusteredStreamCreateIdempotent @needs-clustered-streams
  Scenario: A replicated append-only stream can be created twice, refuses deletes and purges, and cannot drop the restriction
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "AUDIT", "subjects": ["foo"], "storage": "memory", "num_replicas": 3, "deny_delete": true, "deny_purge": true}
      """
    And "c1" creates the stream:
      """
      {"name": "AUDIT", "subjects": ["foo"], "storage": "memory", "num_replicas": 3, "deny_delete": true, "deny_purge": true}
      """
    Then the reply includes:
      """
      {"config": {"deny_delete": true, "deny_purge": true}}
      """
    When "c1" stores 10 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.AUDIT" request with:
      """
      {"seq": 1}
      """
    Then the reply is an error with code 500, err_code 10057 and description "message delete not permitted"
    When "c1" sends a "$JS.API.STREAM.PURGE.AUDIT" request
    Then the reply is an error with code 500, err_code 10110 and description "stream purge not permitted"
    When "c1" sends a "$JS.API.STREAM.UPDATE.AUDIT" request with:
      """
      {"name": "AUDIT", "subjects": ["foo"], "storage": "memory", "num_replicas": 3}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not cancel deny message deletes"
    When "c1" sends a "$JS.API.STREAM.INFO.AUDIT" request
    Then the reply includes:
      """
      {"state": {"messages": 10}, "config": {"deny_delete": true, "deny_purge": true}}
      """

  @go:TestJetStreamClusterRollupsRequirePurge @go:TestJetStreamClusterRollups @needs-clustered-streams
  Scenario: Roll-ups on a replicated stream need the purge permission, and leave one message per subject or in all
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.SENSORS" request with:
      """
      {"name": "SENSORS", "subjects": ["sensor.*.temp"], "storage": "file", "max_msgs_per_subject": 10,
       "allow_rollup_hdrs": true, "deny_purge": true, "num_replicas": 2}
      """
    Then the reply is an error with code 500, err_code 10052 and description "roll-ups require the purge permission"
    When "c1" creates the stream:
      """
      {"name": "SENSORS", "subjects": ["sensor.*.temp"], "storage": "file", "max_msgs_per_subject": 10,
       "allow_rollup_hdrs": true, "num_replicas": 2}
      """
    And "c1" stores 8 messages on "sensor.1.temp"
    And "c1" stores 8 messages on "sensor.2.temp"
    And "c1" stores 8 messages on "sensor.3.temp"
    And "c1" stores "avg" on "sensor.2.temp" with headers:
      | Nats-Rollup | sub |
    And "c1" sends a "$JS.API.STREAM.INFO.SENSORS" request with:
      """
      {"subjects_filter": ">"}
      """
    Then the reply field "state.messages" is 17
    And the stream state counts 1 messages on subject "sensor.2.temp"
    And the stream state counts 8 messages on subject "sensor.1.temp"
    When "c1" stores "all" on "sensor.3.temp" with headers:
      | Nats-Rollup | all |
    And "c1" sends a "$JS.API.STREAM.INFO.SENSORS" request
    Then the reply includes:
      """
      {"state": {"messages": 1, "first_seq": 26, "last_seq": 26}}
      """
    When "c1" sends a "$JS.API.STREAM.MSG.GET.SENSORS" request with:
      """
      {"last_by_subj": "sensor.3.temp"}
      """
    Then the reply field "message.data" is "YWxs"

  @go:TestJetStreamClusterPurgeBySequence @needs-clustered-streams
  Scenario: A purge of one subject up to a sequence keeps the rest of it and the other subjects, on every replica
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "KV", "subjects": ["kv.*.*"], "storage": "file", "num_replicas": 3, "max_msgs_per_subject": 5}
      """
    And the leader of stream "KV" is moved to server "A"
    And "c1" stores 20 messages on "kv.myapp.username"
    And "c1" stores 20 messages on "kv.myapp.password"
    And "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply includes:
      """
      {"state": {"messages": 10, "first_seq": 16, "last_seq": 40}}
      """
    When "c1" sends a "$JS.API.STREAM.PURGE.KV" request with:
      """
      {"filter": "kv.myapp.username", "seq": 18}
      """
    Then the reply includes:
      """
      {"success": true, "purged": 2}
      """
    When "c1" sends a "$JS.API.STREAM.INFO.KV" request with:
      """
      {"subjects_filter": ">"}
      """
    Then the reply field "state.messages" is 8
    And the stream state counts 3 messages on subject "kv.myapp.username"
    And the stream state counts 5 messages on subject "kv.myapp.password"
    When the leader of stream "KV" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.KV" request
    Then the reply field "state.messages" is 8
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"seq": 17}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.KV" request with:
      """
      {"last_by_subj": "kv.myapp.username"}
      """
    Then the reply field "message.seq" is 20

  @go:TestJetStreamClusterDiscardNewAndMaxMsgsPerSubject @needs-clustered-streams
  Scenario: Discard new per subject on a replicated stream needs discard new and a per-subject limit, and refuses a second message on a subject
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name": "KV", "subjects": ["KV.>"], "storage": "file", "allow_direct": true, "discard_new_per_subject": true,
       "max_msgs": 10, "num_replicas": 3}
      """
    Then the reply is an error with code 500, err_code 10052 and description "discard new per subject requires discard new policy to be set"
    When "c1" sends a "$JS.API.STREAM.CREATE.KV" request with:
      """
      {"name": "KV", "subjects": ["KV.>"], "storage": "file", "allow_direct": true, "discard_new_per_subject": true,
       "discard": "new", "max_msgs": 10, "num_replicas": 3}
      """
    Then the reply is an error with code 500, err_code 10052 and description "discard new per subject requires max msgs per subject > 0"
    When "c1" creates the stream:
      """
      {"name": "KV", "subjects": ["KV.>"], "storage": "file", "allow_direct": true, "discard_new_per_subject": true,
       "discard": "new", "max_msgs": 10, "max_msgs_per_subject": 1, "num_replicas": 3}
      """
    And "c1" stores "" on "KV.foo"
    And "c1" publishes "" to "KV.foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages per subject exceeded"
    When the leader of stream "KV" is moved to server "A"
    And "c1" publishes "" to "KV.foo" for an ack
    Then the reply is an error with code 503, err_code 10077 and description "maximum messages per subject exceeded"
    When "c1" stores "" on "KV.bar"
    Then the reply field "seq" is 2

  @go:TestJetStreamClusterLargeHeaders @go:TestJetStreamClusterRejectLargePublishesBeforeProposal @needs-clustered-streams
  Scenario: A publish with headers above 64 KiB is refused by a replicated stream, which keeps accepting the next message
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" publishes "Hello Large Headers!" to "foo" for an ack with a 70000 byte header
    Then the reply is an error with code 400, err_code 10097 and description "header size exceeds maximum allowed of 64k"
    When "c1" stores "ok" on "foo"
    Then the reply field "seq" is 1
    When the leader of stream "TEST" is moved to server "B"
    And "c1" stores "ok again" on "foo"
    Then the reply field "seq" is 2

  @go:TestJetStreamClusterPubAckSequenceDupe @slow @needs-clustered-streams
  Scenario: A message id published again through another server is a duplicate with the first sequence, across a restart of every server
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c2" to server "B"
    And a client "c3" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST_STREAM", "subjects": ["TEST_SUBJECT.*"], "num_replicas": 3, "duplicate_window": 60000000000}
      """
    And "c1" publishes "..." to "TEST_SUBJECT.1" for an ack with headers:
      | Nats-Msg-Id | id-1 |
    Then the reply includes:
      """
      {"seq": 1, "duplicate": null}
      """
    When "c3" publishes "..." to "TEST_SUBJECT.1" for an ack with headers:
      | Nats-Msg-Id | id-1 |
    Then the reply includes:
      """
      {"seq": 1, "duplicate": true}
      """
    When "c2" publishes "..." to "TEST_SUBJECT.2" for an ack with headers:
      | Nats-Msg-Id | id-2 |
    Then the reply includes:
      """
      {"seq": 2, "duplicate": null}
      """
    When the server "A" is restarted
    And the server "B" is restarted
    And the server "C" is restarted
    Then the cluster is formed within 30s
    And the leader of stream "TEST_STREAM" is one of "A,B,C" within 20s
    Given a client "d1" to server "A"
    And a client "d2" to server "B"
    When "d1" publishes "..." to "TEST_SUBJECT.2" for an ack with headers:
      | Nats-Msg-Id | id-2 |
    Then the reply includes:
      """
      {"seq": 2, "duplicate": true}
      """
    When "d2" publishes "..." to "TEST_SUBJECT.3" for an ack with headers:
      | Nats-Msg-Id | id-3 |
    Then the reply includes:
      """
      {"seq": 3, "duplicate": null}
      """
    When "d1" publishes "..." to "TEST_SUBJECT.3" for an ack with headers:
      | Nats-Msg-Id | id-3 |
    Then the reply includes:
      """
      {"seq": 3, "duplicate": true}
      """

  @go:TestJetStreamClusterMemLeaderRestart @slow @needs-clustered-streams
  Scenario: A three-replica memory stream keeps every message when its leader's server stops, and has a leader after it returns
    Given a cluster of 3 servers with JetStream
    And a client "c3" to server "C"
    When "c3" creates the stream:
      """
      {"name": "foo", "subjects": ["foo.*"], "storage": "memory", "num_replicas": 3}
      """
    And the leader of stream "foo" is moved to server "A"
    And "c3" stores 1000 messages of 11 bytes on "foo.a"
    And the server "A" is stopped
    Then the leader of stream "foo" is one of "B,C" within 15s
    When "c3" polls "$JS.API.STREAM.INFO.foo" until the reply field "state.messages" is 1000 within 5s
    And the server "A" is started again
    Then the cluster is formed within 30s
    When "c3" polls "$JS.API.STREAM.INFO.foo" until the reply includes within 20s:
      """
      {"state": {"messages": 1000}, "cluster": {"replicas": [{"name": "A", "current": true}]}}
      """
    And the leader of stream "foo" is moved to server "A"
    And "c3" sends a "$JS.API.STREAM.INFO.foo" request
    Then the reply includes:
      """
      {"state": {"messages": 1000, "last_seq": 1000}, "cluster": {"leader": "A"}}
      """

  @go:TestJetStreamClusterOfflineR1StreamDenyUpdate @needs-clustered-streams
  Scenario: A one-replica stream whose server is down is offline, and an update of it is refused
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 1, "placement": {"tags": ["node:b"]}}
      """
    Then the reply field "cluster.leader" is "B"
    When the server "B" is stopped
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "error.err_code" is 10118 within 10s
    Then the reply is an error with code 500, err_code 10118 and description "stream is offline"
    When "c1" sends a "$JS.API.STREAM.UPDATE.TEST" request with:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3, "placement": {"tags": ["node:b"]}}
      """
    Then the reply is an error with code 500, err_code 10118 and description "stream is offline"

  @go:TestJetStreamClusterCreateR3StreamWithOfflineNodes @slow @needs-clustered-streams
  Scenario: A three-replica stream created while a server is down gets its messages there once it returns
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "FOO", "num_replicas": 3}
      """
    And the server "C" is stopped
    And "c1" creates the stream:
      """
      {"name": "BAR", "num_replicas": 3}
      """
    And "c1" stores "" on "FOO"
    And "c1" stores "" on "BAR"
    And the server "C" is started again
    Then the cluster is formed within 30s
    When "c1" polls "$JS.API.STREAM.INFO.BAR" until the reply includes within 20s:
      """
      {"state": {"messages": 1}, "cluster": {"replicas": [{"name": "C", "current": true}]}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.FOO" until the reply includes within 20s:
      """
      {"state": {"messages": 1}, "cluster": {"replicas": [{"name": "C", "current": true}]}}
      """
    And the leader of stream "BAR" is moved to server "C"
    And the leader of stream "FOO" is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.INFO.BAR" request
    Then the reply includes:
      """
      {"state": {"messages": 1, "last_seq": 1}, "cluster": {"leader": "C"}}
      """
    When "c1" sends a "$JS.API.STREAM.INFO.FOO" request
    Then the reply includes:
      """
      {"state": {"messages": 1, "last_seq": 1}, "cluster": {"leader": "C"}}
      """

  @go:TestJetStreamClusterTTLAndDedupe @go:TestJetStreamClusterMessageTTLDisabled @needs-clustered-streams
  Scenario: A replicated stream without per-message TTL refuses a message with a TTL each time, and still takes its id without one
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "retention": "limits", "storage": "file", "num_replicas": 3}
      """
    And "c1" publishes "x" to "foo" for an ack with headers:
      | Nats-Msg-Id | msgId |
      | Nats-TTL    | 10s   |
    Then the reply is an error with code 400, err_code 10166 and description "per-message TTL is disabled"
    When "c1" publishes "x" to "foo" for an ack with headers:
      | Nats-Msg-Id | msgId |
      | Nats-TTL    | 10s   |
    Then the reply is an error with code 400, err_code 10166 and description "per-message TTL is disabled"
    When "c1" publishes "x" to "foo" for an ack with headers:
      | Nats-Msg-Id | msgId |
    Then the reply includes:
      """
      {"stream": "TEST", "seq": 1, "duplicate": null}
      """
    When the leader of stream "TEST" is moved to server "B"
    And "c1" publishes "x" to "foo" for an ack with headers:
      | Nats-Msg-Id | msgId |
    Then the reply includes:
      """
      {"stream": "TEST", "seq": 1, "duplicate": true}
      """

  @go:TestJetStreamClusterApiPagedRequestOffsetValidation @needs-clustered-streams @needs-clustered-consumers
  Scenario: A negative offset in a paged request about a replicated stream is taken as zero
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "C"
    When "c1" creates the stream:
      """
      {"name": "TEST", "subjects": ["foo"], "num_replicas": 3}
      """
    And "c1" stores "" on "foo"
    And "c1" creates the consumer on "TEST":
      """
      {"name": "CONSUMER", "num_replicas": 3}
      """
    And "c1" sends a "$JS.API.STREAM.NAMES" request with:
      """
      {"offset": -1}
      """
    Then the reply includes:
      """
      {"offset": 0, "total": 1, "streams": ["TEST"]}
      """
    When "c1" sends a "$JS.API.STREAM.LIST" request with:
      """
      {"offset": -1}
      """
    Then the reply includes:
      """
      {"offset": 0, "total": 1}
      """
    And the reply field "streams" has 1 items
    When "c1" sends a "$JS.API.STREAM.INFO.TEST" request with:
      """
      {"offset": -1, "subjects_filter": ">"}
      """
    Then the reply includes:
      """
      {"offset": 0, "total": 1, "state": {"subjects": {"foo": 1}}}
      """
    When "c1" sends a "$JS.API.CONSUMER.NAMES.TEST" request with:
      """
      {"offset": -1}
      """
    Then the reply includes:
      """
      {"offset": 0, "total": 1, "consumers": ["CONSUMER"]}
      """
    When "c1" sends a "$JS.API.CONSUMER.LIST.TEST" request with:
      """
      {"offset": -1}
      """
    Then the reply includes:
      """
      {"offset": 0, "total": 1}
      """
    And the reply field "consumers" has 1 items

  @go:TestJetStreamClusterMaxConsumers @needs-clustered-streams @needs-clustered-consumers
  Scenario: A replicated stream with a consumer limit refuses one consumer more, through any server
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    And a client "c2" to server "B"
    When "c1" creates the stream:
      """
      {"name": "MAXC", "subjects": ["in.maxc.>"], "storage": "memory", "num_replicas": 3, "max_consumers": 1}
      """
    Then the reply field "config.max_consumers" is 1
    When "c1" creates the consumer on "MAXC":
      """
      {"durable_name": "one", "ack_policy": "explicit", "filter_subject": "in.maxc.foo"}
      """
    And "c2" sends a "$JS.API.CONSUMER.CREATE.MAXC.two" request with:
      """
      {"stream_name": "MAXC", "config": {"durable_name": "two", "ack_policy": "explicit", "filter_subject": "in.maxc.bar"}}
      """
    Then the reply is an error with code 400, err_code 10026 and description "maximum consumers limit reached"
    When "c2" sends a "$JS.API.CONSUMER.CREATE.MAXC" request with:
      """
      {"stream_name": "MAXC", "config": {"ack_policy": "explicit", "filter_subject": "in.maxc.bar"}}
      """
    Then the reply is an error with code 400, err_code 10026 and description "maximum consumers limit reached"
    When "c1" sends a "$JS.API.STREAM.INFO.MAXC" request
    Then the reply field "state.consumer_count" is 1

  @go:TestJetStreamClusterStreamRepublish @needs-clustered-streams
  Scenario: A replicated stream republishes each stored message once with its sequences, before and after a leader change
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "B"
    When "c1" creates the stream:
      """
      {"name": "RP", "subjects": ["foo", "bar", "baz"], "storage": "memory", "num_replicas": 3,
       "republish": {"src": ">", "dest": "RP.>"}}
      """
    And "c1" subscribes to "RP.>" as "rp"
    And the leader of stream "RP" is moved to server "A"
    And "c1" stores "one" on "foo"
    And "c1" stores "two" on "bar"
    And "c1" stores "three" on "foo"
    Then "rp" receives "one" on "RP.foo" within 2s
    And "rp" receives "two" on "RP.bar" within 2s
    And "rp" receives "three" on "RP.foo" within 2s
    And the last message on "rp" has header "Nats-Stream" equal to "RP"
    And the last message on "rp" has header "Nats-Sequence" equal to "3"
    And the last message on "rp" has header "Nats-Last-Sequence" equal to "1"
    When the leader of stream "RP" is moved to server "C"
    And "c1" stores "four" on "foo"
    Then "rp" receives "four" on "RP.foo" within 2s
    And the last message on "rp" has header "Nats-Sequence" equal to "4"
    And the last message on "rp" has header "Nats-Last-Sequence" equal to "3"
    And "rp" receives no message within 500ms
