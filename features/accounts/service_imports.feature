@process
Feature: Service exports and imports between accounts
  An account exports a service; another imports it, optionally under a local
  subject. The importer's request crosses into the exporter with a reply
  subject the server maps back, and the export's response type decides how
  many answers come back and for how long. Ported from server/accounts_test.go
  and test/services_test.go.

  @go:TestCrossAccountRequestReply @go:TestAddServiceExport
  Scenario: A request on an imported service is answered by the exporter
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "test.request" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "test.request" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "22 degrees" to requests on "test.request"
    And "svc" flushes
    And "cli" requests "weather?" on "test.request" as "r1"
    Then reply "r1" is "22 degrees"

  @go:TestCrossAccountRequestReply
  Scenario: The exporter sees the request under a mapped reply subject with the requester's account
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "test.request" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "test.request" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "test.request" as "s1"
    And "svc" flushes
    And "cli" publishes "hi" to "test.request" with reply "my.inbox"
    Then "s1" receives "hi" on "test.request" within 1s
    And the last message on "s1" has reply matching "^_R_\.[0-9A-Za-z]+\.[0-9A-Za-z]+$"
    And the last message on "s1" has header "Nats-Request-Info" matching "\"acc\":\"B\""

  @go:TestServiceImportWithWildcards @go:TestServiceExportWithWildcards
  Scenario: A wildcard service export and import answer any matching subject
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "ngs.update.*" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "ngs.update.*" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "ngs.update.*" as "s1"
    And "svc" replies "ok" to requests on "ngs.update.*"
    And "svc" flushes
    And "cli" requests "x" on "ngs.update.cluster" as "r1"
    Then reply "r1" is "ok"
    And "s1" receives "x" on "ngs.update.cluster" within 1s

  @go:TestAccountImportsWithWildcardSupport
  Scenario: A service imported under a local subject is requested there
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "request" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "request" }, to: "my.request" } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "request" as "s1"
    And "svc" replies "yes" to requests on "request"
    And "svc" flushes
    And "cli" requests "q" on "my.request" as "r1"
    Then reply "r1" is "yes"
    And "s1" receives "q" on "request" within 1s

  @go:TestAccountImportsWithWildcardSupport @go:TestAccountImportsWithWildcardSupportStreamAndService
  Scenario: A wildcard service imported under a local wildcard subject maps its tokens
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "request.*" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "request.*" }, to: "my.request.*" } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "request.*" as "s1"
    And "svc" replies "yes" to requests on "request.*"
    And "svc" flushes
    And "cli" requests "q" on "my.request.22" as "r1"
    Then reply "r1" is "yes"
    And "s1" receives "q" on "request.22" within 1s

  @go:TestAccountServiceImportNoResponders
  Scenario: A request on an imported service without a responder gets no responders
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "cli" with user "b" and password "b"
    Then a request from "cli" on "foo" fails with no responders

  @go:TestAccountIsolationExportImport
  Scenario: The exporter's own publishes on the service subject do not reach the importer
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "ca" with user "a" and password "a"
    And a client "cb" with user "b" and password "b"
    When "cb" subscribes to "foo" as "s1"
    And "cb" flushes
    And "ca" publishes "hello" to "foo"
    Then "s1" receives no message within 300ms

  @go:TestImportAuthorized
  Scenario: A private service export answers an account on its list
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "svc", accounts: [ "B" ] } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "svc" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "private" to requests on "svc"
    And "svc" flushes
    And "cli" requests "q" on "svc" as "r1"
    Then reply "r1" is "private"

  @go:TestImportAuthorized
  Scenario: Importing a private service from an account that did not list the importer is refused
    Then a server with this config fails to start with "service import not authorized":
      """
      accounts {
        A { exports: [ { service: "svc", accounts: [ "C" ] } ] }
        B { imports: [ { service: { account: "A", subject: "svc" } } ] }
        C { }
      }
      """

  @go:TestImportAuthorized
  Scenario: Importing a service that is not exported is refused
    Then a server with this config fails to start with "service import not authorized":
      """
      accounts {
        A { exports: [ { stream: "svc" } ] }
        B { imports: [ { service: { account: "A", subject: "svc" } } ] }
      }
      """

  @go:TestImportExportConfigFailures
  Scenario: A service import from an undefined account is refused
    Then a server with this config fails to start with "\"nowhere\" account not defined for service import":
      """
      accounts {
        B { imports: [ { service: { account: "nowhere", subject: "svc" } } ] }
      }
      """

  @go:TestImportExportConfigFailures
  Scenario: A service export restricted to an undefined account is refused
    Then a server with this config fails to start with "\"nowhere\" account not defined for service export":
      """
      accounts {
        A { exports: [ { service: "svc", accounts: [ "nowhere" ] } ] }
      }
      """

  @go:TestImportExportConfigFailures
  Scenario: An export with an unknown field is refused
    Then a server with this config fails to start with "unknown field \"wat\"":
      """
      accounts {
        A { exports = [ { service: "foo.*", wat: true } ] }
      }
      """

  @go:TestAccountDuplicateServiceImportSubject
  Scenario: Importing two services from one account under the same local subject is refused
    Then a server with this config fails to start with "Duplicate service import subject \"foo\", previously used in import for account \"A\", subject \"foo\"":
      """
      accounts {
        A { exports: [ { service: "foo" }, { service: "bar" } ] }
        B {
          imports: [
            { service: { account: "A", subject: "foo" } }
            { service: { account: "A", subject: "bar" }, to: "foo" }
          ]
        }
      }
      """

  @go:TestCrossAccountServiceResponseTypes
  Scenario: An unknown response type is refused
    Then a server with this config fails to start with "Unknown response type: \"bogus\"":
      """
      accounts {
        A { exports: [ { service: "foo", response_type: "bogus" } ] }
      }
      """

  @go:TestCrossAccountServiceResponseTypes
  Scenario: A response type on a stream export is refused
    Then a server with this config fails to start with "Detected response directive on non-service":
      """
      accounts {
        A { exports: [ { stream: "foo", response_type: "stream" } ] }
      }
      """

  @go:TestCrossAccountServiceResponseTypes
  Scenario: A singleton service delivers only the first response
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "part" 3 times to requests on "foo"
    And "svc" flushes
    And "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "q" to "foo" with reply "my.inbox"
    Then "s1" receives "part" on "my.inbox" within 1s
    And "s1" receives no message within 300ms

  @go:TestCrossAccountServiceResponseTypes @go:TestServiceImportWithStreamed
  Scenario: A streamed service delivers every response
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo", response_type: "stream" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "part" 3 times to requests on "foo"
    And "svc" flushes
    And "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "q" to "foo" with reply "my.inbox"
    Then "s1" receives 3 messages within 2s
    And "s1" receives no message within 200ms

  @go:TestCrossAccountServiceResponseTypes @go:TestServiceExportsResponseThresholdChunked
  Scenario: A chunked service delivers every response
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo", response_type: "chunked" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "chunk" 4 times to requests on "foo"
    And "svc" flushes
    And "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "q" to "foo" with reply "my.inbox"
    Then "s1" receives 4 messages within 2s

  @go:TestServiceExportsResponseThreshold
  Scenario: A response later than the export's response threshold is dropped
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo", response_threshold: "50ms" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "late" to requests on "foo" after 600ms
    And "svc" flushes
    And "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "q" to "foo" with reply "my.inbox"
    Then "s1" receives no message within 1500ms

  @go:TestServiceExportsResponseThreshold
  Scenario: A response within the export's response threshold is delivered
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo", response_threshold: "5s" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies "slow" to requests on "foo" after 300ms
    And "svc" flushes
    And "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "q" to "foo" with reply "my.inbox"
    Then "s1" receives "slow" on "my.inbox" within 2s

  @go:TestServiceExportsResponseThreshold
  Scenario: A response threshold that is not a duration is refused
    Then a server with this config fails to start with "Expected response threshold to be a parseable time duration, got \"soon\"":
      """
      accounts {
        A { exports: [ { service: "foo", response_threshold: "soon" } ] }
      }
      """

  @go:TestAccountCycleServiceNonCycleChain
  Scenario: A request travels a chain of service imports and the answer comes back
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: help } ]
          imports: [ { service { subject: help, account: B } } ]
        }
        B {
          exports: [ { service: help } ]
          imports: [ { service { subject: help, account: C } } ]
        }
        C {
          exports: [ { service: help } ]
          imports: [ { service { subject: help, account: D } } ]
        }
        D {
          users: [ { user: "d", password: "d" } ]
          exports: [ { service: help } ]
        }
      }
      """
    And a client "svc" with user "d" and password "d"
    And a client "cli" with user "a" and password "a"
    When "svc" replies "from D" to requests on "help"
    And "svc" flushes
    And "cli" requests "help me" on "help" as "r1"
    Then reply "r1" is "from D"

  @go:TestAccountImportOwnExport
  Scenario: An account may import its own service export
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "user", password: "pass" } ]
          exports: [ { service: echo, accounts: [ A ] } ]
          imports: [ { service: { account: A, subject: echo } } ]
        }
      }
      """
    And a client "c" with user "user" and password "pass"
    When "c" replies "echoed" to requests on "echo"
    And "c" flushes
    And "c" requests "request" on "echo" as "r1"
    Then reply "r1" is "echoed"

  @go:TestAccountServiceAndStreamExportDoubleDelivery
  Scenario: A subject exported as stream and service is delivered once to the exporter's own subscriber
    Given a server with config:
      """
      accounts {
        tenant1 {
          users: [ { user: "one", password: "one" } ]
          exports: [ { stream: "DW.>" }, { service: "DW.>" } ]
        }
        global {
          users: [ { user: "global", password: "global" } ]
          imports: [
            { stream: { account: tenant1, subject: "DW.>" }, prefix: tenant1 }
            { service: { account: tenant1, subject: "DW.>" }, to: "tenant1.DW.>" }
          ]
        }
      }
      """
    And a client "c1" with user "one" and password "one"
    When "c1" subscribes to ">" as "s1"
    And "c1" flushes
    And "c1" publishes "test" to "DW.test.123"
    Then "s1" receives "test" on "DW.test.123" within 1s
    And "s1" receives no message within 300ms

  @go:TestCrossAccountRequestReply
  Scenario: A publish without a reply on an imported service reaches the exporter without one
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "events" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "events" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "events" as "s1"
    And "svc" flushes
    And "cli" publishes "fire" to "events"
    Then "s1" receives "fire" on "events" within 1s
    And the last message on "s1" has header "Nats-Request-Info" matching "\"acc\":\"B\""

  @go:TestAccountCycleServiceNonCycleChain
  Scenario: Past a chain of service imports the request names the first account and the last importer
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          imports: [ { service { subject: help, account: B } } ]
        }
        B {
          exports: [ { service: help } ]
          imports: [ { service { subject: help, account: C } } ]
        }
        C {
          users: [ { user: "c", password: "c" } ]
          exports: [ { service: help } ]
        }
      }
      """
    And a client "svc" with user "c" and password "c"
    And a client "cli" with user "a" and password "a"
    When "svc" subscribes to "help" as "s1"
    And "svc" flushes
    And "cli" publishes "q" to "help" with reply "my.inbox"
    Then "s1" receives "q" on "help" within 1s
    And the last message on "s1" has header "Nats-Request-Info" matching "\"acc\":\"A\",\"svc\":\"B\""
    And the last message on "s1" has reply matching "^_R_\."

  @go:TestCrossAccountRequestReply
  Scenario: Requests on an imported service reach a queue group of responders once
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "work" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "work" } } ]
        }
      }
      """
    And a client "w" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "w" subscribes to "work" in queue "workers" as "q1"
    And "w" subscribes to "work" in queue "workers" as "q2"
    And "w" flushes
    And "cli" publishes 20 messages to "work"
    Then "q1" and "q2" together receive 20 messages within 2s, each at least 1

  @go:TestServiceImportWithStreamedResponseAndEOF
  Scenario: An empty response ends a streamed service's responses
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "foo", response_type: "stream" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "foo" }, to: "foo_request" } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" replies with the payloads "world-1|world-2||late" to requests on "foo"
    And "svc" flushes
    And "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "XOXO" to "foo_request" with reply "my.inbox"
    Then "s1" receives "world-1" on "my.inbox" within 1s
    And "s1" receives "world-2" on "my.inbox" within 1s
    And "s1" receives "" on "my.inbox" within 1s
    And "s1" receives no message within 300ms

  @go:TestServiceAllowResponsesPerms
  Scenario: A responder allowed only to respond answers an imported service's request
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: a, password: pwd, permissions = { subscribe = foo, allow_responses = true } } ]
          exports: [ { service: "foo" } ]
        }
        B {
          users: [ { user: b, password: pwd } ]
          imports: [ { service: { account: A, subject: "foo" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "pwd"
    And a client "cli" with user "b" and password "pwd"
    When "svc" replies "Hello" to requests on "foo"
    And "svc" flushes
    And "cli" requests "help" on "foo" as "r1"
    Then reply "r1" is "Hello"

  @go:TestServiceImportReplyMatchCycle
  Scenario: Importing every subject as a service still answers a request once
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: d, password: x } ]
          imports [ { service: { account: B, subject: ">" } } ]
        }
        B {
          users: [ { user: x, password: x } ]
          exports [ { service: ">" } ]
        }
      }
      no_auth_user: d
      """
    And a client "svc" with user "x" and password "x"
    And a client "cli"
    When "svc" replies "HELLO" to requests on "foo"
    And "svc" flushes
    And "cli" requests "q" on "foo" as "r1"
    Then reply "r1" is "HELLO"

  @go:TestParseExport
  Scenario: A service export with an account token position answers each importer on its own subject
    Given a server with config:
      """
      accounts {
        accE {
          users: [ { user: ue, password: pwd } ]
          exports [ { service: foo.*, account_token_position: 2 } ]
        }
        accI1 {
          users: [ { user: u1, password: pwd } ]
          imports [ { service { account: accE, subject: foo.accI1 }, to: foo } ]
        }
        accI2 {
          users: [ { user: u2, password: pwd } ]
          imports [ { service { account: accE, subject: foo.accI2 }, to: foo } ]
        }
      }
      """
    And a client "svc" with user "ue" and password "pwd"
    And a client "c1" with user "u1" and password "pwd"
    And a client "c2" with user "u2" and password "pwd"
    When "svc" replies "for accI1" to requests on "foo.accI1"
    And "svc" replies "for accI2" to requests on "foo.accI2"
    And "svc" flushes
    And "c1" requests "q" on "foo" as "r1"
    And "c2" requests "q" on "foo" as "r2"
    Then reply "r1" is "for accI1"
    And reply "r2" is "for accI2"

  @go:TestParseExport
  Scenario: Importing another account's token of an export with a token position is refused
    Then a server with this config fails to start with "service import not authorized":
      """
      accounts {
        accE { exports [ { service: foo.*, account_token_position: 2 } ] }
        accI1 { imports [ { service { account: accE, subject: foo.accI2 }, to: foo } ] }
        accI2 { }
      }
      """

  @go:TestParseExport
  Scenario: An account token position that is not a wildcard of the export is refused
    Then a server with this config fails to start with "sublist: invalid subject":
      """
      accounts {
        accE { exports [ { service: foo.bar, account_token_position: 2 } ] }
      }
      """

  @go:TestAccountMultipleServiceImportsWithSameSubjectFromDifferentAccounts
  Scenario: The same subject imported as a service from two accounts gets an answer from each
    Given a server with config:
      """
      accounts: {
        SVC-E: {
          users: [ { user: svc-e, password: svc-e } ]
          exports: [ { accounts: [CLIENTS], service: "SvcReq.>", response_type: singleton } ]
        }
        SVC-W: {
          users: [ { user: svc-w, password: svc-w } ]
          exports: [ { accounts: [CLIENTS], service: "SvcReq.>", response_type: singleton } ]
        }
        CLIENTS: {
          users: [ { user: cl, password: cl } ]
          imports: [
            { service: { account: SVC-E, subject: "SvcReq.>" } }
            { service: { account: SVC-W, subject: "SvcReq.>" } }
          ]
        }
      }
      """
    And a client "e" with user "svc-e" and password "svc-e"
    And a client "w" with user "svc-w" and password "svc-w"
    And a client "cl" with user "cl" and password "cl"
    When "e" replies "From SVC-E" to requests on "SvcReq.>"
    And "w" replies "From SVC-W" to requests on "SvcReq.>"
    And "e" flushes
    And "w" flushes
    And "cl" subscribes to "my.inbox" as "s1"
    And "cl" flushes
    And "cl" publishes "test" to "SvcReq.Test" with reply "my.inbox"
    Then "s1" receives 2 messages within 2s
    And "s1" receives no message within 200ms

  @go:TestCrossAccountRequestReply
  Scenario: Without sharing, the request names only the requester's account and round trip time
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "svc" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "svc" } } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "svc" as "s1"
    And "svc" flushes
    And "cli" publishes "q" to "svc" with reply "my.inbox"
    Then "s1" receives "q" on "svc" within 1s
    And the last message on "s1" has header "Nats-Request-Info" matching "^\{\"acc\":\"B\"(,\"rtt\":[0-9]+)?\}$"

  @go:TestSamplingHeader
  Scenario: A shared service import tells the exporter who is asking and from which server
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { service: "svc" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "A", subject: "svc" }, share: true } ]
        }
      }
      """
    And a client "svc" with user "a" and password "a"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "svc" as "s1"
    And "svc" flushes
    And "cli" publishes "q" to "svc" with reply "my.inbox"
    Then "s1" receives "q" on "svc" within 1s
    And the last message on "s1" has header "Nats-Request-Info" matching "^\{\"start\":\"[^\"]+\",\"host\":\"127\.0\.0\.1\",\"id\":[0-9]+,\"acc\":\"B\",\"user\":\"b\",\"name\":\"cli\",\"lang\":\"rust\",\"ver\":\"[^\"]+\"(,\"rtt\":[0-9]+)?,\"server\":\"S\",\"kind\":\"Client\",\"client_type\":\"nats\"\}$"

  @go:TestCrossAccountRequestReply
  Scenario: A request into the system account names this server
    Given a server with config:
      """
      accounts {
        SYS {
          users: [ { user: "sys", password: "sys" } ]
          exports: [ { service: "sys.help" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { service: { account: "SYS", subject: "sys.help" } } ]
        }
      }
      system_account: SYS
      """
    And a client "svc" with user "sys" and password "sys"
    And a client "cli" with user "b" and password "b"
    When "svc" subscribes to "sys.help" as "s1"
    And "svc" flushes
    And "cli" publishes "q" to "sys.help" with reply "my.inbox"
    Then "s1" receives "q" on "sys.help" within 1s
    And the last message on "s1" has header "Nats-Request-Info" matching "^\{\"acc\":\"B\"(,\"rtt\":[0-9]+)?,\"server\":\"S\"\}$"
