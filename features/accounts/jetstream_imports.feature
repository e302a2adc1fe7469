@needs-jetstream @process
Feature: Imported streams captured by JetStream
  A JetStream stream of the importing account stores what it imports, under
  the import's local subject. Ported from server/accounts_test.go
  (TestAccountServiceAndStreamExportDoubleDelivery's accounts, whose global
  account keeps its imports in JetStream).

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      accounts {
        tenant1 {
          jetstream: enabled
          users: [ { user: "one", password: "one" } ]
          exports: [ { stream: "DW.>" } ]
        }
        global {
          jetstream: enabled
          users: [ { user: "global", password: "global" } ]
          imports: [ { stream: { account: tenant1, subject: "DW.>" }, prefix: tenant1 } ]
        }
      }
      """
    And a client "t1" with user "one" and password "one"
    And a client "g" with user "global" and password "global"

  @go:TestAccountServiceAndStreamExportDoubleDelivery
  Scenario: A stream of the importing account stores imported messages under the prefix
    When "g" sends a "$JS.API.STREAM.CREATE.IMPORTED" request with:
      """
      {"name":"IMPORTED","subjects":["tenant1.DW.>"],"storage":"memory"}
      """
    Then the reply has no field "error"
    When "t1" publishes "one" to "DW.test.1"
    And "t1" publishes "two" to "DW.test.2"
    And "g" polls "$JS.API.STREAM.INFO.IMPORTED" until the reply field "state.messages" is 2 within 5s
    When "g" sends a "$JS.API.STREAM.MSG.GET.IMPORTED" request with:
      """
      {"seq":2}
      """
    Then the reply field "message.subject" is "tenant1.DW.test.2"
