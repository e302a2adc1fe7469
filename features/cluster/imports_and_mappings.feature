@cluster
Feature: Renamed imports, streamed responses and mappings across a cluster
  Stream imports under a prefix, service imports under a local subject with
  several responses, and subject mappings work when the publisher and the
  receiver are on different servers. Ported from server/accounts_test.go
  (the behaviours of TestAccountIsolationExportImport,
  TestCrossAccountServiceResponseTypes and TestAccountBasicRouteMapping, run
  across routes) and test/new_routes_test.go.

  Background:
    Given every cluster node has config:
      """
      accounts {
        $SYS { users: [ { user: "sys", password: "sys" } ] }
        ACC_A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "news.>" }, { service: "svc.>", response_type: "stream" } ]
          mappings: {
            "old.*": "new.$1"
            "route.*": [
              { destination: "here.$1", weight: 100%, cluster: "C1" }
              { destination: "there.$1", weight: 100% }
            ]
          }
        }
        ACC_B {
          users: [ { user: "b", password: "b" } ]
          imports: [
            { stream: { account: "ACC_A", subject: "news.>" }, prefix: "a" }
            { service: { account: "ACC_A", subject: "svc.>" }, to: "remote.svc.>" }
          ]
        }
      }
      system_account: "$SYS"
      """

  @go:TestNewRouteStreamImport @go:TestPrefixWildcardMapping
  Scenario: A stream imported under a prefix arrives with it on another server
    Given a cluster of 2 servers
    And a client "pub" to server "A" with user "a" and password "a"
    And a client "sub" to server "B" with user "b" and password "b"
    When "sub" subscribes to "a.news.>" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "news.>" from "B" within 5s
    When "pub" publishes "headline" to "news.today"
    Then "s1" receives "headline" on "a.news.today" within 2s
    And "s1" receives no message within 300ms

  @go:TestShadowSubsCleanupOnClientClose
  Scenario: When the importer unsubscribes, the other server loses the interest in the exporting account
    Given a cluster of 2 servers
    And a client "sub" to server "B" with user "b" and password "b"
    When "sub" subscribes to "a.news.>" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "news.>" from "B" within 5s
    When "sub" unsubscribes "s1"
    And "sub" flushes
    Then server "A" does not see interest in "news.>" from "B" within 5s

  @go:TestNewRouteServiceImport @go:TestCrossAccountServiceResponseTypes
  Scenario: A streamed service on one server sends every response to an importer on another
    Given a cluster of 2 servers
    And a client "svc" to server "B" with user "a" and password "a"
    And a client "cli" to server "A" with user "b" and password "b"
    When "svc" replies "part" 3 times to requests on "svc.parts"
    And "svc" flushes
    Then server "A" sees interest in "svc.parts" from "B" within 5s
    When "cli" subscribes to "my.inbox" as "s1"
    And "cli" flushes
    And "cli" publishes "q" to "remote.svc.parts" with reply "my.inbox"
    Then "s1" receives 3 messages within 2s
    And "s1" receives no message within 200ms

  @go:TestAccountBasicRouteMapping
  Scenario: A mapping applies where the message is published and the mapped subject crosses the route
    Given a cluster of 2 servers
    And a client "pub" to server "A" with user "a" and password "a"
    And a client "sub" to server "B" with user "a" and password "a"
    When "sub" subscribes to "new.*" as "s1"
    And "sub" subscribes to "old.*" as "s2"
    And "sub" flushes
    Then server "A" sees interest in "new.*" from "B" within 5s
    When "pub" publishes "moved" to "old.x"
    Then "s1" receives "moved" on "new.x" within 2s
    And "s2" receives no message within 300ms

  @go:TestAccountRouteMappingsWithOriginClusterFilter
  Scenario: A mapping destination scoped to the publisher's cluster wins over the unscoped one
    Given a cluster of 2 servers
    And a client "pub" to server "A" with user "a" and password "a"
    And a client "sub" to server "B" with user "a" and password "a"
    When "sub" subscribes to "here.*" as "s1"
    And "sub" subscribes to "there.*" as "s2"
    And "sub" flushes
    Then server "A" sees interest in "here.*" from "B" within 5s
    When "pub" publishes "local" to "route.x"
    Then "s1" receives "local" on "here.x" within 2s
    And "s2" receives no message within 300ms

  @go:TestAccountServiceImportReplyDroppedAcrossClusterRoutes
  Scenario: An answer that came over a route goes on over a route to a reply subscription on the responder's server
    Given a cluster of 2 servers
    And a client "svc" to server "A" with user "a" and password "a"
    And a client "inbox" to server "A" with user "b" and password "b"
    And a client "pub" to server "B" with user "b" and password "b"
    When "svc" replies "pong" to requests on "svc.ping"
    And "svc" flushes
    And "inbox" subscribes to "xroute.reply" as "s1"
    And "inbox" flushes
    Then server "B" sees interest in "svc.ping" from "A" within 5s
    And server "B" sees interest in "xroute.reply" from "A" within 5s
    When "pub" publishes "ping" to "remote.svc.ping" with reply "xroute.reply"
    Then "s1" receives "pong" on "xroute.reply" within 2s
