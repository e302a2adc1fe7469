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
  Scenario: When the meta leader stops gracefully the survivors elect a new one quickly
    Given a cluster of 3 servers with JetStream
    When the JetStream meta leader is stopped
    Then a JetStream meta leader is elected within 10s
