@process
Feature: Imports, exports and mappings in /accountz
  The account detail of /accountz lists what an account exports and imports
  and its subject mappings with their weights. Ported from
  server/accounts_test.go (what TestAccountParseConfigImportsExports and
  TestAccountRouteMappingsConfiguration check through the Go API).

  Background:
    Given a server with config:
      """
      accounts {
        A {
          users: [ { user: "a", password: "a" } ]
          exports: [
            { stream: "news.>" }
            { service: "svc.>", response_type: "stream", accounts: [ B ] }
            { service: "help" }
          ]
          mappings: {
            "old.*": "new.$1"
            "w": [ { destination: x, weight: 40% } ]
          }
        }
        B {
          users: [ { user: "b", password: "b" } ]
          imports: [
            { stream: { account: "A", subject: "news.>" }, prefix: "a" }
            { service: { account: "A", subject: "svc.>" }, to: "remote.svc.>" }
            { service: { account: "A", subject: "help" } }
          ]
        }
      }
      """

  @go:TestAccountParseConfigImportsExports
  Scenario: The exporting account lists its exports
    Then the monitoring endpoint "/accountz?acc=A" includes:
      """
      {"account_detail": {"account_name": "A", "exports": [
        {"subject": "news.>", "type": "stream"},
        {"subject": "svc.>", "type": "service", "response_type": "Streamed", "approved_accounts": ["B"]},
        {"subject": "help", "type": "service", "response_type": "Singleton"}
      ]}}
      """

  @go:TestAccountParseConfigImportsExports
  Scenario: The importing account lists its stream and service imports with their local subjects
    Then the monitoring endpoint "/accountz?acc=B" includes:
      """
      {"account_detail": {"account_name": "B", "imports": [
        {"subject": "news.>", "account": "A", "local_subject": "a.news.>", "type": "stream", "invalid": false},
        {"subject": "svc.>", "account": "A", "to": "remote.svc.>", "local_subject": "remote.svc.>", "type": "service", "invalid": false},
        {"subject": "help", "account": "A", "to": "help", "local_subject": "help", "type": "service", "invalid": false}
      ]}}
      """

  @go:TestAccountRouteMappingsConfiguration
  Scenario: The mappings are listed with cumulative weights, the rest going to the source
    Then the monitoring endpoint "/accountz?acc=A" includes:
      """
      {"account_detail": {"mappings": {
        "old.*": [{"subject": "new.$1", "weight": 100}],
        "w": [{"subject": "x", "weight": 40}, {"subject": "w", "weight": 100}]
      }}}
      """

  @go:TestAccountParseConfigImportsExports
  Scenario: An account without exports or mappings lists none
    When the monitoring endpoint "/accountz?acc=B" is read
    Then the reply has no field "account_detail.exports"
    And the reply has no field "account_detail.mappings"
