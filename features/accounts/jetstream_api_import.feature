@needs-jetstream @process
Feature: JetStream's API imported by another account
  An account without JetStream of its own uses another account's through a
  service import of $JS.API.> under a prefix of its own: requests cross with
  mapped replies and answers come back. Ported from server/accounts_test.go
  (the renamed service imports of TestAccountImportsWithWildcardSupport).

  @go:TestAccountImportsWithWildcardSupport
  Scenario: Another account uses JetStream through an imported API under its own prefix
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        JS {
          jetstream: enabled
          users: [ { user: "js", password: "js" } ]
          exports: [ { service: "$JS.API.>" } ]
        }
        APP {
          users: [ { user: "app", password: "app" } ]
          imports: [ { service: { account: "JS", subject: "$JS.API.>" }, to: "JS.JS.API.>" } ]
        }
      }
      """
    And a client "app" with user "app" and password "app"
    And a client "js" with user "js" and password "js"
    When "app" sends a "JS.JS.API.STREAM.CREATE.ORDERS" request with:
      """
      {"name":"ORDERS","subjects":["orders.>"],"storage":"memory"}
      """
    Then the reply field "config.name" is "ORDERS"
    When "js" publishes "o1" to "orders.1"
    And "js" flushes
    And "app" sends a "JS.JS.API.STREAM.INFO.ORDERS" request
    Then the reply field "state.messages" is 1
