@cluster
Feature: Client URLs gossiped through the cluster
  A server tells its clients the client URLs of every server in the cluster
  (connect_urls in INFO), sends an updated INFO to clients that understand it when a
  server joins or leaves, honours no_advertise and client_advertise. Ported from
  server/routes_test.go and test/routes_test.go.

  @go:TestServerRoutesWithClients @go:TestClientAdvertise
  Scenario: A client's INFO lists the client URL of every server in the cluster
    Given a cluster of 3 servers
    And a raw connection "r" to server "B"
    Then the INFO of "r" lists the client URLs of "A,B,C"

  @go:TestRouteSendAsyncINFOToClients
  Scenario: A client is sent a new INFO when a server joins the cluster
    Given a cluster of 2 servers
    And a raw connection "r" to server "A" with connect options {"verbose":false,"protocol":1}
    Then the INFO of "r" lists the client URLs of "A,B"
    Given a server "C" joins the cluster through "B"
    Then "r" receives an INFO listing the client URLs of "A,B,C" within 5s

  @go:TestServerPoolUpdatedWhenRouteGoesAway
  Scenario: A client is sent a new INFO without a server that left the cluster
    Given a cluster of 3 servers
    And a raw connection "r" to server "A" with connect options {"verbose":false,"protocol":1}
    When the server "C" is stopped
    Then "r" receives an INFO listing the client URLs of "A,B" within 5s

  @go:TestServerPoolUpdatedWhenRouteGoesAway
  Scenario: A restarted server comes back into the client URLs
    Given a cluster of 3 servers
    And a raw connection "r" to server "A" with connect options {"verbose":false,"protocol":1}
    When the server "C" is killed
    Then "r" receives an INFO listing the client URLs of "A,B" within 5s
    When the server "C" is started again
    Then "r" receives an INFO listing the client URLs of "A,B,C" within 10s

  @go:TestRouteSendAsyncINFOToClients
  Scenario: A client that did not ask for protocol 1 gets no asynchronous INFO
    Given a cluster of 2 servers
    And a raw connection "r" to server "A" with connect options {"verbose":false,"protocol":0}
    When the server "B" is stopped
    Then "r" receives no data within 500ms

  @go:TestClientAdvertise
  Scenario: A server's client_advertise address is what the others gossip
    Given cluster node "B" has config:
      """
      client_advertise: "nats.example.com:4333"
      """
    And a cluster of 2 servers
    And a raw connection "r" to server "A"
    Then the INFO of "r" has field "connect_urls" matching "\"nats\.example\.com:4333\""

  @go:TestRouteSendAsyncINFOToClients
  Scenario: With no_advertise, clients are not told about the other servers
    Given every cluster node has cluster options:
      """
      no_advertise: true
      """
    And a cluster of 2 servers
    And a raw connection "r" to server "A"
    Then the INFO of "r" lists the client URLs of ""
