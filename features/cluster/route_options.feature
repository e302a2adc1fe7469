@cluster
Feature: Route options: permissions, pings, authorization timeout and compression
  A server's route permissions decide which interest it accepts and sends; routes
  are kept alive with PINGs at the cluster's ping interval; a route connection that
  never authenticates is closed; negotiated compression shows in /routez and
  messages still flow. Ported from test/routes_test.go and server/routes_test.go.

  @go:TestRouteBasicPermissions @go:TestRoutePermsAppliedOnInboundAndOutboundRoute
  Scenario: A server sends nothing across a route for subjects its export permission denies
    Given cluster node "A" has cluster options:
      """
      permissions { import: "foo", export: { allow: "*", deny: ["foo"] } }
      """
    And a cluster of 2 servers without a system account
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    When "cb" subscribes to "bar" as "sbar"
    And "cb" subscribes to "foo" as "sfoo"
    And "cb" subscribes to "baz" as "sbaz"
    And "cb" flushes
    Then server "A" sees interest in "baz" from "B" within 5s
    And server "A" does not see interest in "foo" from "B" within 1s
    When "ca" publishes "allowed" to "bar"
    And "ca" publishes "denied" to "foo"
    Then "sbar" receives "allowed" on "bar" within 2s
    And "sfoo" receives no message within 300ms

  @go:TestRouteBasicPermissions @go:TestRoutesOnlyImportOrExport
  Scenario: A server only asks the route for subjects its import permission allows
    Given cluster node "A" has cluster options:
      """
      permissions { import: "foo", export: { allow: "*", deny: ["foo"] } }
      """
    And a cluster of 2 servers without a system account
    And a client "ca" to server "A"
    And a client "cb" to server "B"
    When "ca" subscribes to "bat" as "sbat"
    And "ca" subscribes to "foo" as "sfoo"
    And "ca" flushes
    Then server "B" sees interest in "foo" from "A" within 5s
    And server "B" does not see interest in "bat" from "A" within 1s
    When "cb" publishes "not-imported" to "bat"
    And "cb" publishes "imported" to "foo"
    Then "sfoo" receives "imported" on "foo" within 2s
    And "sbat" receives no message within 300ms

  @go:TestRoutePings @go:TestRouteCustomPing
  Scenario: A route is kept alive with PINGs at the cluster's ping interval
    Given every cluster node has cluster options:
      """
      ping_interval: "100ms"
      """
    And a cluster of 1 server without a system account
    And a raw route connection "r" to server "A" as "FAKE1"
    Then "r" receives "PING\r\n" within 2s
    When "r" sends "PONG\r\n"
    Then "r" receives "PING\r\n" within 2s
    And "r" is still open

  @go:TestRouteNoLeakOnAuthTimeout @go:TestSendRouteInfoOnConnect
  Scenario: A route connection that never sends its CONNECT is closed after the authorization timeout
    Given every cluster node has cluster options:
      """
      authorization { user: "ruser", password: "top_secret", timeout: 0.5 }
      """
    And every cluster node dials routes as "ruser:top_secret"
    And a cluster of 1 server without a system account
    And a raw connection "r" to the route port of server "A"
    Then the INFO of "r" has field "auth_required" equal to "true"
    And "r" receives "-ERR 'Authentication Timeout'\r\n" within 3s
    And "r" is closed by the server within 2s

  @go:TestRouteCompression @go:TestRouteCompressionMatrixModes
  Scenario: Routes between servers that both ask for s2_fast compression are compressed and carry messages
    Given every cluster node has cluster options:
      """
      compression: s2_fast
      """
    And a cluster of 2 servers
    And a client "pub" to server "A"
    And a client "sub" to server "B"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes 100 messages to "foo"
    Then "s1" receives 100 messages within 5s
    When the monitoring endpoint "/routez" of server "A" is read
    Then the reply list "routes" entry with "remote_name" equal to "B" has "compression" equal to "s2_fast"

  @go:TestRouteCompressionMatrixModes
  Scenario: Routes between servers that only accept compression are not compressed
    Given every cluster node has cluster options:
      """
      compression: accept
      """
    And a cluster of 2 servers
    When the monitoring endpoint "/routez" of server "B" is read
    Then the reply list "routes" entry with "remote_name" equal to "A" has "compression" equal to "off"

  @go:TestRouteCompressionMatrixModes
  Scenario: A server that accepts compression follows one that asks for it
    Given cluster node "A" has cluster options:
      """
      compression: s2_better
      """
    And cluster node "B" has cluster options:
      """
      compression: accept
      """
    And a cluster of 2 servers
    When the monitoring endpoint "/routez" of server "B" is read
    Then the reply list "routes" entry with "remote_name" equal to "A" has "compression" equal to "s2_better"

  @go:TestRouteCompressionMatrixModes
  Scenario: Compression stays off when one side turns it off
    Given cluster node "A" has cluster options:
      """
      compression: s2_fast
      """
    And cluster node "B" has cluster options:
      """
      compression: off
      """
    And a cluster of 2 servers
    When the monitoring endpoint "/routez" of server "A" is read
    Then the reply list "routes" entry with "remote_name" equal to "B" has "compression" equal to "off"
