@needs-jetstream @process
Feature: File store encryption at rest
  With `jetstream { key: ..., cipher: chachapoly | aes }` the server encrypts stream
  and consumer metadata and message blocks. What it stores must not show payloads or
  subjects, must survive restarts with the same key, must not load with another key,
  and can be converted to another cipher or re-encrypted with a new key (prev_key).

  @go:TestJetStreamServerEncryption @go:TestFileStoreEncrypted
  Scenario Outline: Payloads and subjects are not stored in plain text with cipher <cipher>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        key: "s3cr3t-key", cipher: <cipher>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["secret.>"],"storage":"file"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit","description":"CONFIDENTIAL-CONSUMER"}
      """
    When "c1" stores "TOP SECRET DOCUMENT" on "secret.plans"
    And "c1" pulls from consumer "dlc" of stream "S" with 1 as "p"
    Then "p" receives the payloads "TOP SECRET DOCUMENT" within 2s
    When "c1" acks the last message on "p" and waits for the confirmation
    And the server is stopped
    Then no store file of the server contains "TOP SECRET DOCUMENT"
    And no store file of the server contains "secret.plans"
    And no store file of the server contains "CONFIDENTIAL-CONSUMER"
    And the server has 1 store file matching "jetstream/$G/streams/S/meta.key"
    And the server has 1 store file matching "jetstream/$G/streams/S/msgs/1.key"
    And the server has 1 store file matching "jetstream/$G/streams/S/obs/dlc/meta.key"
    And the server log contains "Encryption:      <banner>" within 2s

    @since-2.10
    Examples:
      | cipher     | banner            |
      | chachapoly | ChaCha20-Poly1305 |
      | aes        | AES-GCM           |

  @go:TestJetStreamServerEncryption
  Scenario: Without a key payloads, subjects and consumer configs are stored in plain text
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["secret.>"],"storage":"file"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit","description":"CONFIDENTIAL-CONSUMER"}
      """
    When "c1" stores "TOP SECRET DOCUMENT" on "secret.plans"
    And the server is stopped
    Then a store file of the server contains "TOP SECRET DOCUMENT"
    And a store file of the server contains "secret.plans"
    And a store file of the server contains "CONFIDENTIAL-CONSUMER"
    And the server has 0 store files matching "jetstream/$G/streams/S/meta.key"

  @go:TestJetStreamServerEncryption
  Scenario: A key without a cipher encrypts with ChaCha20-Poly1305
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t-key" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["secret.>"],"storage":"file"}
      """
    When "c1" stores "TOP SECRET DOCUMENT" on "secret.plans"
    And the server is stopped
    Then no store file of the server contains "TOP SECRET DOCUMENT"
    And the server log contains "Encryption:      ChaCha20-Poly1305" within 2s

  @go:TestJetStreamServerEncryptionServerRestarts @go:TestFileStoreEncrypted
  Scenario Outline: An encrypted stream and its consumer survive restarts and a kill -9 with cipher <cipher>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        key: "s3cr3t-key", cipher: <cipher>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit"}
      """
    When "c1" stores 10 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 4 as "p"
    Then "p" receives the payloads "1, 2, 3, 4" within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 4
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 10
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 4
    Then the reply field "num_pending" is 6
    When "c1" stores 2 messages on "foo.b"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 12
    Then the reply field "state.last_seq" is 12
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":12}
      """
    Then the reply field "message.data" is "Mg=="

    Examples:
      | cipher     |
      | chachapoly |
      | aes        |

  @go:TestFileStoreRestoreEncryptedWithNoKeyFuncFails
  Scenario Outline: An encrypted stream is not loaded with a wrong key (cipher <cipher>)
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        key: "s3cr3t-key", cipher: <cipher>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 3 messages on "foo.a"
    And the server is restarted with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        key: "another-key", cipher: <cipher>
      }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "error.code" is 404
    Then the reply field "error.err_code" is 10059
    And the server log contains "Error decrypting our stream metafile: unable to recover keys" within 2s

    @since-2.10
    Examples:
      | cipher     |
      | chachapoly |
      | aes        |

  @go:TestFileStoreRestoreEncryptedWithNoKeyFuncFails
  Scenario: An encrypted stream is not loaded without a key
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t-key", cipher: aes }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 3 messages on "foo.a"
    And the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "error.code" is 404
    Then the reply field "error.err_code" is 10059
    And the server log contains "Error decrypting our stream metafile: encryption not enabled" within 2s

  @go:TestFileStoreRestoreEncryptedWithNoKeyFuncFails
  Scenario: The right key loads the stream again after a start with a wrong key
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t-key", cipher: aes }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 3 messages on "foo.a"
    And the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}", key: "another-key", cipher: aes }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "error.code" is 404
    And the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t-key", cipher: aes }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    Then the reply field "state.last_seq" is 3

  @go:TestJetStreamServerCipherConvert
  Scenario Outline: Changing the cipher from <from> to <to> with the same key keeps streams and consumers
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t", cipher: <from> }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"TEST","subjects":["foo"],"storage":"file"}
      """
    And "c1" creates the consumer on "TEST":
      """
      {"durable_name":"dlc","ack_policy":"explicit"}
      """
    When "c1" stores 50 messages on "foo"
    And "c1" pulls from consumer "dlc" of stream "TEST" with 10 as "p"
    Then "p" receives 10 messages within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.stream_seq" is 10
    And "c1" sends a "$JS.API.STREAM.INFO.TEST" request
    And the value of the reply field "state" is saved as "state"
    And the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t", cipher: <to> }
      """
    And "c1" polls "$JS.API.STREAM.INFO.TEST" until the reply field "state.messages" is 50
    Then the reply field "state" equals the saved "state"
    When "c1" polls "$JS.API.CONSUMER.INFO.TEST.dlc" until the reply field "ack_floor.stream_seq" is 10
    Then the reply field "num_pending" is 40
    And the reply field "delivered.stream_seq" is 10
    And the reply field "delivered.consumer_seq" is 10
    And the reply field "ack_floor.consumer_seq" is 10
    When "c1" sends a "$JS.API.STREAM.MSG.GET.TEST" request with:
      """
      {"seq":50}
      """
    Then the reply field "message.data" is "NTA="
    And the server log contains "Encryption:      <banner>" within 2s
    And the server log contains "Filestore [TEST] Stream state magic and version mismatch" within 2s

    @since-2.10
    Examples:
      | from       | to         | banner            |
      | aes        | chachapoly | ChaCha20-Poly1305 |
      | chachapoly | aes        | AES-GCM           |

  @go:TestJetStreamServerReencryption
  Scenario Outline: Rotating the key from <from> to <to> with prev_key re-encrypts the store
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", key: "firstencryptionkey", cipher: <from> }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"file","compression":"<compression>"}
      """
    When "c1" stores 30 messages of 2000 bytes on "foo"
    And "c1" stores 1 messages on "foo"
    And the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}", key: "secondencryptionkey", prev_key: "firstencryptionkey", cipher: <to> }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 31
    And the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}", key: "secondencryptionkey", cipher: <to> }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 31
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":31}
      """
    Then the reply field "message.data" is "MQ=="
    When the server is restarted with config:
      """
      jetstream { store_dir: "{store_dir}", key: "firstencryptionkey", cipher: <to> }
      """
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "error.code" is 404
    Then the server log contains "Error decrypting our stream metafile: unable to recover keys" within 2s

    @since-2.10
    Examples:
      | from       | to         | compression |
      | aes        | aes        | none        |
      | aes        | chachapoly | s2          |
      | chachapoly | chachapoly | none        |
      | chachapoly | aes        | s2          |

  @go:TestJetStreamServerEncryptionRecoveryWithoutStreamStateFile @since-2.10
  Scenario: An encrypted stream is rebuilt from its blocks without the stream state file
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t-key", cipher: chachapoly }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file"}
      """
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":3}
      """
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 9
    Then the reply field "state.last_seq" is 10
    And the reply field "state.num_deleted" is 1

  @go:TestJetStreamServerEncryption
  Scenario: An unknown cipher is a configuration error
    Then a server with this config fails to start with "Unknown cipher type: \"rot13\"":
      """
      jetstream { store_dir: "{store_dir}", key: "s3cr3t-key", cipher: rot13 }
      """
