@cluster @needs-jetstream @needs-jetstream-cluster
Feature: The JetStream meta group: formation, leadership, step-down and monitoring
  Every JetStream server of a cluster is a peer of one RAFT group, the meta group,
  whose leader answers the JetStream API and places assets. These scenarios check
  what a client sees of it: which server leads (`/jsz?leader-only=true` answers 200
  there only), what `/jsz` `meta_cluster`, `/raftz` and `/healthz` report on every
  server, the `$JS.API.META.LEADER.STEPDOWN` API (system account only, with a
  preferred server or a placement), and how a server that was away catches up on
  streams (R1) created or deleted meanwhile. Ported from server/jetstream_cluster_1..4
  _test.go and the single-cluster parts of jetstream_super_cluster_test.go.

  Nodes are named A, B, C...; a peer id is derived from the server name (the first
  8 bytes of its SHA-256, each mod 62 into 0-9A-Za-z): A is NUmM6cRx, B is b2oh2L6w,
  C is jZ6RvVRH. "The JetStream meta leader is moved to server X" makes X the leader
  (through a preferred step-down when needed), so that a scenario can name it.

  @go:TestJetStreamClusterConfig
  Scenario: A JetStream server with a cluster but no server name refuses to start
    Then a server with this config fails to start with "jetstream cluster requires `server_name` to be set":
      """
      server_name: ""
      jetstream { store_dir: "{store_dir}" }
      cluster { listen: "127.0.0.1:-1" }
      """

  @go:TestJetStreamClusterConfig
  Scenario: A JetStream server with a cluster but no cluster name refuses to start
    Then a server with this config fails to start with "jetstream cluster requires `cluster.name` to be set":
      """
      jetstream { store_dir: "{store_dir}" }
      cluster { listen: "127.0.0.1:-1" }
      """

  @go:TestJetStreamClusterMetaReplicasInJsz @go:TestMonitorJsz
  Scenario: Every server reports the meta group in /jsz, leaving itself out of the replicas
    # A follower tracks only its leader, so it shows another follower as not current
    # (once a leader change has reset what it knew as a former leader: hence two moves).
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "B"
    And the JetStream meta leader is moved to server "A"
    Then the monitoring endpoint "/jsz" of server "A" includes:
      """
      {"meta_cluster": {"name": "C1", "leader": "A", "peer": "NUmM6cRx", "cluster_size": 3, "quorum_needed": 2,
        "rescue": null, "replicas": [{"name": "B", "peer": "b2oh2L6w", "current": true},
                                     {"name": "C", "peer": "jZ6RvVRH", "current": true}]}}
      """
    And the reply field "meta_cluster.replicas" has 2 items
    Then the monitoring endpoint "/jsz" of server "B" includes:
      """
      {"meta_cluster": {"name": "C1", "leader": "A", "peer": "NUmM6cRx", "cluster_size": 3, "quorum_needed": 2,
        "replicas": [{"name": "A", "peer": "NUmM6cRx", "current": true}, {"name": "C", "peer": "jZ6RvVRH"}]}}
      """
    And the reply field "meta_cluster.replicas" has 2 items
    Then the monitoring endpoint "/jsz" of server "C" includes:
      """
      {"meta_cluster": {"leader": "A", "peer": "NUmM6cRx", "cluster_size": 3, "quorum_needed": 2,
        "replicas": [{"name": "A", "current": true}, {"name": "B", "peer": "b2oh2L6w", "current": false, "active": 0}]}}
      """
    And the reply field "meta_cluster.replicas" has 2 items

  @go:TestJetStreamClusterLeader
  Scenario: Only the meta leader answers /jsz with leader-only=true
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "B"
    Then the monitoring endpoint "/jsz?leader-only=true" of server "B" answers with status 200
    And the monitoring endpoint "/jsz?leader-only=true" of server "A" answers with status 400
    And the monitoring endpoint "/jsz?leader-only=true" of server "C" answers with status 400

  @go:TestJetStreamClusterExpand
  Scenario: A server that joins a two-server JetStream cluster through a seed becomes a meta peer
    Given a cluster of 2 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a server "C" joins the cluster through "A"
    Then the monitoring endpoint "/jsz" of server "A" includes within 10s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 3, "quorum_needed": 2,
        "replicas": [{"name": "B", "current": true}, {"name": "C", "current": true}]}}
      """
    And the monitoring endpoint "/jsz" of server "C" includes within 10s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 3, "replicas": [{"name": "A"}, {"name": "B"}]}}
      """

  @go:TestJetStreamClusterLeaderStepdown
  Scenario: A system user's step-down request hands the meta leadership to another server
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.meta_leader_stepdown_response", "success": true, "error": null}
      """
    And the JetStream meta leader is one of "B,C" within 5s
    And the cluster is formed within 10s

  @go:TestJetStreamClusterMetaStepdownFromNonSysAccount
  Scenario: A step-down request from outside the system account goes unanswered and moves nothing
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "B"
    When "c1" subscribes to "_R.stepdown" as "r"
    And "c1" publishes "" to "$JS.API.META.LEADER.STEPDOWN" with reply "_R.stepdown"
    Then "r" receives no message within 1s
    And the JetStream meta leader is server "A" for 1s
    Given a client "sys" to server "C" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request
    Then the reply field "success" is true
    And the JetStream meta leader is one of "B,C" within 5s

  @go:TestJetStreamClusterMetaStepdownPreferred @go:TestJetStreamSuperClusterMetaStepDown
  Scenario: A step-down naming a preferred server hands the meta leadership to it
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"preferred": "C"}}
      """
    Then the reply field "success" is true
    And the JetStream meta leader is server "C" within 5s
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"preferred": "B"}}
      """
    Then the reply field "success" is true
    And the JetStream meta leader is server "B" within 5s

  @go:TestJetStreamClusterMetaStepdownPreferred @go:TestJetStreamSuperClusterMetaStepDown
  Scenario: A step-down naming an unknown server, or the leader itself, is refused and the leader stays
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "C" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"preferred": "i_dont_exist"}}
      """
    Then the reply is an error with code 400, err_code 10005 and description 'preferred server "i_dont_exist" not known'
    And the reply has no field "success"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"preferred": "A"}}
      """
    Then the reply is an error with code 400, err_code 10005 and description 'preferred server "A" is already leader'
    And the JetStream meta leader is server "A" for 1s

  @go:TestJetStreamSuperClusterMetaStepDown
  Scenario: A step-down placement naming an unknown cluster or tag is refused
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "A" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"cluster": "ThisClusterDoesntExist"}}
      """
    Then the reply is an error with code 400, err_code 10005 and description "no replacement peer connected"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"tags": ["thistag:doesntexist"]}}
      """
    Then the reply is an error with code 400, err_code 10005 and description "no replacement peer connected"
    And the JetStream meta leader is server "A" for 1s

  @go:TestJetStreamSuperClusterMetaStepDown
  Scenario: A step-down placement by cluster name or by server tags picks a matching server
    Given cluster node "A" has config:
      """
      server_tags: ["cloud:gcp", "node:1"]
      """
    And cluster node "B" has config:
      """
      server_tags: ["cloud:aws", "node:1"]
      """
    And cluster node "C" has config:
      """
      server_tags: ["cloud:aws", "node:2"]
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "A" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"tags": ["cloud:aws", "node:2"]}}
      """
    Then the reply field "success" is true
    And the JetStream meta leader is server "C" within 5s
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"tags": ["node:1"]}}
      """
    Then the reply field "success" is true
    And the JetStream meta leader is one of "A,B" within 5s
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"cluster": "C1", "tags": ["node:2"]}}
      """
    Then the reply field "success" is true
    And the JetStream meta leader is server "C" within 5s

  @go:TestJetStreamClusterLeader @needs-clustered-streams
  Scenario: With two of three servers stopped, the last one has no meta leader and says so
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c3" to server "C"
    When the server "A" is stopped
    Then the JetStream meta leader is one of "B,C" within 5s
    When the JetStream meta leader is moved to server "B"
    And the server "B" is stopped
    Then no JetStream meta leader is elected for 2s
    And the monitoring endpoint "/jsz" of server "C" includes:
      """
      {"meta_cluster": {"leader": null, "peer": null, "cluster_size": 3, "quorum_needed": 2,
        "replicas": [{"name": "A", "offline": true, "current": false},
                     {"name": "B", "offline": true, "current": false}, {"name": "C", "current": true}]}}
      """
    And the monitoring endpoint "/healthz" of server "C" answers with status 503 and a body containing "JetStream has not established contact with a meta leader"
    And the monitoring endpoint "/healthz?js-meta-only=true" of server "C" answers with status 503
    And the monitoring endpoint "/healthz?js-enabled-only=true" of server "C" answers with status 200
    And the monitoring endpoint "/healthz?js-server-only=true" of server "C" answers with status 200
    When "c3" polls "$JS.API.INFO" until the reply field "error.err_code" is 10008 within 15s
    Then the reply is an error with code 503, err_code 10008 and description "JetStream system temporarily unavailable"
    When "c3" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name": "S1", "subjects": ["s1"]}
      """
    Then the reply is an error with code 503, err_code 10008 and description "JetStream system temporarily unavailable"

  @go:TestJetStreamClusterPeerOffline
  Scenario: The meta leader shows a stopped peer as offline, and as current again once it is back
    Given a cluster of 5 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    Then the monitoring endpoint "/jsz" of server "A" includes:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 5, "quorum_needed": 3}}
      """
    And the reply field "meta_cluster.replicas" has 4 items
    When the server "E" is stopped
    Then the monitoring endpoint "/jsz" of server "A" includes within 5s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 5, "replicas": [{"name": "E", "offline": true}]}}
      """
    When the server "E" is started again
    Then the cluster is formed within 30s
    When the JetStream meta leader is moved to server "A"
    Then the monitoring endpoint "/jsz" of server "A" includes within 10s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 5, "replicas": [{"name": "E", "offline": null, "current": true}]}}
      """

  @go:TestJetStreamClusterPeerRemovalAPI @go:TestJetStreamClusterRemovePeerByID
  Scenario: Removing a server that is not a meta peer, or without naming one, is refused
    Given a cluster of 3 servers with JetStream
    And a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "S-9"}
      """
    Then the reply is an error with code 400, err_code 10044 and description "server is not a member of the cluster"
    And the reply field "type" is "io.nats.jetstream.api.v1.meta_server_remove_response"
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer_id": "some_bad_id"}
      """
    Then the reply is an error with code 400, err_code 10044 and description "server is not a member of the cluster"
    When "sys" sends a "$JS.API.SERVER.REMOVE" request
    Then the reply is an error with code 400, err_code 10003 and description "bad request"
    And the monitoring endpoint "/jsz" of server "B" includes:
      """
      {"meta_cluster": {"cluster_size": 3}}
      """

  @go:TestJetStreamClusterPeerRemovalAPI
  Scenario: A server removal request from outside the system account goes unanswered
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" subscribes to "_R.remove" as "r"
    And "c1" publishes '{"peer": "C"}' to "$JS.API.SERVER.REMOVE" with reply "_R.remove"
    Then "r" receives no message within 1s
    And the monitoring endpoint "/jsz" of server "C" includes:
      """
      {"disabled": null, "meta_cluster": {"cluster_size": 3}}
      """

  @go:TestJetStreamClusterPeerRemovalAPI
  Scenario: A removed server leaves the meta group, an advisory names it, and its JetStream is disabled
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "A" with user "sys" and password "sys"
    When "sys" subscribes to "$JS.EVENT.ADVISORY.SERVER.REMOVED" as "adv"
    And "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "C"}
      """
    Then the reply includes:
      """
      {"type": "io.nats.jetstream.api.v1.meta_server_remove_response", "success": true, "error": null}
      """
    And "adv" receives 1 messages within 5s
    And the last message on "adv" is JSON including:
      """
      {"type": "io.nats.jetstream.advisory.v1.server_removed", "server": "C", "cluster": "C1"}
      """
    And the monitoring endpoint "/jsz" of server "A" includes within 5s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 2, "quorum_needed": 2, "replicas": [{"name": "B"}]}}
      """
    And the reply list "meta_cluster.replicas" has no entry with "name" equal to "C"
    And the monitoring endpoint "/jsz" of server "C" includes within 5s:
      """
      {"disabled": true, "meta_cluster": null}
      """
    And the monitoring endpoint "/healthz" of server "C" answers with status 503 and a body containing "JetStream not enabled"

  @go:TestJetStreamClusterRemovePeerByID
  Scenario: A server is removed by its peer id, which derives from its name
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer_id": "jZ6RvVRH"}
      """
    Then the reply field "success" is true
    And the monitoring endpoint "/jsz" of server "A" includes within 5s:
      """
      {"meta_cluster": {"cluster_size": 2, "replicas": [{"name": "B", "peer": "b2oh2L6w"}]}}
      """
    And the reply field "meta_cluster.replicas" has 1 items

  @go:TestJetStreamClusterPeerRemovalAndServerBroughtBack
  Scenario: A stopped server can be removed, and it does not rejoin the meta group at once when it comes back
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "A" with user "sys" and password "sys"
    When the server "C" is stopped
    And "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "C"}
      """
    Then the reply field "success" is true
    And the monitoring endpoint "/jsz" of server "A" includes within 5s:
      """
      {"meta_cluster": {"cluster_size": 2, "quorum_needed": 2}}
      """
    When the server "C" is started again
    Then the cluster is formed within 30s
    And the monitoring endpoint "/jsz" of server "C" includes within 5s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 2}}
      """
    And the monitoring endpoint "/jsz" of server "A" includes:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 2}}
      """
    And the reply list "meta_cluster.replicas" has no entry with "name" equal to "C"

  @go:TestJetStreamClusterJszRaftLeaderReporting @needs-clustered-streams @needs-clustered-consumers
  Scenario: /jsz with raft=true counts the streams and consumers a server leads, R1 ones included
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name": "S1", "subjects": ["s1.>"], "num_replicas": 1, "placement": {"tags": ["node:b"]}}
      """
    Then the reply field "cluster.leader" is "B"
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S1.D1" request with:
      """
      {"stream_name": "S1", "config": {"durable_name": "D1", "ack_policy": "explicit"}}
      """
    Then the reply field "cluster.leader" is "B"
    And the monitoring endpoint "/jsz?raft=true" of server "B" includes within 5s:
      """
      {"streams": 1, "streams_leader": 1, "consumers": 1, "consumers_leader": 1}
      """
    And the monitoring endpoint "/jsz?raft=true" of server "A" includes:
      """
      {"streams": 0, "streams_leader": null, "consumers": 0, "consumers_leader": null}
      """
    And the monitoring endpoint "/jsz?raft=true" of server "C" includes:
      """
      {"streams": 0, "streams_leader": null, "consumers": 0, "consumers_leader": null}
      """

  @go:TestNRGTrackPeerActive
  Scenario: /raftz shows the meta group on every server, and a follower tracks only its leader
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "B"
    And the JetStream meta leader is moved to server "A"
    Then the monitoring endpoint "/raftz" of server "A" includes within 5s:
      """
      {"$SYS": {"_meta_": {"id": "NUmM6cRx", "state": "LEADER", "leader": "NUmM6cRx", "size": 3, "quorum_needed": 2,
        "system_account": true, "peers": {"b2oh2L6w": {"name": "B", "known": true}, "jZ6RvVRH": {"name": "C", "known": true}}}}}
      """
    And the monitoring endpoint "/raftz" of server "C" includes within 5s:
      """
      {"$SYS": {"_meta_": {"id": "jZ6RvVRH", "state": "FOLLOWER", "leader": "NUmM6cRx", "size": 3, "quorum_needed": 2,
        "peers": {"NUmM6cRx": {"name": "A", "known": true}, "b2oh2L6w": {"name": "B", "known": true, "last_seen": null}}}}}
      """
    And the reply has field "$SYS._meta_.peers.NUmM6cRx.last_seen"
    And the monitoring endpoint "/raftz" of server "B" includes within 5s:
      """
      {"$SYS": {"_meta_": {"id": "b2oh2L6w", "state": "FOLLOWER", "leader": "NUmM6cRx"}}}
      """
    And the reply has field "$SYS._meta_.peers.NUmM6cRx.last_seen"

  @go:TestJetStreamClusterPendingRequestsInJsz @go:TestJetStreamSuperClusterStatszActiveServers
  Scenario: Server STATSZ carries the meta group: in full from the leader, in short from a follower
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "C" with user "sys" and password "sys"
    When "sys" sends a "$SYS.REQ.SERVER.PING.STATSZ" request with:
      """
      {"server_name": "A"}
      """
    Then the reply includes:
      """
      {"server": {"name": "A", "cluster": "C1", "jetstream": true},
       "statsz": {"active_servers": 3, "jetstream": {"meta": {"name": "C1", "leader": "A", "peer": "NUmM6cRx",
         "cluster_size": 3, "quorum_needed": 2, "pending": 0, "replicas": [{"name": "B"}, {"name": "C"}]}}}}
      """
    When "sys" sends a "$SYS.REQ.SERVER.PING.STATSZ" request with:
      """
      {"server_name": "B"}
      """
    Then the reply includes:
      """
      {"server": {"name": "B"},
       "statsz": {"active_servers": 3, "jetstream": {"meta": {"name": "_meta_", "leader": "A", "peer": "NUmM6cRx",
         "cluster_size": 3, "quorum_needed": 2, "replicas": null}}}}
      """

  @go:TestJetStreamClusterAccountInfo @needs-clustered-streams
  Scenario: $JS.API.INFO in a cluster gets exactly one answer, whichever server the client uses
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "C"
    When "c1" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name": "S1", "subjects": ["s1.>"], "num_replicas": 1}
      """
    Then the reply has no field "error"
    When "c1" subscribes to "_R.info" as "r"
    And "c1" publishes "" to "$JS.API.INFO" with reply "_R.info"
    Then "r" receives 1 messages within 2s
    And "r" receives no message within 500ms
    And the last message on "r" is JSON including:
      """
      {"type": "io.nats.jetstream.api.v1.account_info_response", "streams": 1, "consumers": 0, "error": null}
      """

  @go:TestJetStreamClusterAccountInfoForSystemAccount
  Scenario: The system account is not JetStream-enabled in a cluster
    Given a cluster of 3 servers with JetStream
    And a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.INFO" request
    Then the reply is an error with code 503, err_code 10039 and description "JetStream not enabled for account"

  @go:TestJetStreamClusterMetaRescueRejectedWithLeader
  Scenario: A meta rescue is refused by every server while the meta group has a leader
    Given a cluster of 3 servers with JetStream
    And a client "sys" to server "A" with user "sys" and password "sys"
    When "sys" subscribes to "_R.rescue" as "r"
    And "sys" publishes '{"quorum_needed": 1}' to "$JS.API.META.RESCUE" with reply "_R.rescue"
    Then "r" receives 3 messages within 2s
    And "r" receives no message within 250ms
    And every message on "r" is JSON including:
      """
      {"type": "io.nats.jetstream.api.v1.meta_rescue_response", "new_quorum": null,
       "error": {"code": 400, "err_code": 10224, "description": "JetStream system rescue not applied: raft: leader is known"}}
      """
    And the monitoring endpoint "/jsz" of server "A" includes:
      """
      {"meta_cluster": {"quorum_needed": 2, "rescue": null}}
      """

  @go:TestJetStreamClusterMetaRescueBadRequest
  Scenario: A meta rescue without a quorum, or above the current quorum, is refused by every server
    Given a cluster of 3 servers with JetStream
    And a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" subscribes to "_R.rescue1" as "r1"
    And "sys" publishes "" to "$JS.API.META.RESCUE" with reply "_R.rescue1"
    Then "r1" receives 3 messages within 2s
    And every message on "r1" is JSON including:
      """
      {"error": {"code": 400, "err_code": 10003, "description": "bad request"}}
      """
    When "sys" subscribes to "_R.rescue2" as "r2"
    And "sys" publishes '{"quorum_needed": 4}' to "$JS.API.META.RESCUE" with reply "_R.rescue2"
    Then "r2" receives 3 messages within 2s
    And every message on "r2" is JSON including:
      """
      {"error": {"code": 400, "err_code": 10224,
                 "description": "JetStream system rescue not applied: raft: rescue quorum must be between 1 and current quorum"}}
      """

  @go:TestJetStreamClusterMetaSnapshotsAndCatchup @needs-clustered-streams
  Scenario: A server that was down while streams were created, and again while they were deleted, catches up
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When the server "C" is stopped
    And "c1" sends a "$JS.API.STREAM.CREATE.T-1" request with:
      """
      {"name": "T-1", "num_replicas": 1}
      """
    And "c1" sends a "$JS.API.STREAM.CREATE.T-2" request with:
      """
      {"name": "T-2", "num_replicas": 1}
      """
    And "c1" sends a "$JS.API.STREAM.CREATE.T-3" request with:
      """
      {"name": "T-3", "num_replicas": 1}
      """
    Then the reply has no field "error"
    When the server "C" is started again
    Then the cluster is formed within 30s
    When the JetStream meta leader is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "total" is 3
    And the reply field "streams" contains "T-1"
    And the reply field "streams" contains "T-2"
    And the reply field "streams" contains "T-3"
    When the server "C" is stopped
    Then the JetStream meta leader is one of "A,B" within 5s
    When "c1" sends a "$JS.API.STREAM.DELETE.T-1" request
    And "c1" sends a "$JS.API.STREAM.DELETE.T-2" request
    And "c1" sends a "$JS.API.STREAM.DELETE.T-3" request
    Then the reply field "success" is true
    When the server "C" is started again
    Then the cluster is formed within 30s
    When the JetStream meta leader is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "total" is 0

  @go:TestJetStreamClusterMetaSnapshotsMultiChange @needs-clustered-streams @needs-clustered-consumers
  Scenario: A server that was down while streams and consumers were added and removed catches up on every change
    # S1 and S2 stay off C: a consumer of a stream whose one server is down cannot be created.
    Given cluster node "A" has config:
      """
      server_tags: ["node:a"]
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name": "S1", "num_replicas": 1, "placement": {"tags": ["node:a"]}}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S1.S1C1" request with:
      """
      {"stream_name": "S1", "config": {"durable_name": "S1C1", "ack_policy": "explicit"}}
      """
    And "c1" sends a "$JS.API.STREAM.CREATE.S2" request with:
      """
      {"name": "S2", "num_replicas": 1, "placement": {"tags": ["node:a"]}}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S2.S2C1" request with:
      """
      {"stream_name": "S2", "config": {"durable_name": "S2C1", "ack_policy": "explicit"}}
      """
    Then the reply has no field "error"
    When the server "C" is stopped
    And "c1" sends a "$JS.API.STREAM.CREATE.S3" request with:
      """
      {"name": "S3", "num_replicas": 1}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S3.S3C1" request with:
      """
      {"stream_name": "S3", "config": {"durable_name": "S3C1", "ack_policy": "explicit"}}
      """
    And "c1" sends a "$JS.API.STREAM.DELETE.S2" request
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.CONSUMER.DELETE.S1.S1C1" request
    Then the reply field "success" is true
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S1.S1C2" request with:
      """
      {"stream_name": "S1", "config": {"durable_name": "S1C2", "ack_policy": "explicit"}}
      """
    Then the reply has no field "error"
    When the server "C" is started again
    Then the cluster is formed within 30s
    When the JetStream meta leader is moved to server "C"
    And "c1" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "total" is 2
    And the reply field "streams" contains "S1"
    And the reply field "streams" contains "S3"
    When "c1" sends a "$JS.API.CONSUMER.NAMES.S1" request
    Then the reply field "consumers" has 1 items
    And the reply field "consumers" contains "S1C2"
    When "c1" sends a "$JS.API.CONSUMER.NAMES.S3" request
    Then the reply field "consumers" has 1 items
    And the reply field "consumers" contains "S3C1"

  @go:TestJetStreamClusterStreamInfoList @needs-clustered-streams
  Scenario: Streams created through one server are listed through every server, before and after a meta leader change
    Given a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c2" to server "B"
    And a client "c3" to server "C"
    When "c2" sends a "$JS.API.STREAM.CREATE.foo" request with:
      """
      {"name": "foo", "num_replicas": 1}
      """
    And "c2" sends a "$JS.API.STREAM.CREATE.bar" request with:
      """
      {"name": "bar", "num_replicas": 1}
      """
    And "c2" stores 2 messages on "foo"
    And "c2" stores 3 messages on "bar"
    And "c3" sends a "$JS.API.STREAM.LIST" request
    Then the reply field "total" is 2
    And the reply list "streams" entry with "config.name" equal to "foo" has "state.messages" equal to "2"
    And the reply list "streams" entry with "config.name" equal to "bar" has "state.messages" equal to "3"
    When the JetStream meta leader is moved to server "C"
    And "c2" sends a "$JS.API.STREAM.LIST" request
    Then the reply field "total" is 2
    And the reply list "streams" entry with "config.name" equal to "foo" has "state.messages" equal to "2"
    And the reply list "streams" entry with "config.name" equal to "bar" has "state.messages" equal to "3"

  @go:TestJetStreamClusterSingleReplicaStreams @go:TestJetStreamClusterNewHealthz @needs-clustered-streams @needs-clustered-consumers
  Scenario: An R1 stream comes back with its server, which is healthy again once it has caught up
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.R1" request with:
      """
      {"name": "R1", "subjects": ["foo"], "num_replicas": 1, "placement": {"tags": ["node:b"]}}
      """
    Then the reply field "cluster.leader" is "B"
    When "c1" stores 5 messages on "foo"
    And "c1" sends a "$JS.API.CONSUMER.CREATE.R1.dlc" request with:
      """
      {"stream_name": "R1", "config": {"durable_name": "dlc", "ack_policy": "explicit"}}
      """
    Then the reply field "num_pending" is 5
    And the monitoring endpoint "/healthz?account=$G&stream=R1" of server "B" answers with status 200
    And the monitoring endpoint "/healthz?account=$G&stream=R1&consumer=dlc" of server "B" answers with status 200
    When the server "B" is stopped
    And "c1" sends a "$JS.API.STREAM.CREATE.OTHER" request with:
      """
      {"name": "OTHER", "subjects": ["bar"], "num_replicas": 1}
      """
    Then the reply has no field "error"
    When the server "B" is started again
    Then the cluster is formed within 30s
    When "c1" polls "$JS.API.STREAM.INFO.R1" until the reply field "state.messages" is 5 within 10s
    Then the reply field "cluster.leader" is "B"
    When "c1" sends a "$JS.API.CONSUMER.INFO.R1.dlc" request
    Then the reply field "num_pending" is 5
    And the monitoring endpoint "/healthz" of server "B" answers with status 200
    And the monitoring endpoint "/healthz?account=$G&stream=R1" of server "B" answers with status 200
    And the monitoring endpoint "/healthz?account=$G&stream=R1&consumer=dlc" of server "B" answers with status 200

  @go:TestJetStreamClusterNewHealthz @needs-clustered-streams
  Scenario: /healthz checks of one stream look at the local server only and name what is missing
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.R1" request with:
      """
      {"name": "R1", "subjects": ["foo"], "num_replicas": 1, "placement": {"tags": ["node:b"]}}
      """
    Then the reply field "cluster.leader" is "B"
    And the monitoring endpoint "/healthz?account=$G&stream=R1" of server "B" answers with status 200 and a body containing "ok"
    And the monitoring endpoint "/healthz?account=$G&stream=R1" of server "A" answers with status 404
    And the monitoring endpoint "/healthz?account=$G&stream=R1" of server "A" includes:
      """
      {"status": "unavailable", "error": "JetStream stream \"R1\" not found on account \"$G\""}
      """
    And the monitoring endpoint "/healthz?account=$G&stream=NOPE" of server "B" answers with status 404
    And the monitoring endpoint "/healthz?account=$G&stream=R1&consumer=NOPE" of server "B" answers with status 404
    And the monitoring endpoint "/healthz?account=$G&stream=R1&consumer=NOPE" of server "B" includes:
      """
      {"status": "unavailable", "error": "JetStream consumer \"NOPE\" not found for stream \"R1\" on account \"$G\""}
      """
    And the monitoring endpoint "/healthz?account=$G&stream=NOPE&details=true" of server "B" includes:
      """
      {"status": "error", "errors": [{"type": "STREAM", "account": "$G", "stream": "NOPE",
                                      "error": "JetStream stream \"NOPE\" not found on account \"$G\""}]}
      """
    And the monitoring endpoint "/healthz?stream=R1" of server "B" answers with status 400
    And the monitoring endpoint "/healthz?stream=R1" of server "B" includes:
      """
      {"status": "error", "error": "\"account\" must not be empty when checking stream health"}
      """

  @go:TestJetStreamClusterRemovePeerByID
  Scenario: After a full restart without one server, that server is unknown by name but removable by peer id
    Given a cluster of 3 servers with JetStream
    When the server "A" is stopped
    And the server "B" is stopped
    And the server "C" is stopped
    And the server "A" is started again
    And the server "B" is started again
    Then the JetStream meta leader is one of "A,B" within 20s
    When the JetStream meta leader is moved to server "A"
    Given a client "sys" to server "A" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "C"}
      """
    Then the reply is an error with code 400, err_code 10044 and description "server is not a member of the cluster"
    And the monitoring endpoint "/jsz" of server "A" includes:
      """
      {"meta_cluster": {"cluster_size": 3, "replicas": [{"peer": "jZ6RvVRH", "current": false, "offline": true,
        "name": "Server name unknown at this time (peerID: jZ6RvVRH)"}]}}
      """
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer_id": "jZ6RvVRH"}
      """
    Then the reply field "success" is true
    And the monitoring endpoint "/jsz" of server "A" includes within 5s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 2, "quorum_needed": 2}}
      """

  @go:TestJetStreamClusterMultiRestartBug @go:TestJetStreamClusterLeader @needs-clustered-streams
  Scenario: A JetStream cluster restarted as a whole elects a meta leader that still knows every stream
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name": "S1", "num_replicas": 1}
      """
    And "c1" sends a "$JS.API.STREAM.CREATE.S2" request with:
      """
      {"name": "S2", "num_replicas": 1}
      """
    Then the reply has no field "error"
    When the server "A" is stopped
    And the server "B" is stopped
    And the server "C" is stopped
    And the server "A" is started again
    And the server "B" is started again
    And the server "C" is started again
    Then the cluster is formed within 30s
    Given a client "c2" to server "B"
    When "c2" polls "$JS.API.STREAM.NAMES" until the reply field "total" is 2 within 10s
    Then the reply field "streams" contains "S1"
    And the reply field "streams" contains "S2"

  @go:TestJetStreamClusterMetaPeerRemoveResponseAfterQuorum
  Scenario: A server removal without a quorum is answered once the quorum is back, and refuses other changes meanwhile
    Given a cluster of 5 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "sys" to server "A" with user "sys" and password "sys"
    When the server "C" is stopped
    And the server "D" is stopped
    And the server "E" is stopped
    And "sys" subscribes to "_R.remove" as "r"
    And "sys" publishes '{"peer": "E"}' to "$JS.API.SERVER.REMOVE" with reply "_R.remove"
    Then "r" receives no message within 1s
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "E"}
      """
    Then the reply is an error with code 400, err_code 10202 and description "cluster member change is in progress"
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "D"}
      """
    Then the reply is an error with code 400, err_code 10202 and description "cluster member change is in progress"
    When the server "C" is started again
    Then "r" receives 1 messages within 10s
    And the last message on "r" is JSON including:
      """
      {"type": "io.nats.jetstream.api.v1.meta_server_remove_response", "success": true, "error": null}
      """
    And the JetStream meta leader is server "A" within 5s
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "E"}
      """
    Then the reply is an error with code 400, err_code 10044 and description "server is not a member of the cluster"

  @go:TestJetStreamClusterMetaRescue
  Scenario: Two survivors of five rescue the meta group by lowering its quorum, then remove the lost servers
    Given a cluster of 5 servers with JetStream
    And the JetStream meta leader is moved to server "E"
    And a client "sys" to server "A" with user "sys" and password "sys"
    When "sys" subscribes to "$JS.EVENT.ADVISORY.SERVER.META_RESCUE" as "adv"
    And the server "C" is stopped
    And the server "D" is stopped
    And the server "E" is stopped
    Then the monitoring endpoint "/jsz" of server "A" includes within 15s:
      """
      {"meta_cluster": {"leader": null, "cluster_size": 5, "quorum_needed": 3}}
      """
    And the monitoring endpoint "/jsz" of server "B" includes within 15s:
      """
      {"meta_cluster": {"leader": null, "cluster_size": 5, "quorum_needed": 3}}
      """
    When "sys" subscribes to "_R.rescue" as "r"
    And "sys" publishes '{"quorum_needed": 2}' to "$JS.API.META.RESCUE" with reply "_R.rescue"
    Then "r" receives 2 messages within 5s
    And every message on "r" is JSON including:
      """
      {"type": "io.nats.jetstream.api.v1.meta_rescue_response"}
      """
    And "adv" receives 1 messages within 5s
    And the last message on "adv" is JSON including:
      """
      {"type": "io.nats.jetstream.advisory.v1.meta_rescue", "prev_quorum": 3, "new_quorum": 2, "cluster": "C1"}
      """
    And the JetStream meta leader is one of "A,B" within 10s
    When the JetStream meta leader is moved to server "A"
    And "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "C"}
      """
    Then the reply field "success" is true
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "D"}
      """
    Then the reply field "success" is true
    When "sys" sends a "$JS.API.SERVER.REMOVE" request with:
      """
      {"peer": "E"}
      """
    Then the reply field "success" is true
    And the monitoring endpoint "/jsz" of server "A" includes within 5s:
      """
      {"meta_cluster": {"leader": "A", "cluster_size": 2, "quorum_needed": 2, "rescue": null}}
      """

  @go:TestJetStreamClusterNoLeadersDuringLameDuck
  Scenario: A meta leader put in lame duck mode hands the leadership over at once
    Given every cluster node has config:
      """
      lame_duck_duration: "30s"
      lame_duck_grace_period: "10s"
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When the server "A" enters lame duck mode
    Then the JetStream meta leader is one of "B,C" within 5s
    And server "A" is not the JetStream meta leader for 2s
    And the server "A" is running

  @go:TestJetStreamClusterNoLeadersDuringLameDuck @slow
  Scenario: A step-down preferring a server in lame duck mode succeeds, but that server never takes the lead
    Given every cluster node has config:
      """
      lame_duck_duration: "30s"
      lame_duck_grace_period: "20s"
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c1" to server "A"
    When the server "A" enters lame duck mode
    Then the JetStream meta leader is one of "B,C" within 5s
    Given a client "sys" to server "B" with user "sys" and password "sys"
    When "sys" sends a "$JS.API.META.LEADER.STEPDOWN" request with:
      """
      {"placement": {"preferred": "A"}}
      """
    Then the reply field "success" is true
    And server "A" is not the JetStream meta leader for 3s
    And the JetStream meta leader is one of "B,C" within 20s
    And the server "A" is running

  @go:TestJetStreamClusterLeader @go:TestJetStreamClusterSingleReplicaStreams @slow @needs-clustered-streams
  Scenario: After the meta leader is killed, the new leader knows every stream and places new ones
    Given cluster node "B" has config:
      """
      server_tags: ["node:b"]
      """
    And a cluster of 3 servers with JetStream
    And the JetStream meta leader is moved to server "A"
    And a client "c2" to server "B"
    When "c2" sends a "$JS.API.STREAM.CREATE.S1" request with:
      """
      {"name": "S1", "subjects": ["s1"], "num_replicas": 1, "placement": {"tags": ["node:b"]}}
      """
    And "c2" stores 3 messages on "s1"
    And the server "A" is killed
    Then the JetStream meta leader is one of "B,C" within 20s
    When "c2" sends a "$JS.API.STREAM.CREATE.S2" request with:
      """
      {"name": "S2", "subjects": ["s2"], "num_replicas": 1}
      """
    Then the reply has no field "error"
    And the reply field "cluster.leader" matches "^(B|C)$"
    When "c2" sends a "$JS.API.STREAM.NAMES" request
    Then the reply field "total" is 2
    When "c2" sends a "$JS.API.STREAM.INFO.S1" request
    Then the reply field "state.messages" is 3
    And the reply field "cluster.leader" is "B"
    When the server "A" is started again
    Then the cluster is formed within 30s
    And the monitoring endpoint "/jsz" of server "A" includes within 10s:
      """
      {"meta_cluster": {"cluster_size": 3, "replicas": [{"name": "B"}, {"name": "C"}]}}
      """
