@needs-jetstream @process
Feature: JetStream publishing
  Pub acks, de-duplication with Nats-Msg-Id and the duplicate window, and the
  expected-stream / last-sequence / last-subject-sequence / last-msg-id headers.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"EXPECT","subjects":["foo.*"],"storage":"file","max_age":3600000000000}
      """

  @go:TestJetStreamPubAck
  Scenario: Pub acks carry the stream name and increasing sequences
    When "c1" publishes "HELLO" to "foo.bar" for an ack
    Then the reply field "stream" is "EXPECT"
    And the reply field "seq" is 1
    And the reply has no field "duplicate"
    And the reply has no field "error"
    When "c1" publishes "HELLO" to "foo.baz" for an ack
    Then the reply field "seq" is 2

  @go:TestJetStreamPubAck
  Scenario: A pub ack matches the golden shape
    When "c1" publishes "HELLO" to "foo.bar" for an ack
    Then the reply matches golden "pub-ack"

  @go:TestJetStreamNoAckStream
  Scenario: A no-ack stream stores messages without answering
    When "c1" sends a "$JS.API.STREAM.CREATE.NOACK" request with:
      """
      {"name":"NOACK","subjects":["noack"],"storage":"memory","no_ack":true}
      """
    And "c1" subscribes to "reply.here" as "acks"
    And "c1" publishes "x" to "noack" with reply "reply.here"
    And "c1" publishes "y" to "noack" with reply "reply.here"
    Then "acks" receives no message within 300ms
    When "c1" polls "$JS.API.STREAM.INFO.NOACK" until the reply field "state.messages" is 2

  @go:TestJetStreamPubAck
  Scenario: A publish without a reply subject is stored silently
    When "c1" publishes "x" to "foo.bar"
    And "c1" polls "$JS.API.STREAM.INFO.EXPECT" until the reply field "state.messages" is 1

  @go:TestJetStreamPublishDeDupe
  Scenario: A repeated message id inside the duplicate window is not stored again
    When "c1" stores "one" on "foo.bar" with headers:
      | Nats-Msg-Id | AA |
    Then the reply field "seq" is 1
    When "c1" publishes "again" to "foo.bar" for an ack with headers:
      | Nats-Msg-Id | AA |
    Then the reply field "seq" is 1
    And the reply field "duplicate" is true
    When "c1" publishes "other" to "foo.bar" for an ack with headers:
      | Nats-Msg-Id | BB |
    Then the reply field "seq" is 2
    And the reply has no field "duplicate"
    When "c1" sends a "$JS.API.STREAM.INFO.EXPECT" request
    Then the reply field "state.messages" is 2

  @go:TestJetStreamPublishDeDupe
  Scenario: A message id can be reused once the duplicate window has passed
    When "c1" sends a "$JS.API.STREAM.CREATE.DD" request with:
      """
      {"name":"DD","subjects":["dd"],"storage":"memory","duplicate_window":200000000}
      """
    Then the reply field "config.duplicate_window" is 200000000
    When "c1" stores "one" on "dd" with headers:
      | Nats-Msg-Id | AA |
    And "c1" polls "$JS.API.STREAM.INFO.DD" until the reply field "state.messages" is 1
    And "c1" publishes "again" to "dd" for an ack with headers:
      | Nats-Msg-Id | AA |
    Then the reply field "duplicate" is true
    When 1s has passed
    And "c1" publishes "late" to "dd" for an ack with headers:
      | Nats-Msg-Id | AA |
    Then the reply field "seq" is 2
    And the reply has no field "duplicate"

  @go:TestJetStreamPublishDeDupe
  Scenario: De-duplication survives a server restart
    When "c1" stores "one" on "foo.bar" with headers:
      | Nats-Msg-Id | AA |
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.EXPECT" until the reply field "state.messages" is 1
    And "c1" publishes "again" to "foo.bar" for an ack with headers:
      | Nats-Msg-Id | AA |
    Then the reply field "duplicate" is true
    And the reply field "seq" is 1

  @go:TestJetStreamNegativeDupeWindow
  Scenario: A negative duplicate window is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.NEG" request with:
      """
      {"name":"NEG","subjects":["neg"],"storage":"memory","duplicate_window":-1}
      """
    Then the reply is an error with code 500, err_code 10052 and description "duplicates window can not be negative"

  @go:TestJetStreamNegativeDupeWindow
  Scenario: A duplicate window larger than max age is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.BIG" request with:
      """
      {"name":"BIG","subjects":["big"],"storage":"memory","max_age":1000000000,"duplicate_window":5000000000}
      """
    Then the reply is an error with code 500, err_code 10052 and description "duplicates window can not be larger then max age"

  @go:TestJetStreamPublishExpect
  Scenario: The expected stream header must name the stream
    When "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Expected-Stream | EXPECT |
    Then the reply field "seq" is 1
    When "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Expected-Stream | ORDERS |
    Then the reply is an error with code 400, err_code 10060 and description "expected stream does not match"

  @go:TestJetStreamPublishExpect
  Scenario: The expected last sequence header must match the stream's last sequence
    When "c1" stores "HELLO" on "foo.bar"
    And "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Expected-Last-Sequence | 10 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"
    When "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Expected-Last-Sequence | 1 |
    Then the reply field "seq" is 2

  @go:TestJetStreamPublishExpect
  Scenario: An expected last sequence of zero requires an empty stream
    When "c1" publishes "first" to "foo.bar" for an ack with headers:
      | Nats-Expected-Last-Sequence | 0 |
    Then the reply field "seq" is 1
    When "c1" publishes "second" to "foo.bar" for an ack with headers:
      | Nats-Expected-Last-Sequence | 0 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"

  @go:TestJetStreamPublishExpect
  Scenario: The expected last msg id header must match the last stored id
    When "c1" stores "HELLO" on "foo.bar" with headers:
      | Nats-Msg-Id | AAA |
    And "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Msg-Id               | ZZZ |
      | Nats-Expected-Last-Msg-Id | BBB |
    Then the reply is an error with code 400, err_code 10070 and description "wrong last msg ID: AAA"
    When "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Msg-Id               | ZZZ |
      | Nats-Expected-Last-Msg-Id | AAA |
    Then the reply field "seq" is 2

  @go:TestJetStreamPublishExpect
  Scenario: Expectations are checked against state recovered after a restart
    When "c1" stores "HELLO" on "foo.bar" with headers:
      | Nats-Msg-Id | AAA |
    And "c1" stores "HELLO" on "foo.bar"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.EXPECT" until the reply field "state.messages" is 2
    And "c1" publishes "HELLO AGAIN" to "foo.baz" for an ack with headers:
      | Nats-Expected-Last-Sequence | 2   |
      | Nats-Msg-Id                 | BBB |
    Then the reply field "seq" is 3

  @go:TestJetStreamLastSequenceBySubject
  Scenario: The expected last subject sequence guards one subject
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" publishes "a2" to "foo.a" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply field "seq" is 3
    When "c1" publishes "a3" to "foo.a" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 3"
    When "c1" publishes "c1" to "foo.c" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 4

  @go:TestJetStreamLastSequenceBySubjectWithSubject @since-2.11
  Scenario: The expected last subject sequence can name a wildcard subject
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" publishes "c" to "foo.c" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence         | 2     |
      | Nats-Expected-Last-Subject-Sequence-Subject | foo.* |
    Then the reply field "seq" is 3
    When "c1" publishes "d" to "foo.d" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence         | 2     |
      | Nats-Expected-Last-Subject-Sequence-Subject | foo.* |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 3"

  @go:TestJetStreamPublishExpectNoMsg
  Scenario: A failed expectation stores nothing
    When "c1" stores "HELLO" on "foo.bar"
    And "c1" publishes "HELLO" to "foo.bar" for an ack with headers:
      | Nats-Expected-Last-Sequence | 5 |
    And "c1" sends a "$JS.API.STREAM.INFO.EXPECT" request
    Then the reply field "state.messages" is 1
    And the reply field "state.last_seq" is 1

  @go:TestJetStreamLongStreamNamesAndPubAck
  Scenario: A long stream name is echoed in full in the pub ack
    When "c1" sends a "$JS.API.STREAM.CREATE.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" request with:
      """
      {"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","subjects":["long"],"storage":"memory"}
      """
    And "c1" publishes "x" to "long" for an ack
    Then the reply field "stream" is "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    And the reply field "seq" is 1

  @go:TestJetStreamMsgHeaders
  Scenario: Stored headers come back with the message
    When "c1" stores "body" on "foo.bar" with headers:
      | X-Custom | value-1 |
    And "c1" sends a "$JS.API.STREAM.MSG.GET.EXPECT" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.subject" is "foo.bar"
    And the reply field "message.seq" is 1
    And the reply field "message.data" is "Ym9keQ=="
    And the reply field "message.hdrs" is "TkFUUy8xLjANClgtQ3VzdG9tOiB2YWx1ZS0xDQoNCg=="

  @go:TestJetStreamDomainInPubAck
  Scenario: The JetStream domain is reported in the pub ack
    Given a server "D" with config:
      """
      jetstream { store_dir: "{store_dir}", domain: "HUB" }
      """
    And a client "d1" to server "D"
    When "d1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["s"],"storage":"memory"}
      """
    And "d1" publishes "x" to "s" for an ack
    Then the reply field "domain" is "HUB"
    And the reply field "stream" is "S"

  @go:TestJetStreamDomainInPubAck
  Scenario: A pub ack with a domain is written as Go writes it, the domain before the sequence
    Given a server "D" with config:
      """
      jetstream { store_dir: "{store_dir}", domain: "HUB" }
      """
    And a raw connection "r" to server "D"
    When "r" sends the lines:
      """
      CONNECT {"verbose":false,"headers":true}
      SUB _R.> 1
      PUB $JS.API.STREAM.CREATE.S _R.c 48
      {"name":"S","subjects":["s"],"storage":"memory"}
      """
    Then "r" receives a message with payload "}"
    When "r" sends the lines:
      """
      PUB s _R.1 2
      hi
      HPUB s _R.2 28 30
      NATS/1.0\r\nNats-Msg-Id: x\r\n\r\nhi
      HPUB s _R.3 28 30
      NATS/1.0\r\nNats-Msg-Id: x\r\n\r\nhi
      HPUB s _R.4 38 40
      NATS/1.0\r\nNats-Expected-Stream: no\r\n\r\nhi
      """
    Then "r" receives a message with payload '{"stream":"S","domain":"HUB","seq":1}'
    And "r" receives a message with payload '{"stream":"S","domain":"HUB","seq":2}'
    And "r" receives a message with payload '{"stream":"S","domain":"HUB","seq":2,"duplicate": true}'
    And "r" receives a message with payload '"stream":"S","seq":0}'

  @go:TestJetStreamAllowMsgCounter @since-2.12
  Scenario: A counter stream adds increments and reports the total
    When "c1" creates the stream:
      """
      {"name":"C","subjects":["cnt"],"storage":"file","allow_msg_counter":true}
      """
    And "c1" publishes "" to "cnt" for an ack with headers:
      | Nats-Incr | 5 |
    Then the reply field "val" is "5"
    When "c1" publishes "" to "cnt" for an ack with headers:
      | Nats-Incr | -2 |
    Then the reply field "val" is "3"
    And the reply field "seq" is 2

  @go:TestJetStreamAllowMsgCounter @since-2.12
  Scenario: An increment is refused when counters are disabled
    When "c1" publishes "" to "foo.bar" for an ack with headers:
      | Nats-Incr | 1 |
    Then the reply is an error with code 400, err_code 10168 and description "message counters is disabled"

  @go:TestJetStreamAllowMsgCounter @since-2.12
  Scenario: A counter stream refuses messages without a valid increment
    When "c1" creates the stream:
      """
      {"name":"C","subjects":["cnt"],"storage":"file","allow_msg_counter":true}
      """
    And "c1" publishes "" to "cnt" for an ack
    Then the reply is an error with code 400, err_code 10169 and description "message counter increment is missing"
    When "c1" publishes "data" to "cnt" for an ack with headers:
      | Nats-Incr | 1 |
    Then the reply is an error with code 400, err_code 10170 and description "message counter has payload"
    When "c1" publishes "" to "cnt" for an ack with headers:
      | Nats-Incr | bogus |
    Then the reply is an error with code 400, err_code 10171 and description "message counter increment is invalid"

  @go:TestJetStreamAllowMsgCounter @since-2.12
  Scenario: The counter setting cannot be changed by an update
    When "c1" sends a "$JS.API.STREAM.UPDATE.EXPECT" request with:
      """
      {"name":"EXPECT","subjects":["foo.*"],"storage":"file","max_age":3600000000000,"allow_msg_counter":true}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not change message counter setting"

  @go:TestJetStreamInfoAPIWithHeaders
  Scenario: A JetStream API request with headers is answered
    When "c1" publishes "" to "$JS.API.INFO" for an ack with headers:
      | X-Extra | yes |
    Then the reply field "type" is "io.nats.jetstream.api.v1.account_info_response"
    And the reply field "streams" is 1

  @go:TestJetStreamMsgIDHeaderCollision
  Scenario: Message ids are tracked per stream
    When "c1" creates the stream:
      """
      {"name":"OTHER","subjects":["other"],"storage":"memory"}
      """
    And "c1" stores "a" on "foo.bar" with headers:
      | Nats-Msg-Id | same |
    And "c1" publishes "b" to "other" for an ack with headers:
      | Nats-Msg-Id | same |
    Then the reply field "seq" is 1
    And the reply field "stream" is "OTHER"
    And the reply has no field "duplicate"
