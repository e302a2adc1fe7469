@needs-jetstream @process @since-2.11
Feature: JetStream consumer priority groups
  Pull consumers with priority groups: the pinned-client and overflow policies, and
  the configuration and request errors around them.

  Background:
    Given a server with config:
      """
      jetstream { store_dir: "{store_dir}" }
      """
    And a client "c1"
    And "c1" creates the stream:
      """
      {"name":"S","subjects":["foo"],"storage":"memory"}
      """

  @go:TestJetStreamConsumerWithPriorityGroups
  Scenario: A pinned-client policy without a group is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","priority_policy":"pinned_client"}}
      """
    Then the reply is an error with code 400, err_code 10159 and description "Setting PriorityPolicy requires at least one PriorityGroup to be set"

  @go:TestJetStreamConsumerWithPriorityGroups
  Scenario: An overflow policy without a group is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","priority_policy":"overflow"}}
      """
    Then the reply is an error with code 400, err_code 10159 and description "Setting PriorityPolicy requires at least one PriorityGroup to be set"

  @go:TestJetStreamConsumerWithPriorityGroups
  Scenario: An empty group name is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","priority_policy":"pinned_client","priority_groups":[""]}}
      """
    Then the reply is an error with code 400, err_code 10161 and description "Group name cannot be an empty string"

  @go:TestJetStreamConsumerWithPriorityGroups @since-2.12
  Scenario: Groups without a priority policy are refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","priority_policy":"none","priority_groups":["A"]}}
      """
    Then the reply is an error with code 400, err_code 10196 and description "consumer can not have priority groups when policy is none"

  @go:TestJetStreamConsumerWithPriorityGroups
  Scenario: A push consumer cannot have priority groups
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","deliver_subject":"d.out","priority_policy":"overflow","priority_groups":["A"]}}
      """
    Then the reply is an error with code 400, err_code 10178 and description "priority groups can not be used with push consumers"

  @go:TestPriorityGroupNameRegex
  Scenario: A group name with invalid characters is refused
    When "c1" sends a "$JS.API.CONSUMER.CREATE.S.p" request with:
      """
      {"stream_name":"S","config":{"durable_name":"p","ack_policy":"explicit","priority_policy":"overflow","priority_groups":["a group"]}}
      """
    Then the reply is an error with code 400, err_code 10162 and description "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters"

  @go:TestJetStreamConsumerPinned
  Scenario: The pinned client gets messages with a pin id
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"pinned_client","priority_groups":["A"]}
      """
    When "c1" stores 2 messages on "foo"
    And "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"A","expires":2000000000} as "first"
    Then "first" receives the payloads "1" within 2s
    And the last message on "first" has header "Nats-Pin-Id" matching "^\S+$"

  @go:TestJetStreamConsumerPinned
  Scenario: A request with another pin id is not served while a client is pinned
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"pinned_client","priority_groups":["A"]}
      """
    When "c1" stores 2 messages on "foo"
    And "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"A","expires":2000000000} as "first"
    Then "first" receives the payloads "1" within 2s
    When "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"A","id":"not-the-pin","expires":2000000000} as "other"
    Then "other" receives a status 423 within 2s

  @go:TestJetStreamConsumerPinned
  Scenario: Consumer info shows the pinned client
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"pinned_client","priority_groups":["A"]}
      """
    When "c1" stores 1 messages on "foo"
    And "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"A","expires":2000000000} as "first"
    Then "first" receives 1 messages within 2s
    When "c1" sends a "$JS.API.CONSUMER.INFO.S.p" request
    Then the reply field "priority_groups[0].group" is "A"
    And the reply has field "priority_groups[0].pinned_client_id"

  @go:TestJetStreamConsumerUnpin
  Scenario: Unpinning an unknown group is refused
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"pinned_client","priority_groups":["A"]}
      """
    When "c1" sends a "$JS.API.CONSUMER.UNPIN.S.p" request with:
      """
      {"group":"B"}
      """
    Then the reply is an error with code 400, err_code 10160 and description "Provided priority group does not exist for this consumer"

  @go:TestJetStreamConsumerInvalidPriorityGroupRequestNotServed
  Scenario: A pull without a group on a priority consumer is a bad request
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"overflow","priority_groups":["A"]}
      """
    When "c1" pulls from consumer "p" of stream "S" with {"batch":1,"expires":1000000000} as "f"
    Then "f" receives a status 400 with description "Bad Request - Priority Group missing" within 2s

  @go:TestJetStreamConsumerInvalidPriorityGroupRequestNotServed
  Scenario: A pull naming an unknown group is a bad request
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"overflow","priority_groups":["A"]}
      """
    When "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"B","expires":1000000000} as "f"
    Then "f" receives a status 400 with description "Bad Request - Invalid Priority Group" within 2s

  @go:TestJetStreamConsumerOverflow
  Scenario: An overflow request with min pending is served only above it
    Given "c1" creates the consumer on "S":
      """
      {"durable_name":"p","ack_policy":"explicit","priority_policy":"overflow","priority_groups":["A"]}
      """
    When "c1" stores 2 messages on "foo"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.p" until the reply field "num_pending" is 2
    And "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"A","min_pending":5,"no_wait":true} as "f"
    Then "f" receives a status 404 within 2s
    When "c1" stores 5 messages on "foo"
    And "c1" polls "$JS.API.CONSUMER.INFO.S.p" until the reply field "num_pending" is 7
    And "c1" pulls from consumer "p" of stream "S" with {"batch":1,"group":"A","min_pending":5,"no_wait":true} as "g"
    Then "g" receives the payloads "1" within 2s
