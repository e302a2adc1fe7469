@needs-jetstream @process
Feature: JetStream rollups
  The Nats-Rollup header replaces the messages of a subject or of the whole stream,
  when the stream allows rollup headers.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestJetStreamRollup
  Scenario: A subject rollup keeps only the rollup message of that subject
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file","allow_rollup_hdrs":true}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" stores 3 messages on "foo.b"
    And "c1" stores "rolled" on "foo.a" with headers:
      | Nats-Rollup | sub |
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.messages" is 4
    And the reply field "state.subjects" is {"foo.a":1,"foo.b":3}
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.a"}
      """
    Then the reply field "message.seq" is 9

  @go:TestJetStreamRollup
  Scenario: An all rollup keeps only the rollup message in the stream
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory","allow_rollup_hdrs":true}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" stores 3 messages on "foo.b"
    And "c1" stores "all" on "foo.c" with headers:
      | Nats-Rollup | all |
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 9
    And the reply field "state.last_seq" is 9

  @go:TestJetStreamRollup
  Scenario: A rollup header is refused when the stream does not allow it
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory"}
      """
    When "c1" stores 2 messages on "foo.a"
    And "c1" publishes "r" to "foo.a" for an ack with headers:
      | Nats-Rollup | sub |
    Then the reply is an error with code 500, err_code 10111 and description "rollup not permitted"
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 2

  @go:TestJetStreamRollup @since-2.11
  Scenario: An unknown rollup value is refused
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory","allow_rollup_hdrs":true}
      """
    When "c1" publishes "r" to "foo.a" for an ack with headers:
      | Nats-Rollup | everything |
    Then the reply field "error.err_code" is 10111
    And the reply field "error.description" has text containing "rollup value invalid"

  @go:TestJetStreamRollup
  Scenario: Rollups are refused on a stream that denies purges
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory","allow_rollup_hdrs":true,"deny_purge":true}
      """
    Then the reply is an error with code 500, err_code 10052 and description "roll-ups require the purge permission"

  @go:TestJetStreamRollup
  Scenario: A rollup survives a restart of a file stream
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"file","allow_rollup_hdrs":true}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" stores "rolled" on "foo.a" with headers:
      | Nats-Rollup | sub |
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 6

  @go:TestJetStreamRollup
  Scenario: A durable consumer sees only the rollup after a subject rollup
    Given "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory","allow_rollup_hdrs":true}
      """
    When "c1" stores 3 messages on "foo.a"
    And "c1" stores "rolled" on "foo.a" with headers:
      | Nats-Rollup | sub |
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    Then the reply field "num_pending" is 1
    When "c1" pulls from consumer "d" of stream "S" with 5 as "f"
    Then "f" receives the payloads "rolled" within 2s
