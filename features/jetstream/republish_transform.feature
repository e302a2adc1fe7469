@needs-jetstream @process
Feature: JetStream republish and subject transforms
  Streams that republish what they store to another subject, and streams that
  rewrite the subjects of incoming messages.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestJetStreamStreamRepublishAnySubjectMatch
  Scenario: Stored messages are republished with stream headers
    Given "c1" creates the stream:
      """
      {"name":"RP","subjects":["foo.>"],"storage":"memory","republish":{"src":">","dest":"rp.>"}}
      """
    When "c1" subscribes to "rp.>" as "rp"
    And "c1" stores "hello" on "foo.bar"
    Then "rp" receives "hello" on "rp.foo.bar" within 2s
    And the last message on "rp" has header "Nats-Stream" equal to "RP"
    And the last message on "rp" has header "Nats-Subject" equal to "foo.bar"
    And the last message on "rp" has header "Nats-Sequence" equal to "1"
    And the last message on "rp" has header "Nats-Last-Sequence" equal to "0"
    When "c1" stores "again" on "foo.bar"
    Then "rp" receives "again" on "rp.foo.bar" within 2s
    And the last message on "rp" has header "Nats-Last-Sequence" equal to "1"

  @go:TestJetStreamStreamRepublishOneTokenMatch
  Scenario: Republish with a one-token source only republishes matching subjects
    Given "c1" creates the stream:
      """
      {"name":"RP","subjects":["foo.*"],"storage":"memory","republish":{"src":"foo.a","dest":"out.a"}}
      """
    When "c1" subscribes to "out.>" as "rp"
    And "c1" stores "x" on "foo.b"
    And "c1" stores "y" on "foo.a"
    Then "rp" receives "y" on "out.a" within 2s
    And "rp" receives no message within 200ms

  @go:TestJetStreamStreamRepublishMultiTokenMatch
  Scenario: Republish maps wildcard tokens into the destination
    Given "c1" creates the stream:
      """
      {"name":"RP","subjects":["foo.*.*"],"storage":"memory","republish":{"src":"foo.*.*","dest":"rp.{{wildcard(2)}}.{{wildcard(1)}}"}}
      """
    When "c1" subscribes to "rp.>" as "rp"
    And "c1" stores "x" on "foo.a.b"
    Then "rp" receives "x" on "rp.b.a" within 2s

  @go:TestJetStreamStreamRepublishHeadersOnly
  Scenario: Headers-only republish sends the size instead of the payload
    Given "c1" creates the stream:
      """
      {"name":"RP","subjects":["foo"],"storage":"memory","republish":{"src":"foo","dest":"rp","headers_only":true}}
      """
    When "c1" subscribes to "rp" as "rp"
    And "c1" stores "12345" on "foo"
    Then "rp" receives "" on "rp" within 2s
    And the last message on "rp" has header "Nats-Msg-Size" equal to "5"

  @go:TestJetStreamStreamRepublishCycle
  Scenario: A republish destination inside the stream's subjects is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.RP" request with:
      """
      {"name":"RP","subjects":["foo.>"],"storage":"memory","republish":{"src":">","dest":"foo.>"}}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration for republish destination forms a cycle"

  @go:TestJetStreamStreamRepublishCycle
  Scenario Outline: A republish from <src> to <dest> overlapping a stream subject is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.RP" request with:
      """
      {"name":"RP","subjects":<subjects>,"storage":"memory","republish":{"src":"<src>","dest":"<dest>"}}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration for republish destination forms a cycle"

    Examples:
      | subjects        | src | dest                 |
      | ["a.>","foo.>"] | a.> | foo.x                |
      | ["a.*","b.*"]   | a.* | b.{{wildcard(1)}}    |

  @go:TestJetStreamStreamRepublishSuppressesInvalidSubject
  Scenario: A republish destination that is not a valid mapping is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.RP" request with:
      """
      {"name":"RP","subjects":["foo.*"],"storage":"memory","republish":{"src":"foo.*","dest":"rp.{{wildcard(3)}}"}}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration for republish with transform from 'foo.*' to 'rp.{{wildcard(3)}}' not valid"

  @go:TestJetStreamStreamRepublishSuppressesInvalidSubject
  Scenario Outline: A republish from <src> to <dest> is not a valid transform
    When "c1" sends a "$JS.API.STREAM.CREATE.RP" request with:
      """
      {"name":"RP","subjects":["<subjects>"],"storage":"memory","republish":{"src":"<src>","dest":"<dest>"}}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration for republish with transform from '<src>' to '<dest>' not valid"

    Examples:
      | subjects | src | dest          |
      | a.>      | >   | rp.x          |
      | b.>      | b.> | rp.x          |
      | d.*      | d.* | rp.*          |
      | e.*      | e.* | rp.{{nope(1)}} |

  @go:TestJetStreamInputTransform @since-2.10
  Scenario: A stream transform rewrites the subjects it stores
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["in.*"],"storage":"memory","subject_transform":{"src":"in.*","dest":"stored.{{wildcard(1)}}"}}
      """
    When "c1" publishes "x" to "in.a" for an ack
    Then the reply field "seq" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.GET.T" request with:
      """
      {"seq":1}
      """
    Then the reply field "message.subject" is "stored.a"

  @go:TestJetStreamStreamTransformOverlap @since-2.11
  Scenario: A stream transform with an invalid destination is refused
    When "c1" sends a "$JS.API.STREAM.CREATE.T" request with:
      """
      {"name":"T","subjects":["in.*"],"storage":"memory","subject_transform":{"src":"in.*","dest":"stored.{{wildcard(2)}}"}}
      """
    Then the reply is an error with code 400, err_code 10156 and description "stream transform: invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]"

  @go:TestJetStreamStreamTransformOverlap @since-2.11
  Scenario Outline: A stream transform from <src> to <dest> is refused with Go's reason
    When "c1" sends a "$JS.API.STREAM.CREATE.T" request with:
      """
      {"name":"T","subjects":["<src>"],"storage":"memory","subject_transform":{"src":"<src>","dest":"<dest>"}}
      """
    Then the reply is an error with code 400, err_code 10156 and description "stream transform: <reason>"

    Examples:
      | src   | dest                | reason                                                                      |
      | in.*  | out.{{nope(1)}}     | invalid mapping destination: unknown function in {{nope(1)}}                 |
      | one   | out.{{wildcard(1)}} | invalid mapping destination: wildcard index out of range in {{wildcard(1)}} |
      | all.> | out.{{wildcard(1)}} | invalid subject                                                             |

  @go:TestJetStreamImplicitRePublishAfterSubjectTransform @since-2.10
  Scenario: Republish sees the transformed subject
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["in.*"],"storage":"memory","subject_transform":{"src":"in.*","dest":"stored.{{wildcard(1)}}"},"republish":{"src":"stored.*","dest":"rp.{{wildcard(1)}}"}}
      """
    When "c1" subscribes to "rp.*" as "rp"
    And "c1" stores "x" on "in.a"
    Then "rp" receives "x" on "rp.a" within 2s
    And the last message on "rp" has header "Nats-Subject" equal to "stored.a"

  @go:TestJetStreamBadSubjectMappingStream @since-2.10
  Scenario: A consumer filter can use the transformed subjects
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["in.*"],"storage":"memory","subject_transform":{"src":"in.*","dest":"stored.{{wildcard(1)}}"}}
      """
    When "c1" stores "x" on "in.a"
    And "c1" stores "y" on "in.b"
    And "c1" creates the consumer on "T":
      """
      {"durable_name":"d","ack_policy":"explicit","filter_subject":"stored.b"}
      """
    Then the reply field "num_pending" is 1

  @go:TestJetStreamStreamRepublishOneTokenNoMatch @go:TestJetStreamStreamRepublishMultiTokenNoMatch
  Scenario: Messages outside the republish source are stored but not republished
    Given "c1" creates the stream:
      """
      {"name":"RP","subjects":["foo.>"],"storage":"memory","republish":{"src":"foo.a.*","dest":"rp.{{wildcard(1)}}"}}
      """
    When "c1" subscribes to "rp.>" as "rp"
    And "c1" stores "x" on "foo.b.c"
    Then "rp" receives no message within 300ms
    When "c1" sends a "$JS.API.STREAM.INFO.RP" request
    Then the reply field "state.messages" is 1

  @go:TestJetStreamStreamRepublishLeftRightMappingFunctions
  Scenario: Republish can map with split functions
    Given "c1" creates the stream:
      """
      {"name":"RP","subjects":["foo.*"],"storage":"memory","republish":{"src":"foo.*","dest":"rp.{{splitfromleft(1,2)}}"}}
      """
    When "c1" subscribes to "rp.>" as "rp"
    And "c1" stores "x" on "foo.abcd"
    Then "rp" receives "x" on "rp.ab.cd" within 2s
