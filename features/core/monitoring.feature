@needs-monitoring
Feature: HTTP monitoring endpoints
  /varz reflects the configuration, /connz lists connections with their
  subscriptions (sortable, pageable, open or closed), /subsz counts and lists
  subscriptions, /routez, /accountz and /healthz describe the rest. Ported from
  server/monitor_test.go and test/monitor_test.go. Whole-reply shapes are kept as
  golden files recorded from the Go server, with volatile fields redacted.

  @go:TestMonitorHandleVarz @go:TestVarz
  Scenario: varz names the server and its limits
    Given a server
    When the monitoring endpoint "/varz" is read
    Then the reply field "server_name" is "S"
    And the reply field "server_id" matches "^N[A-Z0-9]{55}$"
    And the reply field "max_payload" is 1048576
    And the reply field "max_connections" is 65536
    And the reply field "max_control_line" is 4096

  @go:TestMonitorHandleVarz @go:TestVarz
  Scenario: varz reports default ping, auth and write deadline settings
    Given a server
    When the monitoring endpoint "/varz" is read
    Then the reply field "ping_interval" is 120000000000
    And the reply field "ping_max" is 2
    And the reply field "auth_timeout" is 2
    And the reply field "write_deadline" is 10000000000
    And the reply field "max_pending" is 67108864
    And the reply field "proto" is 1

  @go:TestMonitorHandleVarz @process
  Scenario: varz reflects configured limits
    Given a server with config:
      """
      max_payload: 2048
      max_connections: 100
      max_control_line: 1024
      max_pending: 10000000
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "max_payload" is 2048
    And the reply field "max_connections" is 100
    And the reply field "max_control_line" is 1024
    And the reply field "max_pending" is 10000000

  @go:TestMonitorHandleVarz @go:TestPingIntervalNew @process
  Scenario: varz reflects a configured ping interval and ping max
    Given a server with config:
      """
      ping_interval: "30s"
      ping_max: 5
      """
    Then the monitoring endpoint "/varz" field "ping_interval" is "30000000000"
    And the monitoring endpoint "/varz" field "ping_max" is "5"

  @go:TestMonitorHandleVarz @go:TestParseWriteDeadline @process
  Scenario: varz reflects a configured write deadline and auth timeout
    Given a server with config:
      """
      write_deadline: "3s"
      authorization { token: "t", timeout: 4 }
      """
    When the monitoring endpoint "/varz" is read
    Then the reply field "write_deadline" is 3000000000
    And the reply field "auth_timeout" is 4

  @go:TestMonitorHandleVarz @go:TestVarz
  Scenario: varz counts current and total connections
    Given a server
    And a client "c1"
    And a client "c2"
    Then the monitoring endpoint "/varz" field "connections" is "2"
    And the reply number "total_connections" is at least 2

  @go:TestMonitorHandleVarz @go:TestVarz
  Scenario: varz counts messages published by clients
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "PUB foo 5\r\nhello\r\nPUB foo 5\r\nhello\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    Then the monitoring endpoint "/varz" field "in_msgs" is "2"
    And the reply field "in_bytes" is 10

  @go:TestMonitorClusterEmptyWhenNotDefined
  Scenario: varz shows empty cluster, gateway and leaf sections when none are configured
    Given a server
    When the monitoring endpoint "/varz" is read
    Then the reply field "cluster" is {}
    And the reply field "gateway" is {}
    And the reply field "leaf" is {}

  @go:TestMonitorHandleVarz @go:TestVarz @process @since-2.15
  Scenario: varz has the recorded shape
    Given a server with config:
      """
      max_payload: 4096
      max_connections: 50
      ping_interval: "45s"
      """
    When the monitoring endpoint "/varz" is read
    Then the reply matches golden "varz" ignoring "config_digest, http_req_stats, connections, total_connections, subscriptions, in_msgs, in_bytes, out_msgs, out_bytes, in_client_msgs, in_client_bytes, out_client_msgs, out_client_bytes"

  @go:TestMonitorHTTPBasePath @process
  Scenario: A configured http base path prefixes the endpoints
    Given a server with config:
      """
      http_base_path: "/nats"
      """
    Then the monitoring endpoint "/nats/varz" answers with status 200
    And the monitoring endpoint "/nats/varz" field "http_base_path" is "/nats"

  @go:TestMonitorHandleRoot
  Scenario: The root page links the endpoints
    Given a server
    Then the monitoring endpoint "/" answers with status 200 and a body containing "varz"

  @go:TestMonitorHealthzStatusOK @go:TestServerHealthz
  Scenario: healthz answers ok with status 200
    Given a server
    Then the monitoring endpoint "/healthz" answers with status 200
    When the monitoring endpoint "/healthz" is read
    Then the reply field "status" is "ok"
    And the reply matches golden "healthz"

  @go:TestMonitorConnz @go:TestConnz
  Scenario: connz of an idle server lists no connections
    Given a server
    # Polls: the harness's own readiness probe may still be closing.
    Then the monitoring endpoint "/connz" field "num_connections" is "0"
    And the reply field "connections" has 0 items
    And the reply field "offset" is 0
    And the reply field "limit" is 1024

  @go:TestMonitorConnz @go:TestConnz
  Scenario: connz lists a client with its name and counters
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"name":"r1","lang":"raw","version":"1.2.3"}
    When "r" sends "SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n"
    Then "r" receives "MSG foo 1 2\r\nhi\r\nPONG\r\n" within 2s
    Then the monitoring endpoint "/connz" field "num_connections" is "1"
    And the reply list "connections" entry with "name" equal to "r1" has "lang" equal to "raw"
    And the reply list "connections" entry with "name" equal to "r1" has "in_msgs" equal to "1"
    And the reply list "connections" entry with "name" equal to "r1" has "out_msgs" equal to "1"
    And the reply list "connections" entry with "name" equal to "r1" has "subscriptions" equal to "1"

  @go:TestMonitorConnz @go:TestConnz
  Scenario: connz with one client has the recorded shape
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"name":"r1","lang":"raw","version":"1.2.3"}
    When "r" sends "SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n"
    Then "r" receives "MSG foo 1 2\r\nhi\r\nPONG\r\n" within 2s
    Then the monitoring endpoint "/connz?subs=1" field "num_connections" is "1"
    And the reply matches golden "connz"

  @go:TestMonitorConnzWithSubs @go:TestConnzWithSubs
  Scenario: connz with subs lists each connection's subjects
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"name":"r1"}
    When "r" sends "SUB foo 1\r\nSUB bar.> 2\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    Then the monitoring endpoint "/connz?subs=1" field "connections[0].subscriptions" is "2"
    And the reply field "connections[0].subscriptions_list" contains "foo"
    And the reply field "connections[0].subscriptions_list" contains "bar.>"

  @go:TestMonitorConnzWithSubsDetail
  Scenario: connz with subs detail lists queue groups and message counts
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"name":"r1"}
    When "r" sends "SUB foo workers 1\r\nPUB foo 2\r\nhi\r\nPING\r\n"
    Then "r" receives "MSG foo 1 2\r\nhi\r\nPONG\r\n" within 2s
    Then the monitoring endpoint "/connz?subs=detail" field "connections[0].subscriptions_list_detail[0].qgroup" is "workers"
    And the reply field "connections[0].subscriptions_list_detail[0].subject" is "foo"
    And the reply field "connections[0].subscriptions_list_detail[0].sid" is "1"
    And the reply field "connections[0].subscriptions_list_detail[0].msgs" is 1

  @go:TestMonitorConnzWithNamedClient
  Scenario: connz shows the client name given in CONNECT
    Given a server
    And a client "fred"
    Then the monitoring endpoint "/connz" field "connections[0].name" is "fred"
    And the reply field "connections[0].lang" is "rust"

  @go:TestMonitorConnzSortedBySubs
  Scenario: connz sorted by subscriptions lists the busiest first
    Given a server
    And a raw connection "a" with connect options {"verbose":false,"name":"few"}
    And a raw connection "b" with connect options {"verbose":false,"name":"many"}
    When "a" sends "SUB a 1\r\nPING\r\n"
    And "b" sends "SUB b 1\r\nSUB c 2\r\nSUB d 3\r\nPING\r\n"
    Then "a" receives "PONG\r\n" within 2s
    And "b" receives "PONG\r\n" within 2s
    Then the monitoring endpoint "/connz?sort=subs" field "connections[0].name" is "many"
    And the reply field "connections[1].name" is "few"

  @go:TestMonitorConnzSortedByBytesAndMsgs
  Scenario: connz sorted by messages sent lists the busiest publisher first
    Given a server
    And a raw connection "a" with connect options {"verbose":false,"name":"quiet"}
    And a raw connection "b" with connect options {"verbose":false,"name":"chatty"}
    When "b" sends "PUB x 1\r\na\r\n" 5 times
    And "b" sends "PING\r\n"
    Then "b" receives "PONG\r\n" within 2s
    Then the monitoring endpoint "/connz?sort=msgs_from" field "connections[0].name" is "chatty"
    And the reply field "connections[0].in_msgs" is 5

  @go:TestMonitorConnzSortedByCid @go:TestMonitorConnzDefaultSorted
  Scenario: connz is sorted by connection id by default
    Given a server
    And a raw connection "a" with connect options {"verbose":false,"name":"first"}
    And a raw connection "b" with connect options {"verbose":false,"name":"second"}
    Then the monitoring endpoint "/connz" field "connections[0].name" is "first"
    And the reply field "connections[1].name" is "second"

  @go:TestMonitorConnzSortBadRequest
  Scenario: connz refuses an unknown sort option
    Given a server
    Then the monitoring endpoint "/connz?sort=foo" answers with status 400 and a body containing "invalid sorting option"

  @go:TestMonitorConnzSortedByStopOnOpen
  Scenario: connz refuses sorting open connections by stop time
    Given a server
    Then the monitoring endpoint "/connz?sort=stop" answers with status 400 and a body containing "only valid on closed connections"

  @go:TestMonitorConnzSortedByReasonOnOpen
  Scenario: connz refuses sorting open connections by close reason
    Given a server
    Then the monitoring endpoint "/connz?sort=reason" answers with status 400 and a body containing "only valid on closed connections"

  @go:TestMonitorConnzBadParams
  Scenario: connz refuses a subs value that is not a boolean
    Given a server
    Then the monitoring endpoint "/connz?subs=xxx" answers with status 400 and a body containing "Error decoding boolean for 'subs'"

  @go:TestMonitorConnzBadParams
  Scenario: connz refuses an unknown connection state
    Given a server
    Then the monitoring endpoint "/connz?state=foo" answers with status 400 and a body containing "Error decoding state"

  @go:TestMonitorConnzWithOffsetAndLimit @go:TestConnzWithOffsetAndLimit
  Scenario: connz pages with limit and offset
    Given a server
    And a raw connection "a" with connect options {"verbose":false,"name":"one"}
    And a raw connection "b" with connect options {"verbose":false,"name":"two"}
    And a raw connection "c" with connect options {"verbose":false,"name":"three"}
    Then the monitoring endpoint "/connz?limit=1&offset=1" field "total" is "3"
    And the reply field "num_connections" is 1
    And the reply field "limit" is 1
    And the reply field "offset" is 1
    And the reply field "connections" has 1 items
    And the reply field "connections[0].name" is "two"

  @go:TestMonitorConnzOffsetOverflow
  Scenario: connz with an offset past the end lists nothing
    Given a server
    And a raw connection "a" with connect options {"verbose":false,"name":"one"}
    Then the monitoring endpoint "/connz?offset=10" field "total" is "1"
    And the reply field "num_connections" is 0
    And the reply field "connections" has 0 items

  @go:TestMonitorConnzWithStateForClosedConns
  Scenario: A closed connection is listed among closed connections with its reason
    Given a server
    And a raw connection "gone" with connect options {"verbose":false,"name":"gone"}
    And a raw connection "stays" with connect options {"verbose":false,"name":"stays"}
    When "gone" disconnects
    Then the monitoring endpoint "/connz" field "num_connections" is "1"
    When the monitoring endpoint "/connz?state=closed" is read
    Then the reply list "connections" has an entry with "name" equal to "gone"
    And the reply list "connections" has no entry with "name" equal to "stays"
    And the reply list "connections" entry with "name" equal to "gone" has "reason" equal to "Client Closed"

  @go:TestMonitorConnzWithStateForClosedConns
  Scenario: connz with state all lists open and closed connections
    Given a server
    And a raw connection "gone" with connect options {"verbose":false,"name":"gone"}
    And a raw connection "stays" with connect options {"verbose":false,"name":"stays"}
    When "gone" disconnects
    Then the monitoring endpoint "/connz" field "num_connections" is "1"
    When the monitoring endpoint "/connz?state=all" is read
    Then the reply list "connections" has an entry with "name" equal to "gone"
    And the reply list "connections" has an entry with "name" equal to "stays"

  @go:TestMonitorClosedConnzWithSubsDetail
  Scenario: A closed connection keeps its subscriptions in connz
    Given a server
    And a raw connection "gone" with connect options {"verbose":false,"name":"gone"}
    When "gone" sends "SUB foo 1\r\nPING\r\n"
    Then "gone" receives "PONG\r\n" within 2s
    When "gone" disconnects
    Then the monitoring endpoint "/connz" field "num_connections" is "0"
    When the monitoring endpoint "/connz?state=closed&subs=1" is read
    Then the reply list "connections" entry with "name" equal to "gone" has "subscriptions_list[0]" equal to "foo"

  @go:TestConnzWithAuth @go:TestMonitorAuthorizedUsers @process
  Scenario: connz with auth shows the authorized user
    Given a server with config:
      """
      authorization { users = [ {user: alice, password: foo} ] }
      """
    And a client "c1" with user "alice" and password "foo"
    Then the monitoring endpoint "/connz?auth=1" field "connections[0].authorized_user" is "alice"

  @go:TestConnzWithAccounts @process
  Scenario: connz filtered by account lists only that account's clients
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    And a client "ca" with user "a" and password "p"
    And a client "cb" with user "b" and password "p"
    Then the monitoring endpoint "/connz?acc=A&auth=1" field "num_connections" is "1"
    And the reply field "connections[0].name" is "ca"
    And the reply field "connections[0].account" is "A"

  @go:TestSubsz @go:TestMonitorSubszDetails
  Scenario: subsz counts a client's subscriptions
    Given a server
    When the monitoring endpoint "/subsz" is read
    Then the reply number "num_subscriptions" is at least 1
    And the reply has field "num_cache"
    And the reply has no field "subscriptions_list"

  @go:TestMonitorSubszTestPubSubject
  Scenario: subsz with a test subject lists the matching subscriptions
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo.* 1\r\nSUB foo.bar 2\r\nSUB baz 3\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    Then the monitoring endpoint "/subsz?subs=1&test=foo.bar" field "total" is "2"
    And the reply list "subscriptions_list" has an entry with "subject" equal to "foo.*"
    And the reply list "subscriptions_list" has an entry with "subject" equal to "foo.bar"
    And the reply list "subscriptions_list" has no entry with "subject" equal to "baz"

  @go:TestMonitorSubszTestPubSubject
  Scenario: subsz refuses a wildcard test subject
    Given a server
    Then the monitoring endpoint "/subsz?test=foo.*" answers with status 400 and a body containing "invalid test subject"

  @go:TestMonitorSubszTestPubSubject @since-2.11
  Scenario: subsz with a test subject has the recorded shape
    Given a server
    And a raw connection "r" with connect options {"verbose":false}
    When "r" sends "SUB foo 1\r\nSUB foo q 2\r\nPING\r\n"
    Then "r" receives "PONG\r\n" within 2s
    Then the monitoring endpoint "/subsz?subs=1&test=foo" field "total" is "2"
    And the reply matches golden "subsz" ignoring "num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout"

  @go:TestMonitorSubszMultiAccount @process
  Scenario: subsz filtered by account lists only that account's subscriptions
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    And a client "ca" with user "a" and password "p"
    And a client "cb" with user "b" and password "p"
    When "ca" subscribes to "in.a" as "sa"
    And "cb" subscribes to "in.b" as "sb"
    Then the monitoring endpoint "/subsz?subs=1&acc=A&test=in.a" field "total" is "1"
    And the reply field "subscriptions_list[0].account" is "A"
    When the monitoring endpoint "/subsz?subs=1&acc=A&test=in.b" is read
    Then the reply has no field "subscriptions_list"

  @go:TestMonitorRoutezWithBadParams
  Scenario: routez refuses a subs value that is not a boolean
    Given a server
    Then the monitoring endpoint "/routez?subs=xxx" answers with status 400 and a body containing "Error decoding boolean for 'subs'"

  @go:TestMonitorConnzWithRoutes @since-2.10
  Scenario: routez of a single server lists no routes
    Given a server
    When the monitoring endpoint "/routez" is read
    Then the reply field "num_routes" is 0
    And the reply field "routes" has 0 items
    And the reply matches golden "routez"

  @go:TestMonitorAccountz
  Scenario: accountz lists the global and system accounts
    Given a server
    When the monitoring endpoint "/accountz" is read
    Then the reply field "accounts" contains "$G"
    And the reply field "accounts" contains "$SYS"
    And the reply field "system_account" is "$SYS"

  @go:TestMonitorAccountz @process
  Scenario: accountz lists configured accounts
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    When the monitoring endpoint "/accountz" is read
    Then the reply field "accounts" contains "A"
    And the reply field "accounts" contains "B"
    And the reply field "accounts" has 4 items
    And the reply matches golden "accountz" ignoring "accounts"

  @go:TestMonitorAccountz @process
  Scenario: accountz for one account details its connections and subscriptions
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
      }
      """
    And a client "ca" with user "a" and password "p"
    When "ca" subscribes to "foo" as "s1"
    Then the monitoring endpoint "/accountz?acc=A" field "account_detail.client_connections" is "1"
    And the reply field "account_detail.account_name" is "A"
    And the reply field "account_detail.jetstream_enabled" is false

  @go:TestMonitorConnzWithCID
  Scenario: connz for an unknown connection id lists nothing
    Given a server
    And a raw connection "a" with connect options {"verbose":false,"name":"one"}
    When the monitoring endpoint "/connz?cid=99999" is read
    Then the reply field "num_connections" is 0
    And the reply field "connections" has 0 items

  @go:TestMonitorConnzRTT
  Scenario: connz reports a round-trip time for a client
    Given a server
    And a raw connection "r" with connect options {"verbose":false,"name":"r1"}
    Then the monitoring endpoint "/connz" field "connections[0].name" is "r1"
    And the reply field "connections[0].rtt" matches "^[0-9.]+(ns|µs|us|ms|s)$"

  @go:TestMonitorJszNonJszServer
  Scenario: jsz of a server without JetStream says it is disabled
    Given a server
    When the monitoring endpoint "/jsz" is read
    Then the reply field "disabled" is true
    And the reply field "streams" is 0

  @go:TestMonitorLeafz @since-2.10
  Scenario: leafz of a server without leafnodes lists none
    Given a server
    When the monitoring endpoint "/leafz" is read
    Then the reply field "leafnodes" is 0
    And the reply field "leafs" has 0 items

  @go:TestMonitorGatewayz
  Scenario: gatewayz of a server without gateways lists none
    Given a server
    When the monitoring endpoint "/gatewayz" is read
    Then the reply field "outbound_gateways" is {}
    And the reply field "inbound_gateways" is {}

  @go:TestMonitorAccountStatz @process
  Scenario: accstatz counts an account's connections
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    And a client "c1" with user "a" and password "p"
    And a client "c2" with user "a" and password "p"
    Then the monitoring endpoint "/accstatz" field "account_statz[0].conns" is "2"
    And the reply field "account_statz[0].acc" is "A"
    And the reply field "account_statz" has 1 items

  @go:TestMonitorAccountStatz @process
  Scenario: accstatz with unused lists accounts without connections too
    Given a server with config:
      """
      accounts {
        A { users [{user: a, password: p}] }
        B { users [{user: b, password: p}] }
      }
      """
    And a client "c1" with user "a" and password "p"
    When the monitoring endpoint "/accstatz?unused=1" is read
    Then the reply list "account_statz" has an entry with "acc" equal to "B"
    And the reply list "account_statz" entry with "acc" equal to "B" has "conns" equal to "0"
