@needs-jetstream @process
Feature: File store per-subject state and lookups across blocks and restarts
  Lookups by subject (last and next message of a subject, multi-subject direct gets,
  per-subject counts and filtered pending counts of consumers) must find the right
  messages when the subject's messages are spread over several blocks, after removals
  that emptied whole blocks, and after the per-subject state is rebuilt on a restart.
  Streams with a small max_bytes get small (32 KB) blocks.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"

  @go:TestFileStoreMultiLastSeqsMaxAllowed @since-2.11
  Scenario: A multi-subject direct get that matches too many subjects is refused, also after a restart
    Given "c1" creates the stream:
      """
      {"name":"D","subjects":["d.*"],"storage":"file","allow_direct":true}
      """
    When "c1" stores 1025 messages on the numbered subjects "d.#"
    And "c1" sends '{"multi_last":["d.*"]}' to "$JS.API.DIRECT.GET.D" with replies to "g1"
    Then "g1" receives a status 413 with description "Too Many Results" within 2s
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.D" until the reply field "state.messages" is 1025
    And "c1" sends '{"multi_last":["d.*"]}' to "$JS.API.DIRECT.GET.D" with replies to "g2"
    Then "g2" receives a status 413 with description "Too Many Results" within 2s
    When "c1" sends a "$JS.API.STREAM.PURGE.D" request with:
      """
      {"filter":"d.1"}
      """
    Then the reply field "purged" is 1
    When "c1" sends '{"multi_last":["d.*"]}' to "$JS.API.DIRECT.GET.D" with replies to "g3"
    Then "g3" receives 1024 messages within 5s

  @go:TestFileStoreCheckSkipFirstBlockBug @go:TestFileStoreRemovePerSubjectWithMultipleBlocks @go:TestFileStoreFilteredFirstMatchingBug @since-2.11
  Scenario: Next and last by subject skip removed blocks and other subjects, also after a restart
    Given "c1" creates the stream:
      """
      {"name":"B","subjects":["foo.*.bar"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores "bb1" on "foo.BB.bar"
    And "c1" stores "bb2" on "foo.BB.bar"
    And "c1" stores "aa3" on "foo.AA.bar"
    And "c1" stores 70 messages of 1000 bytes on "foo.BB.bar"
    And "c1" stores "aa74" on "foo.AA.bar"
    And "c1" stores "aa75" on "foo.AA.bar"
    Then the server has at least 3 store files matching "jetstream/$G/streams/B/msgs/*.blk"
    When "c1" deletes the sequences 3 to 40 of stream "B"
    And "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"next_by_subj":"foo.AA.bar","seq":1}
      """
    Then the reply field "message.seq" is 74
    When "c1" sends a "$JS.API.STREAM.MSG.DELETE.B" request with:
      """
      {"seq":75}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"last_by_subj":"foo.AA.bar"}
      """
    Then the reply field "message.seq" is 74
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"next_by_subj":"foo.BB.bar","seq":3}
      """
    Then the reply field "message.seq" is 41
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"next_by_subj":"foo.BB.bar","seq":74}
      """
    Then the reply is an error with code 404, err_code 10037 and description "no message found"
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.B" until the reply field "state.messages" is 36
    And "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"next_by_subj":"foo.AA.bar","seq":1}
      """
    Then the reply field "message.seq" is 74
    And the reply field "message.data" is "YWE3NA=="
    When "c1" sends a "$JS.API.STREAM.MSG.GET.B" request with:
      """
      {"last_by_subj":"foo.AA.bar"}
      """
    Then the reply field "message.seq" is 74
    When "c1" sends a "$JS.API.STREAM.INFO.B" request with:
      """
      {"subjects_filter":">"}
      """
    Then the stream state counts 1 messages on subject "foo.AA.bar"
    And the stream state counts 35 messages on subject "foo.BB.bar"

  @go:TestFileStoreFilteredPendingPSIMFirstBlockUpdate @go:TestFileStoreWildcardFilteredPendingPSIMFirstBlockUpdate @go:TestFileStoreFilteredPendingPSIMFirstBlockUpdateNextBlock @since-2.10
  Scenario: Filtered consumers count the right pending messages when a subject's first message was removed far from the rest
    Given "c1" creates the stream:
      """
      {"name":"P","subjects":["foo.*.*"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores "baz" on "foo.22.baz"
    And "c1" stores "bar" on "foo.22.bar"
    And "c1" stores 80 messages of 1000 bytes on "foo.1.foo"
    And "c1" stores 2 messages on "foo.22.baz"
    And "c1" stores 2 messages on "foo.22.bar"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.P" request with:
      """
      {"seq":1}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.P" request with:
      """
      {"seq":2}
      """
    And "c1" creates the consumer on "P":
      """
      {"durable_name":"BAZ","ack_policy":"explicit","filter_subject":"foo.22.baz"}
      """
    Then the reply field "num_pending" is 2
    When "c1" creates the consumer on "P":
      """
      {"durable_name":"ALL22","ack_policy":"explicit","filter_subject":"foo.22.*"}
      """
    Then the reply field "num_pending" is 4
    When "c1" creates the consumer on "P":
      """
      {"durable_name":"ANYBAZ","ack_policy":"explicit","filter_subject":"foo.*.baz"}
      """
    Then the reply field "num_pending" is 2
    When the server is stopped
    And the store file "jetstream/$G/streams/P/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.CONSUMER.INFO.P.ALL22" until the reply field "num_pending" is 4
    And "c1" polls "$JS.API.CONSUMER.INFO.P.BAZ" until the reply field "num_pending" is 2
    When "c1" pulls from consumer "ALL22" of stream "P" with 4 as "p"
    Then "p" receives the payloads "1, 2, 1, 2" within 2s
    And the last message on "p" has subject "foo.22.bar"

  @go:TestFileStoreAllFilteredStateWithDeleted @go:TestFileStoreNumPendingLargeNumBlks @since-2.10
  Scenario: Consumers starting at a sequence count the messages left after deletes, also after a rebuild
    Given "c1" creates the stream:
      """
      {"name":"N","subjects":["n"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 100 messages of 1000 bytes on "n"
    And "c1" deletes the sequences 2 to 5 of stream "N"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.N" request with:
      """
      {"seq":40}
      """
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.N" request with:
      """
      {"seq":90}
      """
    And "c1" creates the consumer on "N":
      """
      {"durable_name":"FROM2","ack_policy":"explicit","deliver_policy":"by_start_sequence","opt_start_seq":2}
      """
    Then the reply field "num_pending" is 93
    When "c1" creates the consumer on "N":
      """
      {"durable_name":"FROM60","ack_policy":"explicit","deliver_policy":"by_start_sequence","opt_start_seq":60}
      """
    Then the reply field "num_pending" is 40
    When the server is stopped
    And the store file "jetstream/$G/streams/N/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.CONSUMER.INFO.N.FROM2" until the reply field "num_pending" is 93
    And "c1" polls "$JS.API.CONSUMER.INFO.N.FROM60" until the reply field "num_pending" is 40
    When "c1" sends a "$JS.API.STREAM.PURGE.N" request
    Then the reply field "purged" is 94
    When "c1" polls "$JS.API.CONSUMER.INFO.N.FROM2" until the reply field "num_pending" is 0
    And "c1" sends a "$JS.API.STREAM.INFO.N" request
    Then the reply field "state.first_seq" is 101
    And the reply field "state.last_seq" is 100

  @go:TestFileStoreTrackSubjLenForPSIM @go:TestFileStoreSubjectCorruption @go:TestFileStoreStreamCompactMultiBlockSubjectInfo @since-2.11
  Scenario: Per-subject counts of many multi-token subjects are rebuilt exactly after removals
    Given "c1" creates the stream:
      """
      {"name":"T","subjects":["t.>"],"storage":"file","max_bytes":120000}
      """
    When "c1" stores 200 messages of 300 bytes on the numbered subjects "t.#.x.yz"
    Then the server has at least 2 store files matching "jetstream/$G/streams/T/msgs/*.blk"
    When "c1" sends a "$JS.API.STREAM.PURGE.T" request with:
      """
      {"seq":101}
      """
    Then the reply field "purged" is 100
    When "c1" deletes the sequences 151 to 160 of stream "T"
    And "c1" sends a "$JS.API.STREAM.INFO.T" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.num_subjects" is 90
    And the reply field "state.subjects" has 90 entries
    When the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 90
    And "c1" sends a "$JS.API.STREAM.INFO.T" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.num_subjects" is 90
    And the reply field "state.subjects" has 90 entries
    When the server is stopped
    And the store file "jetstream/$G/streams/T/msgs/index.db" of the server is deleted
    And the server is started again
    And "c1" polls "$JS.API.STREAM.INFO.T" until the reply field "state.messages" is 90
    And "c1" sends a "$JS.API.STREAM.INFO.T" request with:
      """
      {"subjects_filter":"t.*.x.yz"}
      """
    Then the reply field "state.num_subjects" is 90
    And the reply field "state.subjects" has 90 entries
    And the stream state counts 1 messages on subject "t.101.x.yz"
    And the stream state counts 1 messages on subject "t.200.x.yz"
    And the stream state counts 1 messages on subject "t.161.x.yz"
    When "c1" sends a "$JS.API.STREAM.PURGE.T" request
    And "c1" sends a "$JS.API.STREAM.INFO.T" request
    Then the reply has no field "state.num_subjects"
