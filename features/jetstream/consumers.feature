@needs-jetstream @process
Feature: JetStream consumers
  Durable and ephemeral consumer create, info, names, list and delete, consumer
  configuration validation errors and filter subjects.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory"}
      """

  @go:TestJetStreamEphemeralConsumers
  Scenario: An ephemeral consumer gets a generated name
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"d.out","ack_policy":"none"}}
      """
    Then the reply has no field "error"
    And the reply has field "name"
    And the reply has no field "config.durable_name"
    And the reply field "config.deliver_subject" is "d.out"

  @go:TestJetStreamConsumerCreate
  Scenario: A durable consumer is listed by consumer names
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.NAMES.S" request
    Then the reply field "type" is "io.nats.jetstream.api.v1.consumer_names_response"
    And the reply field "total" is 1
    And the reply field "consumers" is ["dlc"]

  @go:TestJetStreamConsumerCreate
  Scenario: Consumer list returns the info of every consumer
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"b","ack_policy":"explicit","filter_subject":"foo.b"}
      """
    When "c1" sends a "$JS.API.CONSUMER.LIST.S" request
    Then the reply field "type" is "io.nats.jetstream.api.v1.consumer_list_response"
    And the reply field "total" is 2
    And the reply field "consumers" has 2 entries
    And the reply field "consumers[1].config.filter_subject" is "foo.b"

  @go:TestJetStreamConsumerDelete
  Scenario: Deleting a consumer removes it
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.DELETE.S.dlc" request
    Then the reply field "success" is true
    And the reply field "type" is "io.nats.jetstream.api.v1.consumer_delete_response"
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.dlc" request
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"

  @go:TestJetStreamConsumerDelete
  Scenario: Deleting an unknown consumer is a not-found error
    When "c1" sends a "$JS.API.CONSUMER.DELETE.S.nope" request
    Then the reply is an error with code 404, err_code 10014 and description "consumer not found"

  @go:TestJetStreamConsumerCreate
  Scenario: Consumer info on an unknown stream is a stream-not-found error
    When "c1" sends a "$JS.API.CONSUMER.INFO.NOPE.dlc" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamConsumerCreate
  Scenario: Creating a consumer on an unknown stream is a stream-not-found error
    When "c1" sends a "$JS.API.CONSUMER.CREATE.NOPE.dlc" request with:
      """
      {"stream_name":"NOPE","config":{"durable_name":"dlc","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamConsumerCreate
  Scenario: Deleting the stream deletes its consumers
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"dlc","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.STREAM.DELETE.S" request
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo.*"],"storage":"memory"}
      """
    And "c1" sends a "$JS.API.CONSUMER.NAMES.S" request
    Then the reply field "total" is 0

  @go:TestJetStreamConsumerWithNameAndDurable
  Scenario: A durable name different from the name in the subject is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.a" request with:
      """
      {"stream_name":"S","config":{"name":"a","durable_name":"b","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10017 and description "consumer name in subject does not match durable name in request"

  @go:TestJetStreamConsumerCreate
  Scenario: A durable create with a different durable name is refused
    When "c1" sends a "$JS.API.CONSUMER.DURABLE.CREATE.S.a" request with:
      """
      {"stream_name":"S","config":{"durable_name":"b","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10017 and description "consumer name in subject does not match durable name in request"

  @go:TestJetStreamConsumerCreate
  Scenario: A durable create without a durable name is refused
    When "c1" sends a "$JS.API.CONSUMER.DURABLE.CREATE.S.a" request with:
      """
      {"stream_name":"S","config":{"ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10018 and description "consumer expected to be durable but a durable name was not set"

  @go:TestJetStreamConsumerCreate
  Scenario: An ephemeral create with a durable name is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"durable_name":"a","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10020 and description "consumer expected to be ephemeral but a durable name was set in request"

  @go:TestJetStreamConsumerCreate @go:TestJetStreamInvalidStreamOrConsumerName @since-2.12
  Scenario: A durable name with a wildcard or dot is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"name":"a.b","ack_policy":"explicit"}}
      """
    Then the reply field "error.code" is 500
    And the reply field "error.err_code" is 10052
    And the reply field "error.description" has text containing "consumer name can not contain"

  @go:TestJetStreamConsumerAndStreamNamesWithPathSeparators
  Scenario: A consumer name with a path separator is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.a/b" request with:
      """
      {"stream_name":"S","config":{"name":"a/b","durable_name":"a/b","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10127 and description "Consumer name can not contain path separators"

  @go:TestJetStreamInvalidDeliverSubject
  Scenario: A push consumer with a wildcard deliver subject is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"d.*","ack_policy":"none"}}
      """
    Then the reply is an error with code 400, err_code 10079 and description "consumer deliver subject has wildcards"

  @go:TestJetStreamInvalidDeliverSubject
  Scenario: A push consumer delivering into the stream's own subjects is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"foo.x","ack_policy":"none"}}
      """
    Then the reply is an error with code 400, err_code 10081 and description "consumer deliver subject forms a cycle"

  @go:TestJetStreamInvalidDeliverSubject
  Scenario: A push consumer with a malformed deliver subject is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"a..b","ack_policy":"none"}}
      """
    Then the reply is an error with code 400, err_code 10112 and description "invalid push consumer deliver subject"

  @go:TestJetStreamPushConsumersPullError
  Scenario: A push consumer cannot set max waiting
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"d.out","ack_policy":"explicit","max_waiting":10}}
      """
    Then the reply is an error with code 400, err_code 10080 and description "consumer in push mode can not set max waiting"

  @go:TestJetStreamPushConsumersPullError
  Scenario: Pulling from a push consumer is refused
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"push","deliver_subject":"d.out","ack_policy":"explicit"}
      """
    When "c1" pulls from consumer "push" of stream "S" with 1 as "f"
    Then "f" receives a status 409 within 2s

  @go:TestJetStreamFlowControlRequiresHeartbeats
  Scenario: Flow control without heartbeats is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"d.out","ack_policy":"explicit","flow_control":true}}
      """
    Then the reply is an error with code 400, err_code 10108 and description "consumer with flow control also needs heartbeats"

  @go:TestJetStreamPushConsumerIdleHeartbeats
  Scenario: An idle heartbeat under 100ms is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"d.out","ack_policy":"explicit","idle_heartbeat":50000000}}
      """
    Then the reply is an error with code 400, err_code 10083 and description "consumer idle heartbeat needs to be >= 100ms"

  @go:TestJetStreamConsumerPullHeartBeats
  Scenario: A pull consumer cannot set idle heartbeats in its config
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","idle_heartbeat":1000000000}}
      """
    Then the reply is an error with code 400, err_code 10088 and description "consumer idle heartbeat requires a push based consumer"

  @go:TestJetStreamConsumerRateLimit
  Scenario: A pull consumer cannot have a rate limit
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","rate_limit_bps":1024}}
      """
    Then the reply is an error with code 400, err_code 10086 and description "consumer in pull mode can not have rate limit set"

  @go:TestJetStreamConsumerMaxAckPending
  Scenario: Max ack pending needs an ack policy
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S" request with:
      """
      {"stream_name":"S","config":{"deliver_subject":"d.out","ack_policy":"none","max_ack_pending":10}}
      """
    Then the reply is an error with code 400, err_code 10082 and description "consumer requires ack policy for max ack pending"

  @go:TestJetStreamConsumerBackOff
  Scenario: Backoff needs a max deliver above the number of backoff values
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.b" request with:
      """
      {"stream_name":"S","config":{"durable_name":"b","ack_policy":"explicit","backoff":[1000000000,2000000000],"max_deliver":1}}
      """
    Then the reply is an error with code 400, err_code 10116 and description "max deliver is required to be > length of backoff values"

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario: A pull consumer cannot use flow control
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","flow_control":true}}
      """
    Then the reply is an error with code 400, err_code 10089 and description "consumer flow control requires a push based consumer"

  @go:TestJetStreamConsumerBackOff @since-2.12
  Scenario: Backoff values must be positive
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.b" request with:
      """
      {"stream_name":"S","config":{"durable_name":"b","ack_policy":"explicit","backoff":[-1000000000]}}
      """
    Then the reply is an error with code 400, err_code 10184 and description "consumer backoff needs to be positive"

  @go:TestJetStreamConsumerPullRequestMaximums
  Scenario: Max request expires must be at least a millisecond
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","max_expires":1000}}
      """
    Then the reply is an error with code 400, err_code 10115 and description "consumer max request expires needs to be >= 1ms"

  @go:TestJetStreamConsumerWithMultipleStartOptions
  Scenario: A start sequence needs the by-start-sequence deliver policy
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","deliver_policy":"all","opt_start_seq":10}}
      """
    Then the reply field "error.code" is 400
    And the reply field "error.err_code" is 10094

  @go:TestJetStreamConsumerWithMultipleStartOptions
  Scenario: The by-start-sequence deliver policy needs a start sequence
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","deliver_policy":"by_start_sequence"}}
      """
    Then the reply field "error.err_code" is 10094

  @go:TestJetStreamBothFiltersSet @since-2.10
  Scenario: A consumer cannot set both filter subject and filter subjects
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","filter_subject":"foo.a","filter_subjects":["foo.b"]}}
      """
    Then the reply is an error with code 400, err_code 10136 and description "consumer cannot have both FilterSubject and FilterSubjects specified"

  @go:TestJetStreamConsumerOverlappingSubjects @since-2.10
  Scenario: Overlapping filter subjects are refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","filter_subjects":["foo.*","foo.a"]}}
      """
    Then the reply is an error with code 400, err_code 10138 and description "consumer subject filters cannot overlap"

  @go:TestJetStreamConsumerMultipleSubjectsWithEmpty @since-2.10
  Scenario: An empty filter in filter subjects is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","filter_subjects":["foo.a",""]}}
      """
    Then the reply is an error with code 400, err_code 10139 and description "consumer filter in FilterSubjects cannot be empty"

  @go:TestJetStreamFilteredSubjectUsesNewConsumerCreateSubject
  Scenario: The filter in the create subject must match the config
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x.foo.a" request with:
      """
      {"stream_name":"S","config":{"name":"x","ack_policy":"explicit","filter_subject":"foo.b"}}
      """
    Then the reply is an error with code 400, err_code 10131 and description "Consumer create request did not match filtered subject from create subject"

  @go:TestJetStreamFilteredSubjectUsesNewConsumerCreateSubject
  Scenario: A create subject with a filter creates a filtered consumer
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x.foo.a" request with:
      """
      {"stream_name":"S","config":{"name":"x","ack_policy":"explicit","filter_subject":"foo.a"}}
      """
    Then the reply has no field "error"
    And the reply field "config.filter_subject" is "foo.a"

  @go:TestJetStreamConsumerMultipleSubjects @go:TestJetStreamMultipleSubjectsBasic @since-2.10
  Scenario: A consumer with several filter subjects counts only their messages
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" stores "c" on "foo.c"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","filter_subjects":["foo.a","foo.c"]}
      """
    Then the reply field "num_pending" is 2
    When "c1" pulls from consumer "x" of stream "S" with 5 as "f"
    Then "f" receives the payloads "a, c" within 2s

  @go:TestJetStreamConsumerMultipleSubjectsWithAddedMessages
  Scenario: A filtered consumer's pending count follows new matching messages
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","filter_subject":"foo.b"}
      """
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" stores "b" on "foo.b"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.x" until the reply field "num_pending" is 2

  @go:TestJetStreamConsumerUpdateFilterSubjects @go:TestJetStreamConsumerFilterUpdate
  Scenario: Updating a consumer's filter changes what it delivers
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","filter_subject":"foo.a"}
      """
    Then the reply field "num_pending" is 1
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","filter_subject":"foo.b"}}
      """
    Then the reply field "config.filter_subject" is "foo.b"
    And the reply field "num_pending" is 1
    When "c1" pulls from consumer "x" of stream "S" with 1 as "f"
    Then "f" receives the payloads "b" within 2s

  @go:TestJetStreamConsumerActions @go:TestJetStreamConsumerActionsViaAPI @since-2.10
  Scenario: The create action refuses to change an existing consumer
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","action":"create","config":{"durable_name":"x","ack_policy":"explicit","description":"changed"}}
      """
    Then the reply is an error with code 400, err_code 10148 and description "consumer already exists"

  @go:TestJetStreamConsumerActions @go:TestJetStreamConsumerActionsViaAPI
  Scenario: The create action with an identical config is idempotent
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","action":"create","config":{"durable_name":"x","ack_policy":"explicit"}}
      """
    Then the reply has no field "error"
    And the reply field "name" is "x"

  @go:TestJetStreamConsumerActions @go:TestJetStreamConsumerActionsViaAPI @since-2.10
  Scenario: The update action refuses a consumer that does not exist
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","action":"update","config":{"durable_name":"x","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10149 and description "consumer does not exist"

  @go:TestJetStreamConsumerActions
  Scenario: The update action changes an existing consumer
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","action":"update","config":{"durable_name":"x","ack_policy":"explicit","description":"changed"}}
      """
    Then the reply has no field "error"
    And the reply field "config.description" is "changed"

  @go:TestJetStreamChangeConsumerType @since-2.10
  Scenario: A consumer cannot change from pull to push
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","deliver_subject":"d.out"}}
      """
    Then the reply is an error with code 500, err_code 10012 and description "can not update pull consumer to push based"

  @go:TestJetStreamConsumerUpdateRedelivery
  Scenario: A consumer's ack policy cannot be updated
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"all"}}
      """
    Then the reply field "error.err_code" is 10012
    And the reply field "error.description" has text containing "ack policy can not be updated"

  @go:TestJetStreamConsumerDefaultsFromStream @since-2.10
  Scenario: Consumers take defaults from the stream's consumer limits
    When "c1" creates the stream:
      """
      {"name":"L","subjects":["l"],"storage":"memory","consumer_limits":{"inactive_threshold":10000000000,"max_ack_pending":15}}
      """
    And "c1" creates the consumer on "L":
      """
      {"name":"x","ack_policy":"explicit"}
      """
    Then the reply field "config.inactive_threshold" is 10000000000
    And the reply field "config.max_ack_pending" is 15

  @go:TestJetStreamConsumerDefaultsFromStream @since-2.10
  Scenario: A consumer above the stream's max ack pending limit is refused
    When "c1" creates the stream:
      """
      {"name":"L","subjects":["l"],"storage":"memory","consumer_limits":{"max_ack_pending":15}}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.L.x" request with:
      """
      {"stream_name":"L","config":{"name":"x","ack_policy":"explicit","max_ack_pending":20}}
      """
    Then the reply is an error with code 400, err_code 10121 and description "consumer max ack pending exceeds system limit of 15"

  @go:TestJetStreamConsumerDefaultsFromStream @since-2.10
  Scenario: A consumer above the stream's inactive threshold limit is refused, and so is a stream update below an existing consumer
    When "c1" creates the stream:
      """
      {"name":"L","subjects":["l"],"storage":"memory","consumer_limits":{"inactive_threshold":1000000000}}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.L.idle" request with:
      """
      {"stream_name":"L","config":{"name":"idle","ack_policy":"explicit","inactive_threshold":2000000000}}
      """
    Then the reply is an error with code 400, err_code 10153 and description "consumer inactive threshold exceeds system limit of 1s"
    When "c1" creates the consumer on "L":
      """
      {"name":"busy","ack_policy":"explicit","max_ack_pending":50}
      """
    And "c1" sends a "$JS.API.STREAM.UPDATE.L" request with:
      """
      {"name":"L","subjects":["l"],"storage":"memory","consumer_limits":{"inactive_threshold":1000000000,"max_ack_pending":10}}
      """
    Then the reply is an error with code 500, err_code 10069 and description "change to limits violates consumers: busy"
    When "c1" sends a "$JS.API.STREAM.UPDATE.L" request with:
      """
      {"name":"L","subjects":["l"],"storage":"memory","consumer_limits":{"inactive_threshold":1000000000,"max_ack_pending":50}}
      """
    Then the reply field "config.consumer_limits.max_ack_pending" is 50

  @go:TestJetStreamConsumerAndStreamDescriptions
  Scenario: Consumer descriptions are kept
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","description":"a consumer"}
      """
    Then the reply field "config.description" is "a consumer"

  @go:TestJetStreamConsumerAndStreamMetadata @since-2.10
  Scenario: Consumer and stream metadata are echoed back
    When "c1" creates the stream:
      """
      {"name":"M","subjects":["m"],"storage":"memory","metadata":{"owner":"team-a"}}
      """
    Then the reply field "config.metadata.owner" is "team-a"
    When "c1" creates the consumer on "M":
      """
      {"durable_name":"x","ack_policy":"explicit","metadata":{"purpose":"tests"}}
      """
    Then the reply field "config.metadata.purpose" is "tests"

  @go:TestJetStreamMaxConsumers
  Scenario: A stream's max consumers limits new consumers
    When "c1" creates the stream:
      """
      {"name":"MC","subjects":["mc"],"storage":"memory","max_consumers":1}
      """
    And "c1" creates the consumer on "MC":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.MC.b" request with:
      """
      {"stream_name":"MC","config":{"durable_name":"b","ack_policy":"explicit"}}
      """
    Then the reply is an error with code 400, err_code 10026 and description "maximum consumers limit reached"

  @go:TestJetStreamConsumerPauseViaConfig @since-2.11
  Scenario: A consumer can be created paused until a time
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","pause_until":"2999-01-01T00:00:00Z"}
      """
    Then the reply field "paused" is true
    And the reply field "config.pause_until" is "2999-01-01T00:00:00Z"

  @go:TestJetStreamConsumerPauseResumeViaEndpoint @since-2.11
  Scenario: Pausing and resuming a consumer through the pause endpoint
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.PAUSE.S.x" request with:
      """
      {"pause_until":"2999-01-01T00:00:00Z"}
      """
    Then the reply field "paused" is true
    When "c1" sends a "$JS.API.CONSUMER.PAUSE.S.x" request
    Then the reply field "paused" is false
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.x" request
    Then the reply has no field "paused"

  @go:TestJetStreamConsumerDurableReconnect
  Scenario: A durable consumer and its ack state survive a restart
    When "c1" creates the stream:
      """
      {"name":"F","subjects":["f"],"storage":"file"}
      """
    And "c1" stores 3 messages on "f"
    And "c1" creates the consumer on "F":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    And "c1" pulls from consumer "d" of stream "F" with 1 as "p"
    Then "p" receives the payloads "1" within 2s
    When "c1" acks the last message on "p" and waits for the confirmation
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.F.d" until the reply field "num_pending" is 2
    Then the reply field "ack_floor.stream_seq" is 1
    When "c1" pulls from consumer "d" of stream "F" with 1 as "q"
    Then "q" receives the payloads "2" within 2s

  @go:TestJetStreamConsumerMaxDeliverUpdate
  Scenario: A consumer's max deliver can be updated
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","max_deliver":2}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","max_deliver":5}}
      """
    Then the reply has no field "error"
    And the reply field "config.max_deliver" is 5

  @go:TestJetStreamConsumerCreate
  Scenario: Consumer names paginate with an offset
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"a","ack_policy":"explicit"}
      """
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"b","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.NAMES.S" request with:
      """
      {"offset":1}
      """
    Then the reply field "total" is 2
    And the reply field "offset" is 1
    And the reply field "consumers" is ["b"]

  @go:TestJetStreamConsumerCreate
  Scenario: Consumer names of an unknown stream is a not-found error
    When "c1" sends a "$JS.API.CONSUMER.NAMES.NOPE" request
    Then the reply is an error with code 404, err_code 10059 and description "stream not found"

  @go:TestJetStreamConsumerCreate @since-2.11
  Scenario: Consumer create fills defaults in the returned configuration
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    Then the reply field "config.deliver_policy" is "all"
    And the reply field "config.ack_wait" is 30000000000
    And the reply field "config.max_deliver" is -1
    And the reply field "config.replay_policy" is "instant"
    And the reply field "config.max_waiting" is 512
    And the reply field "config.max_ack_pending" is 1000
    And the reply matches golden "consumer-defaults" ignoring "config.metadata"

  @go:TestJetStreamConsumerInfoNumPending
  Scenario: Deliver new starts with nothing pending
    When "c1" stores 3 messages on "foo.a"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","deliver_policy":"new"}
      """
    Then the reply field "num_pending" is 0
    When "c1" stores 1 messages on "foo.a"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.x" until the reply field "num_pending" is 1

  @go:TestJetStreamConsumerInfoNumPending @go:TestJetStreamPerSubjectPending
  Scenario: Last per subject counts one pending message per subject
    When "c1" stores 3 messages on "foo.a"
    And "c1" stores 2 messages on "foo.b"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","deliver_policy":"last_per_subject","filter_subject":"foo.*"}
      """
    Then the reply field "num_pending" is 2

  @go:TestJetStreamConsumerSurvivesRestart
  Scenario: A durable consumer on a file stream survives a restart
    When "c1" creates the stream:
      """
      {"name":"F","subjects":["f"],"storage":"file"}
      """
    And "c1" creates the consumer on "F":
      """
      {"durable_name":"d","ack_policy":"explicit","description":"kept"}
      """
    And the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.F.d" until the reply field "config.description" is "kept"
    Then the reply field "name" is "d"

  @go:TestJetStreamConsumerEphemeralRecoveryAfterServerRestart
  Scenario: A memory stream's consumers are gone after a restart
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"d","ack_policy":"explicit"}
      """
    When the server is restarted
    And "c1" polls "$JS.API.CONSUMER.INFO.S.d" until the reply field "error.code" is 404

  @go:TestJetStreamConsumerPedanticMode @since-2.11
  Scenario: Pedantic create refuses defaults the stream would impose
    When "c1" creates the stream:
      """
      {"name":"L","subjects":["l"],"storage":"memory","consumer_limits":{"max_ack_pending":100}}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.L.d" request with:
      """
      {"stream_name":"L","pedantic":true,"config":{"durable_name":"d","ack_policy":"explicit"}}
      """
    Then the reply field "error.err_code" is 10157
    When "c1" sends a "$JS.API.CONSUMER.CREATE.L.d" request with:
      """
      {"stream_name":"L","config":{"durable_name":"d","ack_policy":"explicit"}}
      """
    Then the reply field "config.max_ack_pending" is 100

  @go:TestJetStreamConsumerPedanticMode @since-2.11
  Scenario: Pedantic create refuses a backoff without a matching ack wait
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.d" request with:
      """
      {"stream_name":"S","pedantic":true,"config":{"durable_name":"d","ack_policy":"explicit","backoff":[1000000000,60000000000]}}
      """
    Then the reply field "error.err_code" is 10157
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.d" request with:
      """
      {"stream_name":"S","config":{"durable_name":"d","ack_policy":"explicit","backoff":[1000000000,60000000000]}}
      """
    Then the reply field "config.ack_wait" is 1000000000

  @go:TestJetStreamConsumerSingleFilterSubjectInFilterSubjects @since-2.10
  Scenario: A single entry in filter subjects works like a filter subject
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","filter_subjects":["foo.b"]}
      """
    Then the reply field "num_pending" is 1
    When "c1" pulls from consumer "x" of stream "S" with 2 as "f"
    Then "f" receives the payloads "b" within 2s

  @go:TestJetStreamConsumerThreeFilters @go:TestJetStreamConsumerMultipleFiltersSequence @since-2.10
  Scenario: A consumer with three filters delivers in stream order
    When "c1" stores "a1" on "foo.a"
    And "c1" stores "x1" on "foo.x"
    And "c1" stores "b1" on "foo.b"
    And "c1" stores "c1" on "foo.c"
    And "c1" stores "a2" on "foo.a"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","filter_subjects":["foo.a","foo.b","foo.c"]}
      """
    Then the reply field "num_pending" is 4
    When "c1" pulls from consumer "x" of stream "S" with 10 as "f"
    Then "f" receives the payloads "a1, b1, c1, a2" within 2s
    And the last message on "f" has reply matching "^\$JS\.ACK\.S\.x\.1\.5\.4\."

  @go:TestJetStreamConsumerMultipleSubjectsLast @since-2.10
  Scenario: Deliver last with several filters starts at the last matching message
    When "c1" stores "a1" on "foo.a"
    And "c1" stores "b1" on "foo.b"
    And "c1" stores "x1" on "foo.x"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","deliver_policy":"last","filter_subjects":["foo.a","foo.b"]}
      """
    Then the reply field "num_pending" is 1
    When "c1" pulls from consumer "x" of stream "S" with 10 as "f"
    Then "f" receives the payloads "b1" within 2s

  @go:TestJetStreamConsumerMultipleSubjectsLastPerSubject @go:TestJetStreamConsumerMultipleFiltersLastPerSubject @since-2.10
  Scenario: Deliver last per subject with several filters
    When "c1" stores "a1" on "foo.a"
    And "c1" stores "b1" on "foo.b"
    And "c1" stores "a2" on "foo.a"
    And "c1" stores "c1" on "foo.c"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","deliver_policy":"last_per_subject","filter_subjects":["foo.a","foo.b"]}
      """
    Then the reply field "num_pending" is 2
    When "c1" pulls from consumer "x" of stream "S" with 10 as "f"
    Then "f" receives the payloads "b1, a2" within 2s

  @go:TestJetStreamConsumerMultipleFiltersRemoveFilters @go:TestJetStreamConsumerUpdateFilterSubject
  Scenario: Removing filters from a consumer widens what it delivers
    When "c1" stores "a" on "foo.a"
    And "c1" stores "b" on "foo.b"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit","filter_subjects":["foo.a"]}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit"}}
      """
    Then the reply has no field "error"
    And the reply field "num_pending" is 2

  @go:TestJetStreamConsumerAllowOverlappingSubjectsIfNotSubset @since-2.12
  Scenario: Filters that only partly overlap are allowed
    When "c1" creates the stream:
      """
      {"name":"W","subjects":["w.>"],"storage":"memory"}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.W.x" request with:
      """
      {"stream_name":"W","config":{"durable_name":"x","ack_policy":"explicit","filter_subjects":["w.*.a","w.b.*"]}}
      """
    Then the reply has no field "error"

  @go:TestJetStreamConsumerWithFormattingSymbol @go:TestJetStreamConsumerAckV1NameWithPercent @since-2.14
  Scenario: A consumer name with a percent sign works
    When "c1" stores "a" on "foo.a"
    And "c1" creates the consumer on "S":
      """
      {"durable_name":"x%t","ack_policy":"explicit"}
      """
    And "c1" pulls from consumer "x%t" of stream "S" with 1 as "f"
    Then "f" receives the payloads "a" within 2s
    When "c1" acks the last message on "f" and waits for the confirmation
    And "c1" polls "$JS.API.CONSUMER.INFO.S.x%t" until the reply field "ack_floor.stream_seq" is 1

  @go:TestJetStreamConsumerLegacyDurableCreateSetsConsumerName @since-2.12
  Scenario: The legacy durable create sets the consumer name
    When "c1" sends a "$JS.API.CONSUMER.DURABLE.CREATE.S.legacy" request with:
      """
      {"stream_name":"S","config":{"durable_name":"legacy","ack_policy":"explicit"}}
      """
    Then the reply field "name" is "legacy"
    And the reply field "config.name" is "legacy"

  @go:TestJetStreamConsumerActionsOnWorkQueuePolicyStream
  Scenario: Creating the same work-queue consumer twice is idempotent
    When "c1" creates the stream:
      """
      {"name":"WQ","subjects":["wq.*"],"storage":"memory","retention":"workqueue"}
      """
    And "c1" creates the consumer on "WQ":
      """
      {"durable_name":"a","ack_policy":"explicit","filter_subject":"wq.a"}
      """
    And "c1" sends a "$JS.API.CONSUMER.CREATE.WQ.a" request with:
      """
      {"stream_name":"WQ","action":"create","config":{"durable_name":"a","ack_policy":"explicit","filter_subject":"wq.a"}}
      """
    Then the reply has no field "error"
    And the reply field "name" is "a"

  @go:TestJetStreamConsumerUpdateRejectsStorageChange @since-2.14
  Scenario: A consumer's memory storage setting cannot be updated
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"x","ack_policy":"explicit"}
      """
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.x" request with:
      """
      {"stream_name":"S","config":{"durable_name":"x","ack_policy":"explicit","mem_storage":true}}
      """
    Then the reply field "error.err_code" is 10012
