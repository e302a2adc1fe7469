@cluster
Feature: Accounts across a cluster
  Interest and messages stay inside their account on every server; pinned accounts
  and the system account get routes of their own. Ported from server/routes_test.go
  and test/new_routes_test.go.

  Background:
    Given every cluster node has config:
      """
      accounts {
        $SYS { users: [ { user: "sys", password: "sys" } ] }
        ACC_A { users: [ { user: "a", password: "a" } ] }
        ACC_B { users: [ { user: "b", password: "b" } ] }
      }
      system_account: "$SYS"
      """

  @go:TestRoutePerAccount @go:TestNewRouteRSubs
  Scenario: A message stays in its account across the cluster
    Given a cluster of 2 servers
    And a client "pub" to server "A" with user "a" and password "a"
    And a client "suba" to server "B" with user "a" and password "a"
    And a client "subb" to server "B" with user "b" and password "b"
    When "suba" subscribes to "foo" as "sa"
    And "suba" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "subb" subscribes to "foo" as "sb"
    And "subb" flushes
    And "pub" publishes "only-a" to "foo"
    Then "sa" receives "only-a" on "foo" within 2s
    And "sb" receives no message within 300ms

  @go:TestRoutePerAccount
  Scenario: An account pinned to its own route still reaches the other server
    Given every cluster node has cluster options:
      """
      accounts: ["ACC_A"]
      """
    And a cluster of 2 servers
    And a client "pub" to server "A" with user "a" and password "a"
    And a client "sub" to server "B" with user "a" and password "a"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "A" sees interest in "foo" from "B" within 5s
    When "pub" publishes "pinned" to "foo"
    Then "s1" receives "pinned" on "foo" within 2s
    When the monitoring endpoint "/routez" of server "A" is read
    Then the reply list "routes" has an entry with "account" equal to "ACC_A"

  @go:TestRoutePerAccountDefaultForSysAccount
  Scenario: The system account gets a route of its own
    Given a cluster of 2 servers
    When the monitoring endpoint "/routez" of server "B" is read
    Then the reply list "routes" has an entry with "account" equal to "$SYS"

  @go:TestRoutePerAccountImplicit @go:TestRoutePerAccountGossipWorks
  Scenario: A server that joins through a seed also gets the pinned account's routes
    Given every cluster node has cluster options:
      """
      accounts: ["ACC_A"]
      """
    And a cluster of 2 servers
    And a server "C" joins the cluster through "A"
    And a client "pub" to server "C" with user "a" and password "a"
    And a client "sub" to server "B" with user "a" and password "a"
    When "sub" subscribes to "foo" as "s1"
    And "sub" flushes
    Then server "C" sees interest in "foo" from "B" within 5s
    When "pub" publishes "via-gossip" to "foo"
    Then "s1" receives "via-gossip" on "foo" within 2s
    When the monitoring endpoint "/routez" of server "C" is read
    Then the reply list "routes" has an entry with "account" equal to "ACC_A"
