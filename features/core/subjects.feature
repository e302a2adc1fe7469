Feature: Subject validation
  Subscriptions may use wildcards but every token must be non-empty; publish
  subjects must be literal. Invalid subjects are answered with an -ERR and the
  connection stays open.

  @go:TestPedanticSub
  Scenario: SUB with an empty terminal token is rejected
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo. 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s
    And "r" is still open

  @go:TestPedanticSub
  Scenario: SUB with an empty middle token is rejected
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo..bar 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s
    And "r" is still open

  @go:TestPedanticSub
  Scenario: SUB with a full wildcard that is not last is rejected
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.>.bar 1\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n" within 1s

  @go:TestPedanticSub
  Scenario: A rejected SUB creates no subscription
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo..bar 1\r\nPUB foo..bar 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Invalid Subject'\r\n-ERR 'Invalid Publish Subject'\r\nPONG\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to a wildcard subject is rejected without pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo.* 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\nPONG\r\n" within 1s

  @go:TestPedanticPub
  Scenario: PUB to malformed subjects is rejected without pedantic mode
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo. 2\r\nok\r\nPUB .foo 2\r\nok\r\nPUB > 2\r\nok\r\nPING\r\n"
    Then "r" receives "-ERR 'Invalid Publish Subject'\r\n-ERR 'Invalid Publish Subject'\r\n-ERR 'Invalid Publish Subject'\r\nPONG\r\n" within 1s

  @go:TestParsePubArg
  Scenario: PUB arguments separated by extra spaces are accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB   foo   bar  5  \r\nhello\r\n"
    Then "r" receives "MSG foo 1 bar 5\r\nhello\r\n" within 1s

  @go:TestParsePubArg
  Scenario: PUB arguments separated by tabs are accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB\tfoo\t\tbar\t5\t\r\nhello\r\n"
    Then "r" receives "MSG foo 1 bar 5\r\nhello\r\n" within 1s

  @go:TestParsePubArg
  Scenario: PUB arguments separated by mixed whitespace without a reply are accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nPUB \t \tfoo\t \t \t\t\t5\t \t\r\nhello\r\n"
    Then "r" receives "MSG foo 1 5\r\nhello\r\n" within 1s

  @go:TestParsePubArg
  Scenario: A single-character subject is accepted
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB a 1\r\nPUB a 2\r\nok\r\n"
    Then "r" receives "MSG a 1 2\r\nok\r\n" within 1s

  @go:TestWildcardCharsInLiteralSubjectWorks
  Scenario: Subjects may contain UTF-8 characters
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB caf\xc3\xa9.\xe2\x82\xac 1\r\nPUB caf\xc3\xa9.\xe2\x82\xac 2\r\nok\r\n"
    Then "r" receives "MSG caf\xc3\xa9.\xe2\x82\xac 1 2\r\nok\r\n" within 1s

  # The protocol splits arguments on spaces and tabs only; a form feed or
  # vertical tab stays in the subject, and neither SUB nor a pedantic PUB
  # checks for it (Go's Sublist.Insert and IsValidLiteralSubject).
  @go:TestPedanticSub
  Scenario: Whitespace the parser does not split on is part of a subject
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB a\x0cb 1\r\nSUB a.\x0c 2\r\nPUB a\x0cb 2\r\nok\r\nPUB a.\x0c 2\r\nok\r\nPUB a\x0bb 2\r\nok\r\nPING\r\n"
    Then "r" receives "MSG a\x0cb 1 2\r\nok\r\nMSG a.\x0c 2 2\r\nok\r\nPONG\r\n" within 1s

  @go:TestParsePubArg
  Scenario: Subjects with many tokens are delivered
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB a.b.c.d.e.f.g.h.i.j 1\r\nPUB a.b.c.d.e.f.g.h.i.j 2\r\nok\r\n"
    Then "r" receives "MSG a.b.c.d.e.f.g.h.i.j 1 2\r\nok\r\n" within 1s
