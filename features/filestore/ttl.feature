@needs-jetstream @process @since-2.11
Feature: File store per-message TTLs, delete markers and schedules across restarts
  Per-message TTLs (Nats-TTL) are tracked in a timed hash wheel the store saves on
  shutdown (msgs/thw.db) and rebuilds from the blocks when it is missing; subject
  delete markers are written when max age removes a subject's last message, also for
  messages stored before a restart; message schedules (msgs/sched.db) keep firing.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"T","subjects":["t.>"],"storage":"file","allow_msg_ttl":true}
      """

  @go:TestFileStoreMessageTTLRestart @go:TestJetStreamMessageTTLRestart
  Scenario: A message TTL still expires the message after a clean restart
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 2s |
    And "c1" stores "forever" on "t.b"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 2
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1 within 6s
    Then the reply field "state.first_seq" is 2
    And the reply field "state.last_seq" is 2

  @go:TestFileStoreMessageTTLRecoveredSingleMessageWithoutStreamState @go:TestJetStreamMessageTTLRecovered
  Scenario: A message TTL is recovered from the blocks after a kill -9
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 2s |
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 0 within 6s
    Then the reply field "state.last_seq" is 1
    And the reply field "state.first_seq" is 2

  @go:TestFileStoreMessageTTLRecovered
  Scenario: A message TTL is recovered without the state and TTL files
    When "c1" stores "keep" on "t.b"
    And "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 2s |
    And the server is stopped
    Then the server has 1 store file matching "jetstream/$G/streams/T/msgs/thw.db"
    When the store file "jetstream/$G/streams/T/msgs/thw.db" of the server is deleted
    And the store file "jetstream/$G/streams/T/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1 within 6s
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 2

  @go:TestFileStoreMessageTTLRecoveredOffByOne @go:TestFileStoreExpireMsgsOnStart
  Scenario: A message whose TTL ran out while the server was down is gone after start
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1s |
    And "c1" stores "forever" on "t.b"
    And the server is stopped
    And 2s has passed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1
    Then the reply field "state.first_seq" is 2

  @go:TestFileStoreMessageTTL @go:TestJetStreamMessageTTLNeverExpire
  Scenario: A message that never expires keeps its TTL across a restart
    When "c1" sends a "$JS.API.STREAM.UPDATE.T" request with:
      """
      {"name":"T","subjects":["t.>"],"storage":"file","allow_msg_ttl":true,"max_age":1000000000}
      """
    Then the reply has no field "error"
    When "c1" stores "keep" on "t.a" with headers:
      | Nats-TTL | never |
    And "c1" stores "drop" on "t.b"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1 within 6s
    Then the reply field "state.first_seq" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.GET.T" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.data" is "a2VlcA=="

  @go:TestJetStreamSubjectDeleteMarkersAfterRestart @go:TestFileStoreSubjectDeleteMarkers
  Scenario: Max age leaves a delete marker for messages stored before a restart
    Given "c1" creates the stream:
      """
      {"name":"SDM","subjects":["test"],"storage":"file","max_age":1000000000,"allow_msg_ttl":true,"subject_delete_marker_ttl":1000000000}
      """
    And "c1" creates the consumer on "SDM":
      """
      {"name":"test_consumer","ack_policy":"explicit"}
      """
    When "c1" stores 3 messages on "test"
    And the server is restarted
    And "c1" pulls from consumer "test_consumer" of stream "SDM" with 3 as "p"
    Then "p" receives the payloads "1, 2, 3" within 5s
    When "c1" acks all messages on "p"
    And "c1" pulls from consumer "test_consumer" of stream "SDM" with {"batch":1,"expires":5000000000} as "m"
    Then "m" receives a message on "test" within 5s
    And the last message on "m" has header "Nats-Marker-Reason" equal to "MaxAge"
    And the last message on "m" has header "Nats-TTL" equal to "1s"

  @go:TestFileStoreNoPanicOnRecoverTTLWithCorruptBlocks
  Scenario: TTL messages in a store with a missing block do not stop the server
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["b.>"],"storage":"file","allow_msg_ttl":true,"max_bytes":120000}
      """
    When "c1" stores "first" on "b.ttl" with headers:
      | Nats-TTL | 1h |
    And "c1" stores 40 messages of 1000 bytes on "b.big"
    And "c1" stores "middle" on "b.ttl" with headers:
      | Nats-TTL | 1h |
    And "c1" stores 40 messages of 1000 bytes on "b.big"
    And "c1" stores "last" on "b.ttl" with headers:
      | Nats-TTL | 1h |
    And the server is killed
    And the store file "jetstream/$G/streams/B/msgs/2.blk" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.last_seq" is 83
    Then the server is running
    And the reply number "state.num_deleted" is at least 20
    And the server log contains "TTL state is outdated; attempting to recover using linear scan" within 2s
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":42}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"seq":83}
      """
    Then the reply field "message.data" is "bGFzdA=="

  @go:TestFileStoreMessageScheduleRecovered @go:TestFileStoreMessageSchedule @since-2.14
  Scenario: A repeating message schedule keeps firing after a restart
    Given "c1" creates the stream:
      """
      {"name":"SCH","subjects":["sched.>"],"storage":"file","allow_msg_schedules":true}
      """
    When "c1" stores "tick" on "sched.every" with headers:
      | Nats-Schedule        | @every 1s    |
      | Nats-Schedule-Target | sched.target |
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.SCH" until the reply field "config.allow_msg_schedules" is true
    And "c1" creates the consumer on "SCH":
      """
      {"durable_name":"T","ack_policy":"explicit","filter_subject":"sched.target"}
      """
    And "c1" pulls from consumer "T" of stream "SCH" with {"batch":1,"expires":5000000000} as "m"
    Then "m" receives a message on "sched.target" within 5s
    And the last message on "m" has payload "tick"
    And the last message on "m" has header "Nats-Scheduler" equal to "sched.every"

  @go:TestFileStoreMessageScheduleRecovered @since-2.14
  Scenario: A message schedule is recovered from the blocks without its state file
    Given "c1" creates the stream:
      """
      {"name":"SCH","subjects":["sched.>"],"storage":"file","allow_msg_schedules":true}
      """
    When "c1" stores "tick" on "sched.every" with headers:
      | Nats-Schedule        | @every 1s    |
      | Nats-Schedule-Target | sched.target |
    And the server is stopped
    And every store file "jetstream/$G/streams/SCH/msgs/sched.db" of the server is deleted
    And the store file "jetstream/$G/streams/SCH/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.SCH" until the reply field "config.allow_msg_schedules" is true
    And "c1" creates the consumer on "SCH":
      """
      {"durable_name":"T","ack_policy":"explicit","filter_subject":"sched.target"}
      """
    And "c1" pulls from consumer "T" of stream "SCH" with {"batch":1,"expires":5000000000} as "m"
    Then "m" receives a message on "sched.target" within 5s
    And the last message on "m" has payload "tick"

  @go:TestFileStoreMessageTTLWriteTombstone
  Scenario: A message removed by its TTL stays removed when the state is rebuilt from the blocks
    When "c1" stores "short" on "t.a" with headers:
      | Nats-TTL | 1s |
    And "c1" stores "keep" on "t.b"
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 1 within 5s
    Then the reply field "state.first_seq" is 2
    And the reply field "state.last_seq" is 2
    When the server is stopped
    And the store file "jetstream/$G/streams/T/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.last_seq" is 2
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 2
    When "c1" sends a "$JS.API.STREAM.MSG.GET.T" request with:
      """
      {"seq":1}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
