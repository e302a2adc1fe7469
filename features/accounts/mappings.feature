@process
Feature: Subject mappings
  An account's mappings (or the server's, for the global account) rewrite the
  subject a client publishes to before delivery: one destination, wildcard
  token references and functions, or several destinations chosen by weight.
  Ported from server/accounts_test.go and test/accounts_cycles_test.go.

  @go:TestAccountBasicRouteMapping @go:TestSimpleMapping
  Scenario: A simple mapping delivers on the destination subject only
    Given a server with config:
      """
      mappings = { foo: bar }
      """
    And a client "c"
    When "c" subscribes to "foo" as "sfoo"
    And "c" subscribes to "bar" as "sbar"
    And "c" flushes
    And "c" publishes "hello" to "foo"
    Then "sbar" receives "hello" on "bar" within 1s
    And "sfoo" receives no message within 200ms

  @go:TestAccountBasicRouteMapping
  Scenario: A subject that no mapping matches is delivered unchanged
    Given a server with config:
      """
      mappings = { foo: bar }
      """
    And a client "c"
    When "c" subscribes to "baz" as "s1"
    And "c" flushes
    And "c" publishes "hello" to "baz"
    Then "s1" receives "hello" on "baz" within 1s

  @go:TestAccountRouteMappingsConfiguration
  Scenario: An account's mappings apply to its own clients only
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          mappings: { "foo": "bar" }
        }
        B { users: [ { user: "b", password: "b" } ] }
      }
      """
    And a client "ca" with user "a" and password "a"
    And a client "cb" with user "b" and password "b"
    When "ca" subscribes to "bar" as "sa"
    And "cb" subscribes to "foo" as "sb"
    And "ca" flushes
    And "cb" flushes
    And "ca" publishes "mapped" to "foo"
    And "cb" publishes "plain" to "foo"
    Then "sa" receives "mapped" on "bar" within 1s
    And "sb" receives "plain" on "foo" within 1s

  @go:TestAccountWildcardRouteMapping
  Scenario: A wildcard mapping reorders the tokens
    Given a server with config:
      """
      mappings = { "foo.*.*": "bar.$2.$1" }
      """
    And a client "c"
    When "c" subscribes to "bar.>" as "s1"
    And "c" flushes
    And "c" publishes "hello" to "foo.one.two"
    Then "s1" receives "hello" on "bar.two.one" within 1s

  @go:TestAccountWildcardRouteMapping
  Scenario: A mapping with a full wildcard keeps the tail
    Given a server with config:
      """
      mappings = { "orders.>": "archive.orders.>" }
      """
    And a client "c"
    When "c" subscribes to "archive.>" as "s1"
    And "c" flushes
    And "c" publishes "o1" to "orders.eu.42"
    Then "s1" receives "o1" on "archive.orders.eu.42" within 1s

  @go:TestAccountSubjectMapping
  Scenario: Wildcard and partition functions in a mapping
    Given a server with config:
      """
      mappings = { "foo.*.*": "foo.$1.{{wildcard(2)}}.{{partition(10,1,2)}}" }
      """
    And a client "c"
    When "c" subscribes to "foo.*.*.*" as "s1"
    And "c" flushes
    And "c" publishes "a" to "foo.2.5"
    And "c" publishes "b" to "foo.3.8"
    Then "s1" receives "a" on "foo.2.5.8" within 1s
    And "s1" receives "b" on "foo.3.8.6" within 1s

  @go:TestAccountSubjectMapping
  Scenario: Split functions in a mapping
    Given a server with config:
      """
      mappings = {
        "split.*": "out.{{split(1,-)}}"
        "left.*": "out.{{splitFromLeft(1,2)}}"
        "right.*": "out.{{splitFromRight(1,2)}}"
      }
      """
    And a client "c"
    When "c" subscribes to "out.>" as "s1"
    And "c" flushes
    And "c" publishes "s" to "split.a-b-c"
    Then "s1" receives "s" on "out.a.b.c" within 1s
    When "c" publishes "l" to "left.abcdef"
    Then "s1" receives "l" on "out.ab.cdef" within 1s
    When "c" publishes "r" to "right.abcdef"
    Then "s1" receives "r" on "out.abcd.ef" within 1s

  @go:TestAccountSubjectMapping
  Scenario: Slice functions in a mapping
    Given a server with config:
      """
      mappings = {
        "sl.*": "out.{{sliceFromLeft(1,2)}}"
        "sr.*": "out.{{sliceFromRight(1,2)}}"
      }
      """
    And a client "c"
    When "c" subscribes to "out.>" as "s1"
    And "c" flushes
    And "c" publishes "l" to "sl.abcde"
    Then "s1" receives "l" on "out.ab.cd.e" within 1s
    When "c" publishes "r" to "sr.abcde"
    Then "s1" receives "r" on "out.a.bc.de" within 1s

  @go:TestAccountSimpleWeightedRouteMapping
  Scenario: A weighted mapping sends its share to the destination and the rest to the original subject
    Given a server with config:
      """
      mappings = {
        foo: [ { destination: bar, weight: 50% } ]
      }
      """
    And a client "c"
    When "c" subscribes to "foo" as "sfoo"
    And "c" subscribes to "bar" as "sbar"
    And "c" flushes
    And "c" publishes 1000 messages to "foo"
    Then "sfoo" and "sbar" together receive 1000 messages within 10s, each at least 400
    And "sbar" has received between 400 and 600 messages

  @go:TestAccountMultiWeightedRouteMappings
  Scenario: Weighted destinations split the traffic by their weights
    Given a server with config:
      """
      mappings = {
        foo: [
          { destination: a, weight: 20% }
          { destination: b, weight: 80% }
        ]
      }
      """
    And a client "c"
    When "c" subscribes to "a" as "sa"
    And "c" subscribes to "b" as "sb"
    And "c" subscribes to "foo" as "sfoo"
    And "c" flushes
    And "c" publishes 1000 messages to "foo"
    Then "sa" and "sb" together receive 1000 messages within 10s, each at least 120
    And "sa" has received between 120 and 280 messages
    And "sfoo" receives no message within 200ms

  @go:TestAccountRouteMappingsWithLossInjection
  Scenario: A weighted mapping that names the source with less than 100% drops the rest
    Given a server with config:
      """
      mappings = {
        foo: [ { destination: foo, weight: 60% } ]
      }
      """
    And a client "c"
    When "c" subscribes to "foo" as "s1"
    And "c" flushes
    And "c" publishes 1000 messages to "foo"
    Then "s1" receives between 480 and 720 messages within 3s

  @go:TestGlobalAccountRouteMappingsConfiguration
  Scenario: Server-level mappings apply to clients of the global account
    Given a server with config:
      """
      mappings = {
        foo: bar
        "foo.*": "bar.$1"
      }
      """
    And a client "c"
    When "c" subscribes to "bar.>" as "s1"
    And "c" flushes
    And "c" publishes "hello" to "foo.22"
    Then "s1" receives "hello" on "bar.22" within 1s

  @go:TestAccountServiceImportWithRouteMappings
  Scenario: The exporter's mappings apply to requests arriving through a service import
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "request" } ]
          mappings: { "request": "request.v2" }
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "request" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "v2" to requests on "request.v2"
    And "svc" flushes
    And "cli" requests "q" on "request" as "r1"
    Then reply "r1" is "v2"

  @go:TestAccountRouteMappingsConfiguration
  Scenario: A mapping weight above 100% is refused
    Then a server with this config fails to start with "Invalid weight 120 for mapping destination":
      """
      mappings = {
        foo: [ { destination: bar, weight: 120% } ]
      }
      """

  @go:TestAccountRouteMappingsConfiguration
  Scenario: Mapping weights adding up to more than 100% are refused
    Then a server with this config fails to start with "total weight needs to be <= 100":
      """
      mappings = {
        foo: [
          { destination: a, weight: 60% }
          { destination: b, weight: 50% }
        ]
      }
      """

  @go:TestAccountRouteMappingsConfiguration
  Scenario: A mapping destination without a weight is refused
    Then a server with this config fails to start with "Missing weight for mapping destination \"bar\"":
      """
      mappings = {
        foo: [ { destination: bar } ]
      }
      """

  @go:TestAccountRouteMappingsConfiguration
  Scenario: A mapping that references a missing wildcard is refused
    Then a server with this config fails to start with "wildcard index out of range":
      """
      accounts {
        A { mappings: { "foo.*": "bar.$2" } }
      }
      """

  @go:TestAccountRouteMappingsConfiguration
  Scenario: A mapping with an unknown function is refused
    Then a server with this config fails to start with "unknown function":
      """
      mappings = { "foo.*": "bar.{{nope(1)}}" }
      """

  @go:TestAccountRouteMappingsWithLossInjection
  Scenario: A request dropped by a lossy mapping gets no responders
    Given a server with config:
      """
      mappings = {
        foo: [ { destination: foo, weight: 0% } ]
      }
      """
    And a client "svc"
    And a client "cli"
    When "svc" replies "never" to requests on "foo"
    And "svc" flushes
    Then a request from "cli" on "foo" fails with no responders
