Feature: Wildcard subscriptions
  "*" matches exactly one token and ">" matches one or more trailing tokens.
  Wildcard characters embedded inside a token are literal.

  @go:TestProtoBasics
  Scenario: A star matches exactly one token
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.* 1\r\nPUB foo.bar 2\r\nok\r\nPUB foo.bar.baz 2\r\nno\r\nPUB foo 2\r\nno\r\nPING\r\n"
    Then "r" receives "MSG foo.bar 1 2\r\nok\r\nPONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: A full wildcard matches one or more trailing tokens
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.> 1\r\nPUB foo.bar 1\r\na\r\nPUB foo.bar.baz 1\r\nb\r\nPUB foo 1\r\nc\r\nPING\r\n"
    Then "r" receives "MSG foo.bar 1 1\r\na\r\nMSG foo.bar.baz 1 1\r\nb\r\nPONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: A star in the middle matches any single middle token
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.*.baz 1\r\nPUB foo.bar.baz 1\r\na\r\nPUB foo.bar.qux 1\r\nb\r\nPUB foo.bar.bar.baz 1\r\nc\r\nPING\r\n"
    Then "r" receives "MSG foo.bar.baz 1 1\r\na\r\nPONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: A leading star matches the first token
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB *.bar 1\r\nPUB foo.bar 1\r\na\r\nPUB foo.baz 1\r\nb\r\nPING\r\n"
    Then "r" receives "MSG foo.bar 1 1\r\na\r\nPONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: Star and full wildcard can be combined
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB *.bar.> 1\r\nPUB foo.bar.baz.qux 1\r\na\r\nPUB foo.bar 1\r\nb\r\nPING\r\n"
    Then "r" receives "MSG foo.bar.baz.qux 1 1\r\na\r\nPONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: Overlapping subscriptions on one connection each receive a copy
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.bar 1\r\nSUB foo.* 2\r\nSUB foo.> 3\r\nPUB foo.bar 2\r\nok\r\n"
    Then "r" receives a line matching "^MSG foo\.bar [123] 2$"
    And "r" receives "ok\r\n" within 1s
    And "r" receives a line matching "^MSG foo\.bar [123] 2$"
    And "r" receives "ok\r\n" within 1s
    And "r" receives a line matching "^MSG foo\.bar [123] 2$"
    And "r" receives "ok\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestWildcardCharsInLiteralSubjectWorks
  Scenario: Wildcard characters inside a token are literal
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.bar,*,>,baz 1\r\nPUB foo.bar,*,>,baz 3\r\nmsg\r\nPUB foo.bar 3\r\nmsg\r\nPING\r\n"
    Then "r" receives "MSG foo.bar,*,>,baz 1 3\r\nmsg\r\nPONG\r\n" within 1s

  @go:TestWildcardCharsInLiteralSubjectWorks
  Scenario: A literal subject with wildcard characters can be resubscribed
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.bar,*,>,baz 1\r\nPUB foo.bar,*,>,baz 3\r\nmsg\r\nUNSUB 1\r\nSUB foo.bar,*,>,baz 2\r\nPUB foo.bar,*,>,baz 3\r\nmsg\r\n"
    Then "r" receives "MSG foo.bar,*,>,baz 1 3\r\nmsg\r\nMSG foo.bar,*,>,baz 2 3\r\nmsg\r\n" within 1s

  @go:TestTwoTokenPubMatchSingleTokenSub
  Scenario: A single-token star does not match a two-token subject
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB * 1\r\nPUB foo.bar 5\r\nhello\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s

  @go:TestProtoBasics
  Scenario: Subjects are case sensitive
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nSUB Foo 2\r\nPUB FOO 2\r\nno\r\nPUB Foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "MSG Foo 2 2\r\nok\r\nPONG\r\n" within 1s
