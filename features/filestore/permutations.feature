@needs-jetstream @process
Feature: File store behaviour across ciphers and compression
  Go runs most file store tests under every combination of encryption at rest (none,
  ChaCha20-Poly1305, AES-GCM; the server's jetstream key and cipher) and block
  compression (none, s2; the stream's compression). The same observable behaviour must
  hold for each combination. Streams with a small max_bytes get small (32 KB) blocks,
  so a few hundred KB of messages span several blocks.

  @go:TestFileStoreBasics @go:TestFileStoreAndRetrieveMultiBlock @go:TestFileStoreBasicWriteMsgsAndRestore
  Scenario Outline: Messages in several blocks survive a clean restart with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"<compression>"}
      """
    When "c1" stores 90 messages of 1000 bytes on "foo.big"
    And "c1" stores 3 messages on "foo.small"
    And "c1" sends a "$JS.API.STREAM.INFO.S" request
    And the value of the reply field "state" is saved as "before"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 93
    Then the reply field "state" equals the saved "before"
    And the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 93
    And the reply field "config.compression" is "<compression>"
    And the server has at least 3 store files matching "jetstream/$G/streams/S/msgs/*.blk"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":92}
      """
    Then the reply field "message.data" is "Mg=="
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":10}
      """
    Then the reply field "message.subject" is "foo.big"
    When "c1" publishes "next" to "foo.small" for an ack
    Then the reply field "seq" is 94

    @since-2.10
    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreBasicWriteMsgsAndRestore @go:TestFileStoreFullStateMultiBlockPastWAL
  Scenario Outline: Messages in several blocks survive a kill -9 with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"<compression>"}
      """
    When "c1" stores 90 messages of 1000 bytes on "foo.big"
    And "c1" stores 3 messages on "foo.small"
    And the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 93
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 93
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":93}
      """
    Then the reply field "message.data" is "Mw=="

    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreRecoverWithRemovesAndNoIndexDB @go:TestFileStoreEraseAndNoIndexRecovery @go:TestFileStoreRemovePartialRecovery
  Scenario Outline: Deletes survive a rebuild from the blocks with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"<compression>"}
      """
    When "c1" stores 10 messages on "foo.a"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":2}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":5,"no_erase":true}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.S" request with:
      """
      {"seq":10}
      """
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 7
    Then the reply field "state.first_seq" is 1
    And the reply field "state.last_seq" is 10
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":5}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When "c1" publishes "next" to "foo.a" for an ack
    Then the reply field "seq" is 11

    @since-2.11
    Examples: without encryption
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |

    @since-2.10
    Examples: with encryption
      | cipher     | compression | key                                   |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStorePurgeExWithSubject @go:TestFileStoreCompact @go:TestFileStoreFullStatePurge
  Scenario Outline: Purges by subject and sequence survive a kill -9 with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"<compression>"}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" stores 5 messages on "foo.b"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"filter":"foo.a"}
      """
    Then the reply field "purged" is 5
    When "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":8}
      """
    Then the reply field "purged" is 2
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 3
    Then the reply field "state.first_seq" is 8
    And the reply field "state.last_seq" is 10
    And the reply field "state.num_subjects" is 1

    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreBitRot @go:TestFileStoreErrPartialLoad
  Scenario Outline: A torn last record is dropped after a kill -9 with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"<compression>"}
      """
    When "c1" stores 20 messages on "foo.a"
    And the server is killed
    And the last store file "jetstream/$G/streams/S/msgs/*.blk" of the server loses its last 3 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 19
    Then the reply field "state.last_seq" is 19
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":19}
      """
    Then the reply field "message.data" is "MTk="

    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreConsumer @go:TestFileStoreConsumerDeliveredAndAckUpdates
  Scenario Outline: Consumer state survives a restart with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"<compression>"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"D","ack_policy":"explicit"}
      """
    When "c1" stores 5 messages on "foo.a"
    And "c1" pulls from consumer "D" of stream "S" with 3 as "p"
    Then "p" receives the payloads "1, 2, 3" within 2s
    When "c1" acks all messages on "p"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 3
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.D" until the reply field "ack_floor.stream_seq" is 3
    Then the reply field "delivered.stream_seq" is 3
    And the reply field "num_pending" is 2
    And the reply field "num_ack_pending" is 0
    When "c1" pulls from consumer "D" of stream "S" with 1 as "q"
    Then "q" receives the payloads "4" within 5s

    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreSubjectsTotals @go:TestFileStoreNoFSSAfterRecover @go:TestFileStoreLoadLastWildcardWithPresenceMultipleBlocks
  Scenario Outline: Per-subject state is rebuilt from several blocks with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","max_bytes":120000,"compression":"<compression>"}
      """
    When "c1" stores "first-a" on "foo.a"
    And "c1" stores 60 messages of 1000 bytes on "foo.big"
    And "c1" stores "b" on "foo.b"
    And "c1" stores "last-a" on "foo.a"
    And the server is stopped
    And the store file "jetstream/$G/streams/S/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 63
    And "c1" sends a "$JS.API.STREAM.INFO.S" request with:
      """
      {"subjects_filter":"foo.*"}
      """
    Then the reply field "state.num_subjects" is 3
    And the stream state counts 2 messages on subject "foo.a"
    And the stream state counts 60 messages on subject "foo.big"
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"last_by_subj":"foo.a"}
      """
    Then the reply field "message.seq" is 63
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"next_by_subj":"foo.a","seq":1}
      """
    Then the reply field "message.data" is "Zmlyc3QtYQ=="

    @since-2.10
    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreBitRot
  Scenario Outline: A bit-flipped last record is dropped after a kill -9 with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.>"],"storage":"file","compression":"<compression>"}
      """
    When "c1" stores 20 messages on "foo.a"
    And the server is killed
    And the last store file "jetstream/$G/streams/S/msgs/*.blk" of the server is corrupted 12 bytes before its end for 2 bytes
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 19
    Then the reply field "state.last_seq" is 19
    When "c1" publishes "again" to "foo.a" for an ack
    Then the reply field "seq" is 20

    @since-2.10
    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreDoubleCompactWithWriteInBetweenEncryptedBug @go:TestFileStoreCompactReclaimHeadSpace
  Scenario Outline: Two purges up to the last message with writes in between keep every sequence with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"file","compression":"<compression>"}
      """
    When "c1" stores 5 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":5}
      """
    Then the reply field "purged" is 4
    When "c1" stores 5 messages on "foo"
    And "c1" sends a "$JS.API.STREAM.PURGE.S" request with:
      """
      {"seq":10}
      """
    Then the reply field "purged" is 5
    When "c1" sends a "$JS.API.STREAM.INFO.S" request
    Then the reply field "state.messages" is 1
    And the reply field "state.first_seq" is 10
    And the reply field "state.last_seq" is 10
    When "c1" stores "after" on "foo"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 2
    Then the reply field "state.first_seq" is 10
    And the reply field "state.last_seq" is 11
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":10}
      """
    Then the reply field "message.data" is "NQ=="
    When "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":11}
      """
    Then the reply field "message.data" is "YWZ0ZXI="

    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |

  @go:TestFileStoreEncryptedKeepIndexNeedBekResetBug
  Scenario Outline: New messages are readable after max age emptied the stream with cipher <cipher> and compression <compression>
    Given a server with config:
      """
      jetstream {
        store_dir: "{store_dir}"
        <key>
      }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"file","max_age":3000000000,"compression":"<compression>"}
      """
    When "c1" stores 5 messages on "foo"
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.messages" is 0 within 8s
    Then the reply field "state.first_seq" is 6
    When "c1" stores "six" on "foo"
    And "c1" stores "seven" on "foo"
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":7}
      """
    Then the reply field "message.data" is "c2V2ZW4="
    When the server is killed
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.S" until the reply field "state.last_seq" is 7
    And "c1" sends a "$JS.API.STREAM.MSG.GET.S" request with:
      """
      {"seq":6}
      """
    Then the reply field "message.data" is "c2l4"

    Examples:
      | cipher     | compression | key                                   |
      | none       | none        |                                       |
      | none       | s2          |                                       |
      | chachapoly | none        | key: "s3cr3t-key", cipher: chachapoly |
      | chachapoly | s2          | key: "s3cr3t-key", cipher: chachapoly |
      | aes        | none        | key: "s3cr3t-key", cipher: aes        |
      | aes        | s2          | key: "s3cr3t-key", cipher: aes        |
