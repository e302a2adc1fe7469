@needs-jetstream @process
Feature: JetStream message get
  STREAM.MSG.GET (JSON, base64 payloads) and DIRECT.GET (the stored message itself,
  with Nats-* headers) by sequence, last by subject, next by subject and in batches.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory","allow_direct":true}
      """
    And "c1" stores "a1" on "foo.a"
    And "c1" stores "b1" on "foo.b"
    And "c1" stores "a2" on "foo.a"
    And "c1" stores "c1" on "foo.c"

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: Getting the last message of a subject
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.a"}
      """
    Then the reply field "type" is "io.nats.jetstream.api.v1.stream_msg_get_response"
    And the reply field "message.subject" is "foo.a"
    And the reply field "message.seq" is 3
    And the reply field "message.data" is "YTI="

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: Getting the last message of a subject with no messages is not found
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.z"}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: Getting the last message of a wildcard subject
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.*"}
      """
    Then the reply field "message.seq" is 4
    And the reply field "message.subject" is "foo.c"

  @go:TestJetStreamDirectMsgGetNext
  Scenario: Getting the next message of a subject from a sequence
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":2,"next_by_subj":"foo.a"}
      """
    Then the reply field "message.seq" is 3
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":4,"next_by_subj":"foo.a"}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: A message get needs a body
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request
    Then the reply is an error with code 400, err_code 10003 and description "bad request"

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: A message get cannot combine a sequence and last by subject
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":1,"last_by_subj":"foo.a"}
      """
    Then the reply is an error with code 400, err_code 10003 and description "bad request"

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: A message get on an unknown stream is not found
    When "c1" sends a "$JS.API.STREAM.MSG.GET.NOPE" request with:
      """
      {"seq":1}
      """
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamDirectMsgGet
  Scenario: A direct get by sequence returns the stored message with stream headers
    When "c1" sends '{"seq":2}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "b1"
    And the last message on "g" has header "Nats-Stream" equal to "S"
    And the last message on "g" has header "Nats-Sequence" equal to "2"
    And the last message on "g" has header "Nats-Subject" equal to "foo.b"
    And the last message on "g" has header "Nats-Time-Stamp" matching "^\d{4}-\d\d-\d\dT"

  @go:TestJetStreamDirectMsgGet
  Scenario: A direct get for a missing sequence answers with a 404 status
    When "c1" sends '{"seq":99}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives a status 404 with description "Message Not Found" within 2s

  @go:TestJetStreamDirectGetBySubject
  Scenario: A direct get by subject in the request subject returns the last message
    When "c1" sends '' to "$JS.API.DIRECT.GET.S.foo.a" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "a2"
    And the last message on "g" has header "Nats-Sequence" equal to "3"

  @go:TestJetStreamDirectGetBySubject
  Scenario: A direct get by last subject in the body
    When "c1" sends '{"last_by_subj":"foo.b"}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "b1"

  @go:TestJetStreamDirectGetBySubject
  Scenario: A direct get by subject with no messages answers 404
    When "c1" sends '' to "$JS.API.DIRECT.GET.S.foo.z" with replies to "g"
    Then "g" receives a status 404 within 2s

  @go:TestJetStreamDirectMsgGetNext
  Scenario: A direct get of the next message of a subject
    When "c1" sends '{"seq":1,"next_by_subj":"foo.c"}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "c1"
    And the last message on "g" has header "Nats-Sequence" equal to "4"

  @go:TestJetStreamDirectGetBatch @since-2.12
  Scenario: A batched direct get returns messages then an end-of-batch status
    When "c1" sends '{"seq":1,"batch":3}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "a1, b1, a2" within 2s
    And the last message on "g" has header "Nats-Num-Pending" equal to "1"
    And the last message on "g" has header "Nats-Last-Sequence" equal to "2"
    And "g" receives a status 204 with description "EOB" within 2s

  @go:TestJetStreamDirectGetBatch @since-2.11
  Scenario: A batched direct get filtered by subject
    When "c1" sends '{"seq":1,"batch":5,"next_by_subj":"foo.a"}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "a1, a2" within 2s
    And "g" receives a status 204 within 2s

  @go:TestJetStreamDirectGetBatchMaxBytes @since-2.11
  Scenario: A batched direct get stops at max bytes
    When "c1" sends '{"seq":1,"batch":4,"max_bytes":1}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "a1" within 2s
    And "g" receives a status 204 within 2s

  @go:TestJetStreamDirectGetMulti @since-2.11
  Scenario: A multi-last direct get returns the last message of each subject
    When "c1" sends '{"multi_last":["foo.*"]}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "b1, a2, c1" within 2s
    And "g" receives a status 204 within 2s

  @go:TestJetStreamDirectGetMulti @since-2.11
  Scenario: A multi-last direct get for a single subject
    When "c1" sends '{"multi_last":["foo.a"]}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "a2" within 2s
    And "g" receives a status 204 within 2s

  @go:TestJetStreamAllowDirectAfterUpdate @go:TestJetStreamSuppressAllowDirect @since-2.10
  Scenario: Direct get is not served for a stream without allow direct
    When "c1" creates the stream:
      """
      {"name":"ND","subjects":["nd"],"storage":"memory"}
      """
    And "c1" stores "x" on "nd"
    And "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.ND" with replies to "g"
    Then "g" receives a status 503 within 2s

  @go:TestJetStreamAllowDirectAfterUpdate
  Scenario: Enabling allow direct with an update starts serving direct gets
    When "c1" creates the stream:
      """
      {"name":"ND","subjects":["nd"],"storage":"memory"}
      """
    And "c1" stores "x" on "nd"
    And "c1" sends a "$JS.API.STREAM.UPDATE.ND" request with:
      """
      {"name":"ND","subjects":["nd"],"storage":"memory","allow_direct":true}
      """
    Then the reply field "config.allow_direct" is true
    When "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.ND" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "x"

  @go:TestJetStreamGetNoHeaders @since-2.12
  Scenario: A direct get can leave out the message headers
    When "c1" stores "h" on "foo.h" with headers:
      | X-Thing | yes |
    And "c1" sends '{"last_by_subj":"foo.h","no_hdr":true}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "h"
    And the last message on "g" has no header "X-Thing"

  @go:TestJetStreamMsgHeaders
  Scenario: A direct get keeps the stored message headers
    When "c1" stores "h" on "foo.h" with headers:
      | X-Thing | yes |
    And "c1" sends '{"last_by_subj":"foo.h"}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has header "X-Thing" equal to "yes"
    And the last message on "g" has header "Nats-Subject" equal to "foo.h"

  @go:TestJetStreamMsgGetNoAdvisory
  Scenario: A message get publishes no advisory
    When "c1" subscribes to "$JS.EVENT.ADVISORY.>" as "adv"
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.data" is "YTE="
    And "adv" receives no message within 300ms

  @go:TestJetStreamMsgGetAsOfTime @since-2.11
  Scenario: A message get by start time returns the first message at or after it
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"start_time":"2000-01-01T00:00:00Z"}
      """
    Then the reply field "message.seq" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"start_time":"2000-01-01T00:00:00Z","next_by_subj":"foo.b"}
      """
    Then the reply field "message.seq" is 2
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"start_time":"2000-01-01T00:00:00Z","seq":1}
      """
    Then the reply is an error with code 400, err_code 10003 and description "bad request"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"start_time":"2000-01-01T00:00:00Z","last_by_subj":"foo.a"}
      """
    Then the reply is an error with code 400, err_code 10003 and description "bad request"

  @go:TestJetStreamDirectGetUpToTime @since-2.11
  Scenario: A multi-last direct get up to a time in the past finds nothing
    When "c1" sends '{"multi_last":["foo.a"],"up_to_time":"2000-01-01T00:00:00Z"}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives a status 404 within 2s

  @go:TestJetStreamDirectGetMultiUpToTime @since-2.11
  Scenario: A multi-last direct get up to a sequence ignores later messages
    When "c1" sends '{"multi_last":["foo.a"],"up_to_seq":2}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "a1" within 2s
    And "g" receives a status 204 within 2s

  @go:TestJetStreamDirectGetMultiPaging @since-2.11
  Scenario: A multi-last direct get can be limited by batch
    When "c1" sends '{"multi_last":["foo.*"],"batch":2}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "b1, a2" within 2s
    And "g" receives a status 204 within 2s

  @go:TestJetStreamDirectGetMultiPaging @since-2.11
  Scenario: A multi-last direct get names the sequence sent before and what is left
    When "c1" sends '{"multi_last":["foo.*"],"batch":2}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "b1, a2" within 2s
    And the last message on "g" has header "Nats-Sequence" equal to "3"
    And the last message on "g" has header "Nats-Num-Pending" equal to "1"
    And the last message on "g" has header "Nats-Last-Sequence" equal to "2"
    And the last message on "g" has no header "Nats-UpTo-Sequence"
    And "g" receives a status 204 within 2s
    And the last message on "g" has header "Nats-Num-Pending" equal to "1"
    And the last message on "g" has header "Nats-Last-Sequence" equal to "3"
    And the last message on "g" has header "Nats-UpTo-Sequence" equal to "4"

  @go:TestJetStreamDirectGetMulti @since-2.11
  Scenario: A multi-last direct get that matches nothing answers 404 No Results
    When "c1" sends '{"multi_last":["foo.zz"]}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives a status 404 with description "No Results" within 2s

  @go:TestJetStreamDirectGetStartTimeSingleMsg @since-2.11
  Scenario: A direct get by start time returns the first message
    When "c1" sends '{"start_time":"2000-01-01T00:00:00Z"}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives the payloads "a1" within 2s

  @go:TestJetStreamDirectMsgGet
  Scenario: A direct get with an empty body is answered with a 408 status
    When "c1" sends '' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives a status 408 with description "Empty Request" within 2s

  @go:TestJetStreamDirectMsgGet
  Scenario: A direct get with a bad JSON body is answered with a 408 status
    When "c1" sends '{"seq":' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives a status 408 with description "Malformed Request" within 2s

  @go:TestJetStreamDirectGetSubjectDeleteMarker
  Scenario: A direct get after a delete reports the gap as not found
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":1}
      """
    And "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.S" with replies to "g"
    Then "g" receives a status 404 within 2s
