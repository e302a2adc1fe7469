Feature: Queue groups
  Members of the same queue group share the messages of a subject: each
  message goes to exactly one member of each group.

  @go:TestQueueSub
  Scenario: Two queue members on one connection share 100 messages
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo qgroup1 22\r\nSUB foo qgroup1 32\r\n"
    And "r" sends "PUB foo 2\r\nok\r\n" 100 times
    Then "r" receives 100 messages within 5s spread over sids "22,32" with at least 20 each
    And "r" receives no data within 300ms

  @go:TestMultipleQueueSub
  Scenario: Each of two queue groups receives every message once
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo g1 1\r\nSUB foo g1 2\r\nSUB foo g2 3\r\nSUB foo g2 4\r\n"
    And "r" sends "PUB foo 2\r\nok\r\n" 100 times
    Then "r" receives 200 messages within 5s spread over sids "1,2,3,4" with at least 20 each
    And "r" receives no data within 300ms

  @go:TestClientPubWithQueueSub
  Scenario: Queue members on different connections split the messages
    Given a server
    And a client "c1"
    And a client "c2"
    And a client "p"
    When "c1" subscribes to "work.q" in queue "g1" as "s1"
    And "c2" subscribes to "work.q" in queue "g1" as "s2"
    And "c1" flushes
    And "c2" flushes
    And "p" publishes 100 messages to "work.q"
    And "p" flushes
    Then "s1" and "s2" together receive 100 messages within 5s, each at least 10
    And "s1" receives no message within 200ms
    And "s2" receives no message within 200ms

  @go:TestClientPubWithQueueSub
  Scenario: A single message reaches exactly one queue member
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo g1 1\r\nSUB foo g1 2\r\nPUB foo bar 5\r\nhello\r\n"
    Then "r" receives a line matching "^MSG foo [12] bar 5$"
    And "r" receives "hello\r\n" within 1s
    And "r" receives no data within 300ms

  @go:TestClientPubWithQueueSub
  Scenario: A plain subscriber gets every message alongside a queue group
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nSUB foo g1 2\r\nSUB foo g1 3\r\n"
    And "r" sends "PUB foo 2\r\nok\r\n" 50 times
    Then "r" receives 100 messages within 5s spread over sids "1,2,3" with at least 5 each
    And "r" receives no data within 300ms

  @go:TestClientPubWithQueueSub
  Scenario: A lone queue member receives all messages in order
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo g1 5\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n"
    Then "r" receives "MSG foo 5 1\r\na\r\nMSG foo 5 1\r\nb\r\nMSG foo 5 1\r\nc\r\n" within 1s

  @go:TestClientUnSub
  Scenario: After one queue member unsubscribes the other receives everything
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo g1 1\r\nSUB foo g1 2\r\nUNSUB 1\r\n"
    And "r" sends "PUB foo 2\r\nok\r\n" 20 times
    Then "r" receives 20 messages within 5s spread over sids "2" with at least 20 each

  @go:TestClientPubWithQueueSubNoEcho
  Scenario: A no-echo publisher in a queue group sends all messages to the other member
    Given a server
    And a raw connection "noecho" with connect options {"verbose":false,"echo":false}
    And a client "c2"
    When "noecho" sends "SUB foo bar 1\r\nPING\r\n"
    Then "noecho" receives "PONG\r\n" within 1s
    When "c2" subscribes to "foo" in queue "bar" as "s2"
    And "c2" flushes
    And "noecho" sends "PUB foo 5\r\nHello\r\n" 100 times
    Then "s2" receives 100 messages within 5s
    And "noecho" receives no data within 200ms

  @go:TestSplitSubjectQueue
  Scenario: Extra spaces between subject, queue and sid are tolerated
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB  foo  bar  1 \r\nSUB foo bar 2\r\nPUB foo 2\r\nok\r\n"
    Then "r" receives a line matching "^MSG foo [12] 2$"
    And "r" receives "ok\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestSplitSubjectQueue
  Scenario: SUB with too many arguments closes the connection
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo bar baz 22\r\n"
    Then "r" is closed by the server within 2s

  @go:TestProtoBasics
  Scenario: A wildcard queue subscription shares matching messages
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.* g1 1\r\nSUB foo.* g1 2\r\n"
    And "r" sends "PUB foo.bar 2\r\nok\r\n" 60 times
    Then "r" receives 60 messages within 5s spread over sids "1,2" with at least 5 each
