@cluster
Feature: Imports and exports across a cluster
  A stream or service one account exports reaches the importing account when
  exporter and importer are on different servers. Ported from test/new_routes_test.go
  and server/routes_test.go.

  Background:
    Given every cluster node has config:
      """
      accounts {
        $SYS { users: [ { user: "sys", password: "sys" } ] }
        ACC_A {
          users: [ { user: "a", password: "a" } ]
          exports: [ { stream: "news.>" }, { service: "svc.>" } ]
        }
        ACC_B {
          users: [ { user: "b", password: "b" } ]
          imports: [
            { stream: { account: "ACC_A", subject: "news.>" } }
            { service: { account: "ACC_A", subject: "svc.>" } }
          ]
        }
      }
      system_account: "$SYS"
      """

  @go:TestNewRouteStreamImport @go:TestRoutePoolPerAccountStreamImport
  Scenario: A stream exported on one server is received by the importing account on another
    Given a cluster of 2 servers
    And a client "pub" to server "A" with user "a" and password "a"
    And a client "sub" to server "B" with user "b" and password "b"
    When "sub" subscribes to "news.>" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "news.>" from "B" within 5s
    When "pub" publishes "headline" to "news.today"
    Then "s1" receives "headline" on "news.today" within 2s
    And "s1" receives no message within 300ms

  @go:TestNewRouteServiceImport
  Scenario: A service exported on one server answers an importer's request from another
    Given a cluster of 2 servers
    And a client "svc" to server "B" with user "a" and password "a"
    And a client "cli" to server "A" with user "b" and password "b"
    When "svc" replies "served" to requests on "svc.echo"
    And "svc" flushes
    Then server "A" sees interest in "svc.echo" from "B" within 5s
    When "cli" requests "hello" on "svc.echo" as "r1"
    Then reply "r1" is "served"
