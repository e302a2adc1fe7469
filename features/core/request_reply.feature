Feature: Request / reply and no-responders
  A request is a publish with a reply subject. When the client enabled
  "no_responders" (which requires headers) and nobody is subscribed, the
  server answers the reply subject with a 503 status header.

  @go:TestClientSimplePubSubWithReply
  Scenario: A raw request and reply round trip between two connections
    Given a server
    And a raw connection "svc" with connect options {"verbose":false}
    And a raw connection "req" with connect options {"verbose":false}
    When "svc" sends "SUB svc.echo 1\r\nPING\r\n"
    Then "svc" receives "PONG\r\n" within 1s
    When "req" sends "SUB my.inbox 7\r\nPUB svc.echo my.inbox 4\r\nping\r\n"
    Then "svc" receives "MSG svc.echo 1 my.inbox 4\r\nping\r\n" within 1s
    When "svc" sends "PUB my.inbox 4\r\npong\r\n"
    Then "req" receives "MSG my.inbox 7 4\r\npong\r\n" within 1s

  @go:TestClientSimplePubSubWithReply
  Scenario: A client request is answered by a responder
    Given a server
    And a client "responder"
    And a client "requester"
    When "responder" replies "pong" to requests on "svc.time"
    And "requester" requests "ping" on "svc.time" as "r1"
    Then reply "r1" is "pong"

  @go:TestClientNoResponderSupport @since-2.12
  Scenario: A request with no subscribers gets a 503 no-responders status
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true,"no_responders":true}
    When "r" sends "SUB reply 1\r\nPUB foo reply 2\r\nok\r\n"
    Then "r" receives "HMSG reply 1 35 35\r\nNATS/1.0 503\r\nNats-Subject: foo\r\n\r\n\r\n" within 1s

  @go:TestClientNoResponderSupport
  Scenario: A client request with no subscribers fails with no responders
    Given a server
    And a client "c1"
    Then a request from "c1" on "nobody.home" fails with no responders

  @go:TestClientNoResponderSupport
  Scenario: no_responders without headers is rejected and the connection closed
    Given a server
    And a raw connection "r"
    When "r" sends "CONNECT {\"verbose\":false,\"no_responders\":true}\r\n"
    Then "r" receives "-ERR 'no responders requires headers support'\r\n" within 1s
    And "r" is closed by the server within 2s

  @go:TestClientNoResponderSupport
  Scenario: Without no_responders a request to nobody gets no answer
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true}
    When "r" sends "SUB reply 1\r\nPUB foo reply 2\r\nok\r\n"
    Then "r" receives no data within 300ms

  @go:TestClientNoResponderSupport
  Scenario: A request without a reply subject never triggers no-responders
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true,"no_responders":true}
    When "r" sends "SUB reply 1\r\nPUB foo 2\r\nok\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 1s
    And "r" receives no data within 200ms

  @go:TestClientNoResponderSupport
  Scenario: A request with a queue responder is answered normally
    Given a server
    And a raw connection "svc" with connect options {"verbose":false}
    And a raw connection "req" with connect options {"verbose":false,"headers":true,"no_responders":true}
    When "svc" sends "SUB foo workers 1\r\nPING\r\n"
    Then "svc" receives "PONG\r\n" within 1s
    When "req" sends "SUB reply 1\r\nPUB foo reply 2\r\nok\r\n"
    Then "svc" receives "MSG foo 1 reply 2\r\nok\r\n" within 1s
    And "req" receives no data within 200ms

  @go:TestClientNoResponderSupport @since-2.12
  Scenario: An HPUB request with no subscribers gets a 503 status
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"headers":true,"no_responders":true}
    When "r" sends "SUB reply 1\r\nHPUB bar reply 12 14\r\nName:Derek\r\nOK\r\n"
    Then "r" receives "HMSG reply 1 35 35\r\nNATS/1.0 503\r\nNats-Subject: bar\r\n\r\n\r\n" within 1s

  @go:TestClientSimplePubSubWithReply
  Scenario: A client publish with a reply subject reaches a client subscriber with that reply
    Given a server
    And a client "c1"
    And a client "c2"
    When "c1" subscribes to "svc.reply.check" as "s1"
    And "c2" publishes "hello" to "svc.reply.check" with reply "answer.here"
    Then "s1" receives "hello" on "svc.reply.check" with reply "answer.here" within 2s

  @go:TestClientPubSubNoEcho
  Scenario: A client without echo still gets replies to its own requests
    Given a server
    And a client "quiet" without echo
    And a client "svc"
    When "svc" replies "pong" to requests on "svc.noecho"
    And "quiet" requests "ping" on "svc.noecho" as "r1"
    Then reply "r1" is "pong"
