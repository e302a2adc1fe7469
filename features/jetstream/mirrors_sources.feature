@needs-jetstream @process
Feature: JetStream mirrors and sources
  Streams that mirror one stream or source several, with filters and subject
  transforms, and the configuration rules around them.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"O","subjects":["orders.*"],"storage":"memory"}
      """
    And "c1" stores "o1" on "orders.new"
    And "c1" stores "o2" on "orders.paid"
    And "c1" stores "o3" on "orders.new"

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror copies every message with the same sequences
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3
    Then the reply field "state.last_seq" is 3
    And the reply field "mirror.name" is "O"
    When "c1" stores "o4" on "orders.paid"
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.last_seq" is 4
    And "c1" sends a "$JS.API.STREAM.MSG.GET.M" request with:
      """
      {"seq":4}
      """
    Then the reply field "message.subject" is "orders.paid"
    And the reply field "message.data" is "bzQ="

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror cannot also list subjects
    When "c1" sends a "$JS.API.STREAM.CREATE.M" request with:
      """
      {"name":"M","storage":"memory","subjects":["m"],"mirror":{"name":"O"}}
      """
    Then the reply is an error with code 400, err_code 10034 and description "stream mirrors can not contain subjects"

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror cannot also have sources
    When "c1" sends a "$JS.API.STREAM.CREATE.M" request with:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"},"sources":[{"name":"O"}]}
      """
    Then the reply is an error with code 400, err_code 10031 and description "stream mirrors can not also contain other sources"

  @go:TestJetStreamMirrorUpdatesNotSupported
  Scenario: A mirror's origin cannot be changed
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.M" request with:
      """
      {"name":"M","storage":"memory","mirror":{"name":"OTHER"}}
      """
    Then the reply is an error with code 400, err_code 10055 and description "stream mirror configuration can not be updated"

  @go:TestJetStreamClusterStreamExtendedUpdates
  Scenario: Mirrors and sources that lead back to the stream itself are refused as a cycle
    When "c1" sends a "$JS.API.STREAM.CREATE.SELF" request with:
      """
      {"name":"SELF","storage":"memory","mirror":{"name":"SELF"}}
      """
    Then the reply is an error with code 500, err_code 10052 and description "detected cycle"
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.O" request with:
      """
      {"name":"O","subjects":["orders.*"],"storage":"memory","sources":[{"name":"M"}]}
      """
    Then the reply is an error with code 500, err_code 10052 and description "detected cycle"
    When "c1" creates the stream:
      """
      {"name":"A","subjects":["a.*"],"storage":"memory","sources":[{"name":"O","filter_subject":"orders.new"}]}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.O" request with:
      """
      {"name":"O","subjects":["orders.*"],"storage":"memory","sources":[{"name":"A","filter_subject":"b.>"}]}
      """
    Then the reply field "config.sources" has 1 items
    # A's own source is filtered to orders.new, which A's subjects do not overlap: no cycle.
    When "c1" sends a "$JS.API.STREAM.UPDATE.O" request with:
      """
      {"name":"O","subjects":["orders.*"],"storage":"memory","sources":[{"name":"A","filter_subject":"a.>"}]}
      """
    Then the reply field "config.sources" has 1 items
    When "c1" creates the stream:
      """
      {"name":"B","subjects":["b.*"],"storage":"memory","sources":[{"name":"O"}]}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.O" request with:
      """
      {"name":"O","subjects":["orders.*"],"storage":"memory","sources":[{"name":"B"}]}
      """
    Then the reply is an error with code 500, err_code 10052 and description "detected cycle"

  @go:TestJetStreamMirrorUpdatePreventsSubjects
  Scenario: Subjects cannot be added to a mirror
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.M" request with:
      """
      {"name":"M","storage":"memory","subjects":["m"],"mirror":{"name":"O"}}
      """
    Then the reply is an error with code 400, err_code 10034 and description "stream mirrors can not contain subjects"

  @go:TestJetStreamMirrorFirstSeqNotSupported @since-2.10
  Scenario: A mirror cannot set a first sequence
    When "c1" sends a "$JS.API.STREAM.CREATE.M" request with:
      """
      {"name":"M","storage":"memory","first_seq":10,"mirror":{"name":"O"}}
      """
    Then the reply is an error with code 400, err_code 10143 and description "stream mirrors can not have first sequence configured"

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror refuses direct publishes
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3
    Then a request from "c1" on "M" fails with no responders

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror can start at a sequence
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O","opt_start_seq":2}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 2

  @go:TestJetStreamMirrorAndSourcesFilteredConsumers @go:TestJetStreamMirrorCrossAccountWithFilteredSubjectAndSubjectTransform
  Scenario: A mirror with a filter copies only matching messages
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O","filter_subject":"orders.new"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 2
    Then the reply field "state.last_seq" is 3

  @go:TestJetStreamMirrorStripExpectedHeaders
  Scenario: A mirror stores messages published with expectation headers
    When "c1" stores "e" on "orders.new" with headers:
      | Nats-Expected-Last-Sequence | 3 |
    And "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 4

  @go:TestJetStreamSourceBasics
  Scenario: A stream sources messages from several streams
    When "c1" creates the stream:
      """
      {"name":"P","subjects":["pay.*"],"storage":"memory"}
      """
    And "c1" stores "p1" on "pay.x"
    And "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"},{"name":"P"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 4
    Then the reply field "sources" has 2 entries
    When "c1" stores "p2" on "pay.y"
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 5

  @go:TestJetStreamSourceBasics
  Scenario: A sourcing stream can also take its own subjects
    When "c1" creates the stream:
      """
      {"name":"ALL","subjects":["local"],"storage":"memory","sources":[{"name":"O"}]}
      """
    And "c1" stores "mine" on "local"
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 4

  @go:TestJetStreamSourceBasics
  Scenario: A consumer filter on a stream that only sources still filters
    When "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 3
    And "c1" sends a "$JS.API.CONSUMER.CREATE.ALL.c" request with:
      """
      {"stream_name":"ALL","config":{"durable_name":"c","filter_subject":"orders.new","ack_policy":"none"}}
      """
    Then the reply field "num_pending" is 2
    When "c1" sends a "$JS.API.CONSUMER.CREATE.ALL.w" request with:
      """
      {"stream_name":"ALL","config":{"durable_name":"w","filter_subject":"orders.*","ack_policy":"none"}}
      """
    Then the reply field "num_pending" is 3

  @go:TestJetStreamSourceBasics
  Scenario: A source with a filter takes only matching messages
    When "c1" creates the stream:
      """
      {"name":"PAID","storage":"memory","sources":[{"name":"O","filter_subject":"orders.paid"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.PAID" until the reply field "state.messages" is 1
    And "c1" sends a "$JS.API.STREAM.MSG.GET.PAID" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.subject" is "orders.paid"

  @go:TestJetStreamInputTransform @go:TestJetStreamMirrorCrossAccountWithFilteredSubjectAndSubjectTransform @since-2.10
  Scenario: A source with a subject transform rewrites subjects
    When "c1" creates the stream:
      """
      {"name":"T","storage":"memory","sources":[{"name":"O","subject_transforms":[{"src":"orders.*","dest":"archive.orders.{{wildcard(1)}}"}]}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 3
    And "c1" sends a "$JS.API.STREAM.MSG.GET.T" request with:
      """
      {"seq":2}
      """
    Then the reply field "message.subject" is "archive.orders.paid"

  @go:TestJetStreamSourceBasics @since-2.10
  Scenario: Sourced messages carry the origin in a header
    When "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","allow_direct":true,"sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 3
    And "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.ALL" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has header "Nats-Stream-Source" matching "^O 1 "

  @go:TestJetStreamSourceBasics @since-2.15
  Scenario: The source header names the filter, the transforms and the origin's identity
    When "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","allow_direct":true,"sources":[{"name":"O"}]}
      """
    And "c1" creates the stream:
      """
      {"name":"T","storage":"memory","allow_direct":true,"sources":[{"name":"O","subject_transforms":[{"src":"orders.*","dest":"archive.orders.{{wildcard(1)}}"}]}]}
      """
    And "c1" creates the stream:
      """
      {"name":"F","storage":"memory","allow_direct":true,"sources":[{"name":"O","filter_subject":"orders.new"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 3
    And "c1" polls "$JS.API.STREAM.INFO.F" until the reply field "state.messages" is 2
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 3
    And "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.ALL" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has header "Nats-Stream-Source" matching "^O 1 > > orders\.new [0-9A-Za-z]{8}$"
    When "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.T" with replies to "t"
    Then "t" receives 1 messages within 2s
    And the last message on "t" has header "Nats-Stream-Source" matching "^O 1 orders\.\* archive\.orders\.\{\{wildcard\(1\)\}\} orders\.new [0-9A-Za-z]{8}$"
    When "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.F" with replies to "f"
    Then "f" receives 1 messages within 2s
    And the last message on "f" has header "Nats-Stream-Source" matching "^O 1 orders\.new > orders\.new [0-9A-Za-z]{8}$"

  @go:TestJetStreamSourceConfigValidation @since-2.10
  Scenario: The same source listed twice is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.ALL" request with:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"},{"name":"O"}]}
      """
    Then the reply is an error with code 400, err_code 10140 and description "duplicate source configuration detected"

  @go:TestJetStreamSourceConfigValidation @since-2.10
  Scenario: Overlapping source filters on one stream are refused
    When "c1" sends a "$JS.API.STREAM.CREATE.ALL" request with:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O","subject_transforms":[{"src":"orders.*","dest":"a.{{wildcard(1)}}"},{"src":"orders.new","dest":"b.new"}]}]}
      """
    Then the reply is an error with code 400, err_code 10147 and description "source filters can not overlap"

  @go:TestJetStreamSourceConfigValidation @since-2.10
  Scenario: A source with both a filter and transforms is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.ALL" request with:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O","filter_subject":"orders.new","subject_transforms":[{"src":"orders.paid","dest":"p"}]}]}
      """
    Then the reply is an error with code 400, err_code 10144 and description "source with multiple subject transforms cannot also have a single subject filter"

  @go:TestJetStreamSourceBasics @since-2.10
  Scenario: A stream config echoes its sources in Go's field order
    Given a raw connection "r"
    When "r" sends the lines:
      """
      CONNECT {"verbose":false,"headers":true}
      SUB _R.> 1
      PUB $JS.API.STREAM.CREATE.ALL _R.c 113
      {"name":"ALL","storage":"memory","sources":[{"subject_transforms":[{"dest":"x.>","src":"orders.>"}],"name":"O"}]}
      """
    Then "r" receives a line matching "^MSG _R.c 1 "
    And "r" receives a line matching '"sources":\[\{"name":"O","subject_transforms":\[\{"src":"orders\.\\u003e","dest":"x\.\\u003e"\}\]\}\]'

  @go:TestJetStreamSourceBasics
  Scenario: An empty source list is left out of the stream config
    Given a raw connection "r"
    When "r" sends the lines:
      """
      CONNECT {"verbose":false,"headers":true}
      SUB _R.> 1
      PUB $JS.API.STREAM.CREATE.E _R.c 61
      {"name":"E","subjects":["e"],"storage":"memory","sources":[]}
      """
    Then "r" receives a line matching "^MSG _R.c 1 "
    And "r" receives a line matching '^\{"type":"io\.nats\.jetstream\.api\.v1\.stream_create_response","config":\{"name":"E","subjects":\["e"\],"retention":"limits",[^\[]*"num_replicas":1,"duplicate_window":120000000000,"compression"'

  @go:TestJetStreamSourceConfigValidation @since-2.10
  Scenario Outline: A <kind> transform with <problem> is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.X" request with:
      """
      {"name":"X","storage":"memory",<config>}
      """
    Then the reply is an error with code 400, err_code <err_code> and description "<description>"

    Examples:
      | kind   | problem                        | config                                                                                                                         | err_code | description                                                                                          |
      | source | an invalid source subject      | "sources":[{"name":"O","subject_transforms":[{"src":"orders..x","dest":"a.>"}]}]                                              | 10145    | source transform source: invalid subject orders..x                                                   |
      | source | a wildcard out of range        | "sources":[{"name":"O","subject_transforms":[{"src":"orders.*","dest":"a.{{wildcard(2)}}"}]}]                                  | 10146    | source transform: invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]   |
      | source | a destination without the `>`  | "sources":[{"name":"O","subject_transforms":[{"src":"orders.>","dest":"x.y"}]}]                                                | 10146    | source transform: invalid subject                                                                    |
      | source | an unknown function            | "sources":[{"name":"O","subject_transforms":[{"src":"orders.*","dest":"a.{{nope(1)}}"}]}]                                      | 10146    | source transform: invalid mapping destination: unknown function in {{nope(1)}}                       |
      | mirror | an invalid source subject      | "mirror":{"name":"O","subject_transforms":[{"src":"orders..x","dest":"a.>"}]}                                                 | 10151    | mirror transform source: invalid subject orders..x                                                   |
      | mirror | a wildcard out of range        | "mirror":{"name":"O","subject_transforms":[{"src":"orders.*","dest":"a.{{wildcard(2)}}"}]}                                     | 10154    | mirror transform: invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]   |
      | mirror | overlapping sources            | "mirror":{"name":"O","subject_transforms":[{"src":"orders.*","dest":"a.{{wildcard(1)}}"},{"src":"orders.new","dest":"b.new"}]} | 10152    | mirror subject filters can not overlap                                                               |

  @go:TestJetStreamSourceHeaderNotAllowedIfNotSourced @since-2.15
  Scenario: Publishing a stream-source header into a stream is refused
    When "c1" publishes "x" to "orders.new" for an ack with headers:
      | Nats-Stream-Source | O 1 orders.new |
    Then the reply is an error with code 400, err_code 10227 and description "message stream source header is not allowed"

  @go:TestJetStreamRemoveExternalSource
  Scenario: Removing a source stops new messages from it
    When "c1" creates the stream:
      """
      {"name":"P","subjects":["pay.*"],"storage":"memory"}
      """
    And "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"},{"name":"P"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 3
    And "c1" sends a "$JS.API.STREAM.UPDATE.ALL" request with:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"P"}]}
      """
    Then the reply field "config.sources" has 1 entries
    When "c1" stores "o4" on "orders.new"
    And "c1" stores "p1" on "pay.x"
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 4

  @go:TestJetStreamSourceWorkingQueueWithLimit
  Scenario: A work queue can source from another stream
    When "c1" creates the stream:
      """
      {"name":"WQ","storage":"memory","retention":"workqueue","sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.WQ" until the reply field "state.messages" is 3
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"w","ack_policy":"explicit"}
      """
    And "c1" pulls from consumer "w" of stream "WQ" with 3 as "f"
    Then "f" receives the payloads "o1, o2, o3" within 2s
    When "c1" acks all messages on "f"
    And "c1" polls "$JS.API.STREAM.INFO.WQ" until the reply field "state.messages" is 0

  @go:TestJetStreamSourcesState
  Scenario: Stream info reports the state of each source
    When "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 3
    Then the reply field "sources[0].name" is "O"
    And the reply field "sources[0].lag" is 0
    And the reply has field "sources[0].active"

  @go:TestJetStreamSourceStartSeqRespectedOnEmptyOrigin @go:TestJetStreamSourcingDontClipStartSeq
  Scenario: A source can start at a sequence of the origin
    When "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O","opt_start_seq":3}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 1
    And "c1" sends a "$JS.API.STREAM.MSG.GET.ALL" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.data" is "bzM="

  @go:TestJetStreamMirrorDeliverByStartTime
  Scenario: A mirror can start at a time
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O","opt_start_time":"2000-01-01T00:00:00Z"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3

  @go:TestJetStreamStreamMirrorWithoutDuplicateWindow
  Scenario: A mirror has no duplicate window of its own
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    Then the reply has no field "config.duplicate_window"

  @go:TestJetStreamStreamMirrorIgnoresUpstreamDuplicateMsgIds
  Scenario: A mirror copies messages that carry message ids
    When "c1" stores "d1" on "orders.new" with headers:
      | Nats-Msg-Id | one |
    And "c1" stores "d2" on "orders.new" with headers:
      | Nats-Msg-Id | two |
    And "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 5

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror survives a server restart with its messages
    When "c1" creates the stream:
      """
      {"name":"F","subjects":["f.*"],"storage":"file"}
      """
    And "c1" stores 3 messages on "f.a"
    And "c1" creates the stream:
      """
      {"name":"M","storage":"file","mirror":{"name":"F"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3
    And the server is restarted
    And "c1" stores 1 messages on "f.a"
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 4 within 10s
    Then the reply field "state.last_seq" is 4

  @go:TestJetStreamSourcingIntoDiscardNewPerSubject
  Scenario: A sourced stream applies its own per-subject limits
    When "c1" creates the stream:
      """
      {"name":"ONE","storage":"memory","max_msgs_per_subject":1,"sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ONE" until the reply field "state.last_seq" is 3
    Then the reply field "state.messages" is 2

  @go:TestJetStreamMirrorBasics
  Scenario: A mirror with mirror direct answers direct gets for its origin
    When "c1" creates the stream:
      """
      {"name":"D","subjects":["d.*"],"storage":"memory","allow_direct":true}
      """
    And "c1" stores "dv" on "d.a"
    And "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"D"},"mirror_direct":true,"allow_direct":true}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 1
    Then the reply field "config.mirror_direct" is true
    When "c1" sends '{"seq":1}' to "$JS.API.DIRECT.GET.M" with replies to "g"
    Then "g" receives the payloads "dv" within 2s
    And the last message on "g" has header "Nats-Stream" equal to "M"

  @go:TestJetStreamPromoteMirrorUpdatingOrigin @since-2.12
  Scenario: A mirror can be promoted to a normal stream once its subjects are free
    When "c1" creates the stream:
      """
      {"name":"M","storage":"memory","mirror":{"name":"O"}}
      """
    And "c1" polls "$JS.API.STREAM.INFO.M" until the reply field "state.messages" is 3
    And "c1" sends a "$JS.API.STREAM.UPDATE.M" request with:
      """
      {"name":"M","storage":"memory","subjects":["orders.*"]}
      """
    Then the reply field "error.err_code" is 10065
    When "c1" sends a "$JS.API.STREAM.UPDATE.O" request with:
      """
      {"name":"O","subjects":["old.*"],"storage":"memory"}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.M" request with:
      """
      {"name":"M","storage":"memory","subjects":["orders.*"]}
      """
    Then the reply has no field "error"
    And the reply has no field "config.mirror"
    When "c1" publishes "direct" to "orders.new" for an ack
    Then the reply field "stream" is "M"
    And the reply field "seq" is 4

  @go:TestJetStreamSourceRemovalAndReAdd
  Scenario: A source removed and added again resumes without duplicates
    When "c1" creates the stream:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 3
    And "c1" sends a "$JS.API.STREAM.UPDATE.ALL" request with:
      """
      {"name":"ALL","storage":"memory"}
      """
    And "c1" stores "o4" on "orders.new"
    And "c1" sends a "$JS.API.STREAM.UPDATE.ALL" request with:
      """
      {"name":"ALL","storage":"memory","sources":[{"name":"O"}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.ALL" until the reply field "state.messages" is 4
    When 500ms has passed
    And "c1" sends a "$JS.API.STREAM.INFO.ALL" request
    Then the reply field "state.messages" is 4
