@cluster @needs-jetstream @needs-jetstream-cluster
Feature: A JetStream cluster forms and survives the loss of its meta leader
  Three servers with JetStream elect exactly one meta leader; every server is healthy
  once it has one; after the leader is killed or stopped, the survivors elect a new
  one. Ported from server/jetstream_cluster_1_test.go (TestJetStreamClusterConfig,
  TestJetStreamClusterLeader) as cluster readiness checks.

  @go:TestJetStreamClusterConfig @go:TestJetStreamClusterLeader
  Scenario: A three-server JetStream cluster elects exactly one meta leader and is healthy
    Given a cluster of 3 servers with JetStream
    Then a JetStream meta leader is elected within 5s
    And the monitoring endpoint "/healthz" of server "A" answers with status 200
    And the monitoring endpoint "/healthz" of server "C" answers with status 200

  @go:TestJetStreamClusterLeader @slow
  Scenario: When the meta leader is killed the survivors elect a new one
    Given a cluster of 3 servers with JetStream
    When the JetStream meta leader is killed
    Then a JetStream meta leader is elected within 20s

  @go:TestJetStreamClusterLeaderStepdown
  Scenario: When the meta leader stops gracefully the survivors elect a new one
    Given a cluster of 3 servers with JetStream
    When the JetStream meta leader is stopped
    Then a JetStream meta leader is elected within 15s

  @go:TestJetStreamClusterMultiReplicaStreams @go:TestJetStreamClusterStreamPublishWithActiveConsumers @needs-clustered-streams
  Scenario: A three-replica stream keeps its messages on a replica that is killed and started again
    Given a cluster of 3 servers with JetStream
    And a client "c1" to server "A"
    When "c1" sends a "$JS.API.STREAM.CREATE.ORDERS" request with:
      """
      {"name": "ORDERS", "subjects": ["orders.>"], "num_replicas": 3, "storage": "file"}
      """
    Then the reply has no field "error"
    And the reply field "config.num_replicas" is 3
    When "c1" publishes "one" to "orders.1"
    And "c1" publishes "two" to "orders.2"
    And "c1" publishes "three" to "orders.3"
    And "c1" polls "$JS.API.STREAM.INFO.ORDERS" until the reply field "state.messages" is 3 within 10s
    Then the monitoring endpoint "/jsz" of server "C" field "messages" is "3"
    When the server "C" is killed
    And the server "C" is started again
    Then the cluster is formed within 30s
    Given a client "c3" to server "C"
    When "c3" polls "$JS.API.STREAM.INFO.ORDERS" until the reply field "state.messages" is 3 within 20s
    Then the reply field "config.num_replicas" is 3
    And the reply field "cluster.replicas" has 2 items
    And the monitoring endpoint "/jsz" of server "C" field "messages" is "3"

  @go:TestJetStreamClusterLeader @slow
  Scenario: A frozen meta leader is replaced, and after it thaws the cluster has one leader again
    Given a cluster of 3 servers with JetStream
    When the JetStream meta leader is paused
    Then a JetStream meta leader is elected within 20s
    When the former JetStream meta leader is resumed
    Then the cluster is formed within 30s

  @go:TestJetStreamClusterLeader
  Scenario: A killed meta leader that starts again rejoins a cluster with one leader
    Given a cluster of 3 servers with JetStream
    When the JetStream meta leader is killed
    And the former JetStream meta leader is started again
    Then the cluster is formed within 30s
