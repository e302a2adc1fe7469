@process
Feature: Stream exports and imports between accounts
  An account exports a stream of messages; another account imports it, as is,
  under a prefix or under a mapped subject, and its subscribers receive what
  the exporter publishes. Accounts stay isolated otherwise. Ported from
  server/accounts_test.go.

  @go:TestAccountIsolation
  Scenario: Accounts without imports do not see each other's messages
    Given a server with config:
      """
      accounts {
        A { users: [ { user: "a", password: "a" } ] }
        B { users: [ { user: "b", password: "b" } ] }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "foo" as "s1"
    And "sb" flushes
    And "pa" publishes "hello" to "foo"
    Then "s1" receives no message within 300ms

  @go:TestMultiAccountsIsolation
  Scenario: Three accounts on one subject each see only their own messages
    Given a server with config:
      """
      accounts {
        A { users: [ { user: "a", password: "a" } ] }
        B { users: [ { user: "b", password: "b" } ] }
        C { users: [ { user: "c", password: "c" } ] }
      }
      """
    And a client "ca" with user "a" and password "a"
    And a client "cb" with user "b" and password "b"
    And a client "cc" with user "c" and password "c"
    When "ca" subscribes to "foo" as "sa"
    And "cb" subscribes to "foo" as "sb"
    And "cc" subscribes to "foo" as "sc"
    And "ca" flushes
    And "cb" flushes
    And "cc" flushes
    And "cb" publishes "from-b" to "foo"
    Then "sb" receives "from-b" on "foo" within 1s
    And "sa" receives no message within 200ms
    And "sc" receives no message within 200ms

  @go:TestAccountIsolationExportImport
  Scenario: A public stream export reaches the importing account
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo.>" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo.>" } } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "foo.>" as "s1"
    And "sb" flushes
    And "pa" publishes "hello" to "foo.bar"
    Then "s1" receives "hello" on "foo.bar" within 1s
    And "s1" receives no message within 200ms

  @go:TestAccountIsolationExportImport
  Scenario: Messages published by the importer do not flow back to the exporter
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo.>" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo.>" } } ]
        }
      }
      """
    And a client "ca" with user "a" and password "a"
    And a client "cb" with user "b" and password "b"
    When "ca" subscribes to "foo.>" as "s1"
    And "ca" flushes
    And "cb" publishes "upstream" to "foo.bar"
    Then "s1" receives no message within 300ms

  @go:TestAddStreamExport @go:TestImportAuthorized
  Scenario: A private stream export reaches an account on its list
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "priv.>", accounts: [ "B" ] } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "priv.>" } } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "priv.x" as "s1"
    And "sb" flushes
    And "pa" publishes "secret" to "priv.x"
    Then "s1" receives "secret" on "priv.x" within 1s

  @go:TestImportAuthorized
  Scenario: Importing a private stream from an account that did not list the importer is refused
    Then a server with this config fails to start with "stream import not authorized":
      """
      accounts {
        A { exports: [ { stream: "priv.>", accounts: [ "C" ] } ] }
        B { imports: [ { stream: { account: "A", subject: "priv.>" } } ] }
        C { }
      }
      """

  @go:TestImportAuthorized
  Scenario: Importing a stream that is not exported is refused
    Then a server with this config fails to start with "stream import not authorized":
      """
      accounts {
        A { exports: [ { stream: "foo" } ] }
        B { imports: [ { stream: { account: "A", subject: "bar" } } ] }
      }
      """

  @go:TestImportAuthorized
  Scenario: Importing a wider subject than the export is refused
    Then a server with this config fails to start with "stream import not authorized":
      """
      accounts {
        A { exports: [ { stream: "foo.*" } ] }
        B { imports: [ { stream: { account: "A", subject: "foo.>" } } ] }
      }
      """

  @go:TestImportExportConfigFailures
  Scenario: A stream import from an undefined account is refused
    Then a server with this config fails to start with "\"synadia\" account not defined for stream import":
      """
      accounts {
        nats.io { imports = [ { stream: { account: "synadia", subject: "foo" } } ] }
      }
      """

  @go:TestImportExportConfigFailures
  Scenario: An import with an unknown field is refused
    Then a server with this config fails to start with "unknown field \"wat\"":
      """
      accounts {
        A { exports = [ { stream: "foo.*" } ] }
        B { imports = [ { stream: { account: A, subject: "foo.*" }, wat: true } ] }
      }
      """

  @go:TestImportExportConfigFailures
  Scenario: A stream import without an account is refused
    Then a server with this config fails to start with "Expect an account name and a subject":
      """
      accounts {
        A { imports = [ { stream: { subject: "foo" } } ] }
      }
      """

  @go:TestPrefixWildcardMapping
  Scenario: A stream imported under a prefix is delivered with the prefix
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo.>" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo.>" }, prefix: "pub" } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "pub.foo.>" as "s1"
    And "sb" flushes
    And "pa" publishes "hello" to "foo.bar.baz"
    Then "s1" receives "hello" on "pub.foo.bar.baz" within 1s

  @go:TestPrefixWildcardMappingWithLiteralSub
  Scenario: A literal subscription under the prefix receives its one subject
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo.>" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo.>" }, prefix: "pub" } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "pub.foo.bar" as "s1"
    And "sb" flushes
    And "pa" publishes "other" to "foo.baz"
    And "pa" publishes "hello" to "foo.bar"
    Then "s1" receives "hello" on "pub.foo.bar" within 1s
    And "s1" receives no message within 200ms

  @go:TestNoPrefixWildcardMapping
  Scenario: A wildcard stream import without prefix keeps the published subject
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo.*" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo.*" } } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "foo.*" as "s1"
    And "sb" flushes
    And "pa" publishes "hello" to "foo.bar"
    Then "s1" receives "hello" on "foo.bar" within 1s

  @go:TestImportSubscriptionPartialOverlapWithPrefix
  Scenario Outline: A subscription on <shape> overlapping a prefixed import of everything receives it
    Given a server with config:
      """
      accounts {
        X {
          users: [ { user: "publisher", password: "p" } ]
          exports: [ { stream: ">" } ]
        }
        Y {
          users: [ { user: "subscriber", password: "s" } ]
          imports: [ { stream: { account: "X", subject: ">" }, prefix: "myprefix" } ]
        }
      }
      """
    And a client "px" with user "publisher" and password "p"
    And a client "sy" with user "subscriber" and password "s"
    When "sy" subscribes to "<subject>" as "s1"
    And "sy" flushes
    And "px" publishes "hello" to "test"
    Then "s1" receives "hello" on "myprefix.test" within 1s

    Examples:
      | shape                        | subject       |
      | everything                   | >             |
      | one token under the prefix   | myprefix.*    |
      | all under the prefix         | myprefix.>    |
      | the literal subject          | myprefix.test |
      | any first token and the rest | *.>           |
      | any first token then test    | *.test        |
      | any two tokens               | *.*           |

  @go:TestAccountImportSubjectMapping
  Scenario: A stream imported with "to" is delivered under the mapped subject
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          imports: [ { stream: { account: "B", subject: "foo.*.*" }, to: "foo.$1.{{wildcard(2)}}.x" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          exports: [ { stream: ">" } ]
        }
      }
      """
    And a client "ca" with user "a" and password "a"
    And a client "pb" with user "b" and password "b"
    When "ca" subscribes to "foo.*.*.x" as "s1"
    And "ca" flushes
    And "pb" publishes "hello" to "foo.1.2"
    Then "s1" receives "hello" on "foo.1.2.x" within 1s

  @go:TestAccountImportSubjectMapping
  Scenario: A stream imported with "to" can swap the wildcard tokens
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          imports: [ { stream: { account: "B", subject: "foo.*.*" }, to: "bar.$2.$1" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          exports: [ { stream: "foo.>" } ]
        }
      }
      """
    And a client "ca" with user "a" and password "a"
    And a client "pb" with user "b" and password "b"
    When "ca" subscribes to "bar.>" as "s1"
    And "ca" flushes
    And "pb" publishes "hello" to "foo.one.two"
    Then "s1" receives "hello" on "bar.two.one" within 1s

  @go:TestImportExportConfigFailures
  Scenario: A stream import prefix with a wildcard is refused
    Then a server with this config fails to start with "stream import prefix can not contain wildcard tokens":
      """
      accounts {
        A { exports: [ { stream: "foo" } ] }
        B { imports: [ { stream: { account: "A", subject: "foo" }, prefix: "p.*" } ] }
      }
      """

  @go:TestAccountCheckStreamImportsEqual
  Scenario: The same stream imported twice from one account is refused
    Then a server with this config fails to start with "stream import already exists":
      """
      accounts {
        A { exports: [ { stream: "foo" } ] }
        B {
          imports: [
            { stream: { account: "A", subject: "foo" } }
            { stream: { account: "A", subject: "foo" } }
          ]
        }
      }
      """

  @go:TestMultipleStreamImportsWithSameSubjectDifferentPrefix
  Scenario: One subject imported from two accounts under different prefixes arrives under each
    Given a server with config:
      """
      accounts {
        foo {
          users: [ { user: "f", password: "f" } ]
          exports: [ { stream: "test" } ]
        }
        bar {
          users: [ { user: "b", password: "b" } ]
          exports: [ { stream: "test" } ]
        }
        import {
          users: [ { user: "i", password: "i" } ]
          imports: [
            { stream: { account: "foo", subject: "test" }, prefix: "foo" }
            { stream: { account: "bar", subject: "test" }, prefix: "bar" }
          ]
        }
      }
      """
    And a client "cf" with user "f" and password "f"
    And a client "cbar" with user "b" and password "b"
    And a client "ci" with user "i" and password "i"
    When "ci" subscribes to "*.test" as "s1"
    And "ci" flushes
    And "cf" publishes "from-foo" to "test"
    Then "s1" receives "from-foo" on "foo.test" within 1s
    When "cbar" publishes "from-bar" to "test"
    Then "s1" receives "from-bar" on "bar.test" within 1s
    And "s1" receives no message within 200ms

  @go:TestMultipleStreamImportsWithSameSubject
  Scenario: The same subject imported from two accounts arrives from both
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo" } ]
        }
        C {
          users: [ { user: "c", password: "c" } ]
          exports: [ { stream: "foo" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [
            { stream: { account: "A", subject: "foo" } }
            { stream: { account: "C", subject: "foo" } }
          ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "pc" with user "c" and password "c"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "foo" as "s1"
    And "sb" flushes
    And "pa" publishes "from-a" to "foo"
    Then "s1" receives "from-a" on "foo" within 1s
    When "pc" publishes "from-c" to "foo"
    Then "s1" receives "from-c" on "foo" within 1s

  @go:TestShadowSubsCleanupOnClientClose
  Scenario: After unsubscribing, imported messages no longer arrive
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "foo" as "s1"
    And "sb" subscribes to "foo" as "s2"
    And "sb" flushes
    And "sb" unsubscribes "s1"
    And "sb" flushes
    And "pa" publishes "hello" to "foo"
    Then "s2" receives "hello" on "foo" within 1s
    And "s1" receives no message within 200ms

  @go:TestAccountUserSubPermsWithQueueGroups
  Scenario: An imported stream goes to one member of a queue group
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "foo" } ]
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [ { stream: { account: "A", subject: "foo" } } ]
        }
      }
      """
    And a client "pa" with user "a" and password "a"
    And a client "sb" with user "b" and password "b"
    When "sb" subscribes to "foo" in queue "q" as "q1"
    And "sb" subscribes to "foo" in queue "q" as "q2"
    And "sb" flushes
    And "pa" publishes 20 messages to "foo"
    Then "q1" and "q2" together receive 20 messages within 2s, each at least 1

  @go:TestImportSubscriptionPartialOverlapWithTransform
  Scenario Outline: Subscription shape <n> overlapping an import renamed by "to" receives it renamed
    Given a server with config:
      """
      accounts {
        X {
          users: [ { user: "publisher", password: "p" } ]
          exports: [ { stream: "*.*.>" } ]
        }
        Y {
          users: [ { user: "subscriber", password: "s" } ]
          imports: [ { stream: { account: "X", subject: "*.*.>" }, to: "myprefix.$2.$1.>" } ]
        }
      }
      """
    And a client "px" with user "publisher" and password "p"
    And a client "sy" with user "subscriber" and password "s"
    When "sy" subscribes to "<subject>" as "s1"
    And "sy" flushes
    And "px" publishes "hello" to "1.2.test"
    Then "s1" receives "hello" on "myprefix.2.1.test" within 1s
    And "s1" receives no message within 100ms

    Examples:
      | n  | subject           |
      | 1  | >                 |
      | 2  | *.*.*.>           |
      | 3  | *.2.*.>           |
      | 4  | *.*.1.>           |
      | 5  | *.2.1.>           |
      | 6  | *.*.*.*           |
      | 7  | *.2.1.*           |
      | 8  | *.*.*.test        |
      | 9  | *.*.1.test        |
      | 10 | *.2.*.test        |
      | 11 | *.2.1.test        |
      | 12 | myprefix.*.*.*    |
      | 13 | myprefix.>        |
      | 14 | myprefix.*.>      |
      | 15 | myprefix.*.*.>    |
      | 16 | myprefix.2.>      |
      | 17 | myprefix.2.1.>    |
      | 18 | myprefix.*.1.>    |
      | 19 | myprefix.2.*.>    |
      | 20 | myprefix.2.1.*    |
      | 21 | myprefix.*.*.test |
      | 22 | myprefix.2.1.test |

  @go:TestMultipleImportsAndSingleWCSub
  Scenario: One wildcard subscription receives two prefixed imports
    Given a server with config:
      """
      accounts {
        foo {
          users: [ { user: "f", password: "f" } ]
          exports: [ { stream: "foo", accounts: [ bar ] }, { stream: "bar", accounts: [ bar ] } ]
        }
        bar {
          users: [ { user: "b", password: "b" } ]
          imports: [
            { stream: { account: foo, subject: "foo" }, prefix: "pub" }
            { stream: { account: foo, subject: "bar" }, prefix: "pub" }
          ]
        }
      }
      """
    And a client "cf" with user "f" and password "f"
    And a client "cb" with user "b" and password "b"
    When "cb" subscribes to "pub.*" as "s1"
    And "cb" flushes
    And "cf" publishes "hello" to "foo"
    And "cf" publishes "world" to "bar"
    Then "s1" receives "hello" on "pub.foo" within 1s
    And "s1" receives "world" on "pub.bar" within 1s

  @go:TestStreamImportLengthBug
  Scenario: A stream import prefix ending in a full wildcard is refused
    Then a server with this config fails to start with "stream import prefix can not contain wildcard tokens":
      """
      accounts {
        foo { exports = [ { stream: "client.>" } ] }
        bar { imports = [ { stream: { account: "foo", subject: "client.>" }, prefix: "events.>" } ] }
      }
      """

  @go:TestAccountImportsWithWildcardSupport
  Scenario: Stream imports renamed with "to" reach subset and wider subscriptions
    Given a server with config:
      """
      accounts {
        foo {
          users = [ { user: derek, password: foo } ]
          exports = [
            { service: "request.*" }
            { stream: "events.>" }
            { stream: "info.*.*.>" }
          ]
        }
        bar {
          users = [ { user: ivan, password: bar } ]
          imports = [
            { service: { account: "foo", subject: "request.*" }, to: "my.request.*" }
            { stream: { account: "foo", subject: "events.>" }, to: "foo.events.>" }
            { stream: { account: "foo", subject: "info.*.*.>" }, to: "foo.info.$2.$1.>" }
          ]
        }
      }
      """
    And a client "cf" with user "derek" and password "foo"
    And a client "cb" with user "ivan" and password "bar"
    When "cb" subscribes to "foo.events.*" as "esub"
    And "cb" subscribes to "foo.info.>" as "isub"
    And "cb" flushes
    And "cf" publishes "e" to "events.22"
    And "cf" publishes "i" to "info.11.22.bar"
    Then "esub" receives "e" on "foo.events.22" within 1s
    And "isub" receives "i" on "foo.info.22.11.bar" within 1s
