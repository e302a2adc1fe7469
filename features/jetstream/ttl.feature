@needs-jetstream @process @since-2.11
Feature: JetStream per-message TTL and subject delete markers
  The Nats-TTL header on streams that allow message TTLs, and the delete markers a
  stream leaves when max age removes the last message of a subject.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestJetStreamMessageTTL
  Scenario: A message with a TTL expires on its own
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"file","allow_msg_ttl":true}
      """
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1s |
    And "c1" stores "forever" on "t.b"
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1 within 5s
    Then the reply field "state.first_seq" is 2

  @go:TestJetStreamMessageTTL
  Scenario: A TTL can be given in seconds
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true}
      """
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1 |
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 0 within 5s

  @go:TestJetStreamMessageTTLDisabled
  Scenario: A TTL header is refused when the stream does not allow TTLs
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory"}
      """
    When "c1" publishes "x" to "t.a" for an ack with headers:
      | Nats-TTL | 1s |
    Then the reply is an error with code 400, err_code 10166 and description "per-message TTL is disabled"

  @go:TestJetStreamMessageTTLInvalid
  Scenario Outline: An invalid TTL value <ttl> is refused
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true}
      """
    When "c1" publishes "x" to "t.a" for an ack with headers:
      | Nats-TTL | <ttl> |
    Then the reply is an error with code 400, err_code 10165 and description "invalid per-message TTL"

    Examples:
      | ttl   |
      | 500ms |
      | bogus |
      | -5s   |

  @go:TestJetStreamMessageTTLNeverExpire
  Scenario: A TTL of never keeps the message despite max age
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true,"max_age":1000000000}
      """
    When "c1" stores "keep" on "t.a" with headers:
      | Nats-TTL | never |
    And "c1" stores "drop" on "t.b"
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1 within 5s
    Then the reply field "state.first_seq" is 1

  @go:TestJetStreamMessageTTLNotUpdatable
  Scenario: Allowing TTLs cannot be turned off again
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true}
      """
    When "c1" sends a "$JS.API.STREAM.UPDATE.T" request with:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":false}
      """
    Then the reply is an error with code 500, err_code 10052 and description "message TTL status can not be disabled"

  @go:TestJetStreamMessageTTLRestart
  Scenario: A TTL still expires the message after a restart
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"file","allow_msg_ttl":true}
      """
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 2s |
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 0 within 6s

  @go:TestJetStreamCreateStreamWithSubjectDeleteMarkersOptions
  Scenario: Subject delete markers need TTLs and rollups allowed
    When "c1" sends a "$JS.API.STREAM.CREATE.T" request with:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","max_age":1000000000,"subject_delete_marker_ttl":1000000000}
      """
    Then the reply has no field "error"
    And the reply field "config.allow_msg_ttl" is true
    And the reply field "config.allow_rollup_hdrs" is true

  @go:TestJetStreamCreateStreamWithSubjectDeleteMarkersOptions
  Scenario: Subject delete markers are not allowed on a mirror
    Given "c1" creates the stream:
      """
      {"name":"O","subjects":["o"],"storage":"memory"}
      """
    When "c1" sends a "$JS.API.STREAM.CREATE.M" request with:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"},"subject_delete_marker_ttl":1000000000}
      """
    Then the reply is an error with code 500, err_code 10052 and description "subject delete markers forbidden on mirrors"

  @go:TestJetStreamSubjectDeleteMarkers
  Scenario: Max age leaves a delete marker for the subject
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"file","max_age":1000000000,"subject_delete_marker_ttl":1000000000,"allow_direct":true}
      """
    When "c1" subscribes to "d.out" as "watch"
    And "c1" creates the consumer on "T":
      """
      {"name":"w","deliver_subject":"d.out","ack_policy":"none","inactive_threshold":30000000000}
      """
    And "c1" stores "v" on "t.a"
    Then "watch" receives "v" on "t.a" within 2s
    And "watch" receives a message on "t.a" within 5s
    And the last message on "watch" has header "Nats-Marker-Reason" equal to "MaxAge"
    And the last message on "watch" has header "Nats-TTL" equal to "1s"

  @go:TestJetStreamMessageTTLWhenMirroring
  Scenario: A mirror keeps the TTL header of mirrored messages
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true}
      """
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1h |
    And "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"T"},"allow_direct":true}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 1
    And "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.M" with replies to "g"
    Then "g" receives the payloads "short" within 2s
    And the last message on "g" has header "Nats-TTL" equal to "1h"

  @go:TestJetStreamRemoveTTLOnRemoveMsg
  Scenario: A deleted message with a TTL stays deleted
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"file","allow_msg_ttl":true}
      """
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1s |
    And "c1" stores "keep" on "t.b"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.T" request with:
      """
      {"seq":1}
      """
    Then the reply field "success" is true
    When 1500ms has passed
    And "c1" sends a "$JS.API.STREAM.INFO.T" request
    Then the reply field "state.messages" is 1
    And the reply field "state.last_seq" is 2

  @go:TestJetStreamSubjectDeleteMarkersTTLRollupWithoutMaxAge
  Scenario: A purge with a TTL rollup leaves a marker that expires
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"file","allow_msg_ttl":true,"allow_rollup_hdrs":true}
      """
    When "c1" stores "v1" on "t.a"
    And "c1" stores "v2" on "t.a"
    And "c1" stores "" on "t.a" with headers:
      | Nats-Rollup | sub |
      | Nats-TTL    | 1s  |
    And "c1" sends a "$JS.API.STREAM.INFO.T" request
    Then the reply field "state.messages" is 1
    When "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 0 within 5s
    Then the reply field "state.last_seq" is 3

  @go:TestJetStreamMessageTTLWhenSourcing
  Scenario: A sourcing stream without TTLs refuses nothing and keeps the message
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true}
      """
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1s |
    And "c1" creates the stream:
      """
      {"name":"SRC","storage":"memory","sources":[{"name":"T"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.SRC" until the reply field "state.messages" is 1
