@process
Feature: Import cycles are refused at startup
  Imports that would send a message or a request back to where it came from
  form a cycle; the server refuses such a configuration, and accepts chains
  that only look alike. Ported from test/accounts_cycles_test.go.

  @go:TestAccountCycleService
  Scenario: Two accounts importing each other's service are refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { service: help } ]
          imports [ { service { subject: help, account: B } } ]
        }
        B {
          exports [ { service: help } ]
          imports [ { service { subject: help, account: A } } ]
        }
      }
      """

  @go:TestAccountCycleService
  Scenario: A service cycle through a wildcard export is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { service: * } ]
          imports [ { service { subject: help, account: B } } ]
        }
        B {
          exports [ { service: help } ]
          imports [ { service { subject: *, account: A } } ]
        }
      }
      """

  @go:TestAccountCycleService
  Scenario: A service cycle through three accounts is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { service: * } ]
          imports [ { service { subject: help, account: B } } ]
        }
        B {
          exports [ { service: help } ]
          imports [ { service { subject: help, account: C } } ]
        }
        C {
          exports [ { service: * } ]
          imports [ { service { subject: *, account: A } } ]
        }
      }
      """

  @go:TestAccountCycleStream
  Scenario: Two accounts importing each other's stream are refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { stream: strm } ]
          imports [ { stream { subject: strm, account: B } } ]
        }
        B {
          exports [ { stream: strm } ]
          imports [ { stream { subject: strm, account: A } } ]
        }
      }
      """

  @go:TestAccountCycleStreamWithMapping
  Scenario: A stream cycle closed by a renaming import is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { stream: * } ]
          imports [ { stream { subject: bar, account: B } } ]
        }
        B {
          exports [ { stream: bar } ]
          imports [ { stream { subject: foo, account: A }, to: bar } ]
        }
      }
      """

  @go:TestAccountCycleNonCycleStreamWithMapping
  Scenario: Renaming stream imports through three accounts without a cycle are accepted
    Given a server with config:
      """
      accounts {
        A {
          exports [ { stream: foo } ]
          imports [ { stream { subject: bar, account: B } } ]
        }
        B {
          exports [ { stream: bar } ]
          imports [ { stream { subject: baz, account: C }, to: bar } ]
        }
        C {
          exports [ { stream: baz } ]
          imports [ { stream { subject: foo, account: A }, to: bar } ]
        }
      }
      """
    Then the server is running

  @go:TestAccountCycleServiceNonCycleChain
  Scenario: A chain of service imports without a cycle is accepted
    Given a server with config:
      """
      accounts {
        A {
          exports [ { service: help } ]
          imports [ { service { subject: help, account: B } } ]
        }
        B {
          exports [ { service: help } ]
          imports [ { service { subject: help, account: C } } ]
        }
        C {
          exports [ { service: help } ]
          imports [ { service { subject: help, account: D } } ]
        }
        D {
          exports [ { service: help } ]
        }
      }
      """
    Then the server is running

  @go:TestAccountCycleWithRenaming
  Scenario: A service cycle through a renaming import is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { service: * } ]
          imports [ { service { subject: foo, account: B }, to: foo } ]
        }
        B {
          exports [ { service: foo } ]
          imports [ { service { subject: *, account: A }, to: "$1" } ]
        }
      }
      """

  @go:TestAccountCycleWithRenaming
  Scenario: A stream cycle through a renaming import is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { stream: * } ]
          imports [ { stream { subject: foo, account: B }, to: foo } ]
        }
        B {
          exports [ { stream: foo } ]
          imports [ { stream { subject: *, account: A }, to: "$1" } ]
        }
      }
      """

  @go:TestAccountCycleServiceCycleWithMapping
  Scenario: Service imports renamed into each other's exports are refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { service: a } ]
          imports [ { service { subject: b, account: B }, to: a } ]
        }
        B {
          exports [ { service: b } ]
          imports [ { service { subject: a, account: A }, to: b } ]
        }
      }
      """

  @go:TestAccountCycleServiceNonCycle
  Scenario: Wildcard service exports that do not close a loop are accepted
    Given a server with config:
      """
      accounts {
        A {
          exports [ { service: * } ]
          imports [ { service { subject: help, account: B } } ]
        }
        B {
          exports [ { service: help } ]
          imports [ { service { subject: nohelp, account: C } } ]
        }
        C {
          exports [ { service: * } ]
          imports [ { service { subject: *, account: A } } ]
        }
      }
      """
    Then the server is running

  @go:TestAccountCycleFalsePositiveSubjectMapping
  Scenario: Renamed service imports that only look circular are accepted
    Given a server with config:
      """
      accounts {
        A {
          exports [ { service: "a.*" } ]
          imports [ { service { subject: "a.*", account: B }, to: "b.*" } ]
        }
        B {
          exports [ { service: "a.*" } ]
          imports [ { service { subject: "a.foo", account: A }, to: "c.foo" } ]
        }
      }
      """
    Then the server is running

  @go:TestAccountCycleServiceMissedDueToFromMutation
  Scenario: A service cycle behind an unrelated import of the same account is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { service: * } ]
          imports [
            { service { subject: narrow, account: C } }
            { service { subject: other, account: D } }
          ]
        }
        C { exports [ { service: narrow } ] }
        D {
          exports [ { service: other } ]
          imports [ { service { subject: other, account: E } } ]
        }
        E {
          exports [ { service: * } ]
          imports [ { service { subject: *, account: A } } ]
        }
      }
      """

  @go:TestAccountCycleStreamMissedDueToToMutation
  Scenario: A stream cycle behind an unrelated import of the same account is refused
    Then a server with this config fails to start with "import forms a cycle":
      """
      accounts {
        A {
          exports [ { stream: * } ]
          imports [
            { stream { subject: narrow, account: C }, to: narrow }
            { stream { subject: other, account: D }, to: other }
          ]
        }
        C { exports [ { stream: narrow } ] }
        D {
          exports [ { stream: other } ]
          imports [ { stream { subject: other, account: E }, to: other } ]
        }
        E {
          exports [ { stream: * } ]
          imports [ { stream { subject: *, account: A } } ]
        }
      }
      """
