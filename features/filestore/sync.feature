@needs-jetstream @process
Feature: File store durability settings
  `jetstream { sync_interval: always | <duration> }` decides when blocks are fsynced; a
  single-replica stream writes each message to its block before acknowledging it, so
  a kill -9 of the server process never loses an acknowledged message. A stream's
  `persist_mode: async` acknowledges before the write.

  @go:TestJetStreamSyncInterval @go:TestFileStoreSyncIntervals
  Scenario Outline: With sync_interval always every acknowledged message survives a kill -9 (cipher <cipher>)
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        sync_interval: always
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 50 messages on "foo.a"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 50
    Then the reply field "state.last_seq" is 50
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":50}
      """
    Then the reply field "message.data" is "NTA="

    @since-2.10
    Examples:
      | cipher     | key                                   |
      | none       |                                       |
      | chachapoly | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | key: "s3cr3t-key", cipher: aes        |

  @go:TestJetStreamSyncInterval @since-2.10
  Scenario: With sync_interval always deletes and purges survive a kill -9
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", sync_interval: always }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 10 messages on "foo.a"
    And "c1" stores 5 messages on "foo.b"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.b"}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":4}
      """
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 9
    Then the reply field "state.last_seq" is 15
    And the reply field "state.num_subjects" is 1
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":4}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"

  @go:TestJetStreamSyncInterval @since-2.10
  Scenario: With a sync_interval duration acknowledged messages survive a kill -9
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", sync_interval: "10s" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 30 messages on "foo.a"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 30
    Then the reply field "state.last_seq" is 30

  @go:TestJetStreamSyncInterval @since-2.10
  Scenario: An invalid sync_interval is a configuration error
    Then a server with this config fails to start with "error parsing sync_interval":
      """
      jetstream { store_dir: "{store_dir}", sync_interval: "sometimes" }
      """

  @go:TestJetStreamPersistModeAsync @since-2.12
  Scenario: A file stream can use the async persist mode
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"file","persist_mode":"async"}
      """
    Then the reply field "config.persist_mode" is "async"
    When "c1" publishes "x" to "foo" for an ack
    Then the reply field "seq" is 1
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 1
    Then the reply field "config.persist_mode" is "async"

  @go:TestJetStreamPersistModeAsync @since-2.12
  Scenario: The async persist mode is refused for memory streams
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    When "c1" sends a "$JS.API.STREAM.CREATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"memory","persist_mode":"async"}
      """
    Then the reply is an error with code 500, err_code 10052 and description "async persist mode is only supported on file storage"

  @go:TestJetStreamPersistModeAsync @since-2.12
  Scenario: The persist mode cannot be changed by an update
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"file","persist_mode":"async"}
      """
    When "c1" sends a "$JS.API.STREAM.UPDATE.S" request with:
      """
      {"name":"S","subjects":["foo"],"storage":"file"}
      """
    Then the reply is an error with code 500, err_code 10052 and description "stream configuration update can not change persist mode"
