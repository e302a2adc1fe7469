@needs-jetstream @process
Feature: JetStream key-value semantics
  Key-value buckets as clients build them: a KV_<bucket> stream on $KV.<bucket>.>,
  history through max messages per subject, create/update through expected
  subject sequences, delete and purge markers through headers, reads through
  direct get and watches through last-per-subject consumers.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"KV_b","subjects":["$KV.b.>"],"storage":"file","retention":"limits","max_msgs_per_subject":3,"discard":"new","allow_rollup_hdrs":true,"deny_delete":true,"allow_direct":true,"max_bytes":-1,"max_msgs":-1,"duplicate_window":120000000000}
      """

  @go:TestJetStreamKVHistoryRegression @go:TestJetStreamKVReductionInHistory
  Scenario: A bucket keeps only the configured history per key
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" stores "v2" on "$KV.b.k"
    And "c1" stores "v3" on "$KV.b.k"
    And "c1" stores "v4" on "$KV.b.k"
    And "c1" sends a "$JS.API.STREAM.INFO.KV_b" request
    Then the reply field "state.messages" is 3
    And the reply field "state.first_seq" is 2
    When "c1" sends '' to "$JS.API.DIRECT.GET.KV_b.$KV.b.k" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has payload "v4"
    And the last message on "g" has header "Nats-Sequence" equal to "4"

  @go:TestJetStreamKVReductionInHistory
  Scenario: Lowering the history trims every key
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" stores "v2" on "$KV.b.k"
    And "c1" stores "v3" on "$KV.b.k"
    And "c1" sends a "$JS.API.STREAM.UPDATE.KV_b" request with:
      """
      {"name":"KV_b","subjects":["$KV.b.>"],"storage":"file","retention":"limits","max_msgs_per_subject":1,"discard":"new","allow_rollup_hdrs":true,"deny_delete":true,"allow_direct":true,"max_bytes":-1,"max_msgs":-1,"duplicate_window":120000000000}
      """
    Then the reply field "state.messages" is 1

  @go:TestJetStreamLastSequenceBySubject
  Scenario: Creating a key that already exists is refused
    When "c1" publishes "v1" to "$KV.b.k" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply field "seq" is 1
    When "c1" publishes "v2" to "$KV.b.k" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 0 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 1"

  @go:TestJetStreamLastSequenceBySubject
  Scenario: Updating a key needs its current revision
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" stores "other" on "$KV.b.o"
    And "c1" publishes "v2" to "$KV.b.k" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply field "seq" is 3
    When "c1" publishes "v3" to "$KV.b.k" for an ack with headers:
      | Nats-Expected-Last-Subject-Sequence | 1 |
    Then the reply is an error with code 400, err_code 10071 and description "wrong last sequence: 3"

  @go:TestJetStreamKVDelete
  Scenario: A delete marker becomes the latest value of the key
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" stores "" on "$KV.b.k" with headers:
      | KV-Operation | DEL |
    And "c1" sends '' to "$JS.API.DIRECT.GET.KV_b.$KV.b.k" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has header "KV-Operation" equal to "DEL"
    And the last message on "g" has payload ""
    When "c1" sends a "$JS.API.STREAM.INFO.KV_b" request
    Then the reply field "state.messages" is 2

  @go:TestJetStreamKVDelete @go:TestJetStreamKVNoSubjectDeleteMarkerOnPurgeMarker
  Scenario: A purge marker with a subject rollup removes the key's history
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" stores "v2" on "$KV.b.k"
    And "c1" stores "x" on "$KV.b.other"
    And "c1" stores "" on "$KV.b.k" with headers:
      | KV-Operation | PURGE |
      | Nats-Rollup  | sub   |
    And "c1" sends a "$JS.API.STREAM.INFO.KV_b" request with:
      """
      {"subjects_filter":">"}
      """
    Then the reply field "state.subjects" is {"$KV.b.k":1,"$KV.b.other":1}
    When "c1" sends '' to "$JS.API.DIRECT.GET.KV_b.$KV.b.k" with replies to "g"
    Then "g" receives 1 messages within 2s
    And the last message on "g" has header "KV-Operation" equal to "PURGE"

  @go:TestJetStreamKVDelete
  Scenario: A bucket denies direct message deletes
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" sends a "$JS.API.STREAM.MSG.DELETE.KV_b" request with:
      """
      {"seq":1}
      """
    Then the reply is an error with code 500, err_code 10057 and description "message delete not permitted"

  @go:TestJetStreamDeliverLastPerSubjectWithKV @go:TestJetStreamConsumerPendingForKV
  Scenario: A watcher gets the latest value of every key
    When "c1" stores "a1" on "$KV.b.a"
    And "c1" stores "b1" on "$KV.b.b"
    And "c1" stores "a2" on "$KV.b.a"
    And "c1" subscribes to "watch.out" as "watch"
    And "c1" creates the consumer on "KV_b":
      """
      {"name":"w","deliver_subject":"watch.out","ack_policy":"none","deliver_policy":"last_per_subject","filter_subject":"$KV.b.>","inactive_threshold":10000000000}
      """
    Then the reply field "num_pending" is 2
    And "watch" receives the payloads "b1, a2" within 2s
    When "c1" stores "b2" on "$KV.b.b"
    Then "watch" receives the payloads "b2" within 2s

  @go:TestJetStreamConsumerPendingForKV
  Scenario: Listing keys with a headers-only watcher
    When "c1" stores "a-long-value" on "$KV.b.a"
    And "c1" stores "b" on "$KV.b.b"
    And "c1" subscribes to "keys.out" as "keys"
    And "c1" creates the consumer on "KV_b":
      """
      {"name":"k","deliver_subject":"keys.out","ack_policy":"none","deliver_policy":"last_per_subject","filter_subject":"$KV.b.>","headers_only":true,"inactive_threshold":10000000000}
      """
    Then "keys" receives a message on "$KV.b.a" within 2s
    And the last message on "keys" has header "Nats-Msg-Size" equal to "12"
    And "keys" receives a message on "$KV.b.b" within 2s

  @go:TestJetStreamGetLastMsgBySubject
  Scenario: Getting a key that was never written is not found
    When "c1" sends '' to "$JS.API.DIRECT.GET.KV_b.$KV.b.missing" with replies to "g"
    Then "g" receives a status 404 within 2s

  @go:TestJetStreamKVHistoryRegression
  Scenario: Key history survives a server restart
    When "c1" stores "v1" on "$KV.b.k"
    And "c1" stores "v2" on "$KV.b.k"
    And the server is restarted
    And "c1" polls "$JS.API.STREAM.INFO.KV_b" until the reply field "state.messages" is 2
    And "c1" sends a "$JS.API.STREAM.MSG.GET.KV_b" request with:
      """
      {"last_by_subj":"$KV.b.k"}
      """
    Then the reply field "message.seq" is 2
    And the reply field "message.data" is "djI="

  @go:TestJetStreamStreamSourceFromKV @since-2.10
  Scenario: A stream can source a bucket and rename its keys
    When "c1" stores "v1" on "$KV.b.k1"
    And "c1" stores "v2" on "$KV.b.k2"
    And "c1" creates the stream:
      """
      {"name":"COPY","storage":"memory","sources":[{"name":"KV_b","subject_transforms":[{"src":"$KV.b.>","dest":"copy.>"}]}]}
      """
    And "c1" polls "$JS.API.STREAM.INFO.COPY" until the reply field "state.messages" is 2
    And "c1" sends a "$JS.API.STREAM.MSG.GET.COPY" request with:
      """
      {"last_by_subj":"copy.k2"}
      """
    Then the reply field "message.data" is "djI="
