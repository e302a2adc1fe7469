//! JetStream API errors: one table of the errors this engine replies with.
//!
//! Codes, error codes and descriptions are the facts from Go's
//! server/errors.json (the source of jetstream_errors_generated.go);
//! `{placeholder}` parts are filled by `ApiError::with`.
use serde::Serialize;

/// The `error` object of every JetStream API reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) err_code: u16,
    pub(crate) description: String,
}

/// Identifies a row of `TABLE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum E {
    BadRequest,
    ClusterRequired,
    ConsumerCreate,
    ConsumerNameExist,
    ConsumerNotFound,
    ConsumerDurableNameNotInSubject,
    ConsumerDurableNameNotMatchSubject,
    ConsumerDurableNameNotSet,
    ConsumerEphemeralWithDurableInSubject,
    ConsumerEphemeralWithDurableName,
    InsufficientResources,
    InvalidJson,
    MaximumConsumersLimit,
    MaximumStreamsLimit,
    NoMessageFound,
    NotEmptyRequest,
    NotEnabledForAccount,
    SequenceNotFound,
    StreamCreate,
    StreamDelete,
    StreamGeneral,
    StreamInvalidConfig,
    StreamLimits,
    StreamMessageExceedsMaximum,
    StreamMismatch,
    StreamMsgDeleteFailed,
    StreamNameExist,
    StreamNotFound,
    StreamNotMatch,
    StreamReplicasNotSupported,
    StreamSubjectOverlap,
    StreamUpdate,
    StreamWrongLastMsgId,
    StreamWrongLastSequence,
    StreamStoreFailed,
    ConsumerDeliverToWildcards,
    ConsumerPushMaxWaiting,
    ConsumerDeliverCycle,
    ConsumerMaxPendingAckPolicyRequired,
    ConsumerSmallHeartbeat,
    ConsumerPullRequiresAck,
    ConsumerMaxWaitingNegative,
    ConsumerHbRequiresPush,
    ConsumerFcRequiresPush,
    ConsumerInvalidPolicy,
    StreamHeaderExceedsMaximum,
    ConsumerWqRequiresExplicitAck,
    ConsumerWqMultipleUnfiltered,
    ConsumerWqConsumerNotUnique,
    ConsumerWqConsumerNotDeliverAll,
    ConsumerNameTooLong,
    ConsumerBadDurableName,
    ConsumerExistingActive,
    ConsumerReplacementWithDifferentName,
    ConsumerDescriptionTooLong,
    ConsumerWithFlowControlNeedsHeartbeats,
    StreamSealed,
    StreamPurgeFailed,
    StreamRollupFailed,
    ConsumerInvalidDeliverSubject,
    ConsumerMaxRequestBatchNegative,
    ConsumerMaxRequestExpiresTooSmall,
    ConsumerMaxDeliverBackoff,
    ConsumerNameContainsPathSeparators,
    StreamNameContainsPathSeparators,
    ConsumerCreateFilterSubjectMismatch,
    ConsumerCreateDurableAndNameMismatch,
    ReplicasCountCannotBeNegative,
    ConsumerDuplicateFilterSubjects,
    ConsumerMultipleFiltersNotAllowed,
    ConsumerOverlappingSubjectFilters,
    ConsumerEmptyFilter,
    ConsumerAlreadyExists,
    ConsumerDoesNotExist,
    StreamTransformInvalidSource,
    StreamTransformInvalidDestination,
    StreamExpectedLastSeqPerSubjectInvalid,
    MessageTtlInvalid,
    MessageTtlDisabled,
    ConsumerAckWaitNegative,
    ConsumerBackOffNegative,
    RequiredApiLevel,
    ConsumerPullWithRateLimit,
    MessageCountersDisabled,
    MessageCounterIncrMissing,
    MessageCounterHasPayload,
    MessageCounterIncrInvalid,
    AccountResourcesExceeded,
    MemoryResourcesExceeded,
    StorageResourcesExceeded,
    StreamMaxBytesRequired,
    StreamMaxStreamBytesExceeded,
    PriorityPolicyWithoutGroup,
    InvalidPriorityGroup,
    EmptyGroupName,
    InvalidGroupName,
    PushWithPriorityGroup,
    PriorityGroupWithPolicyNone,
    ConsumerMaxPendingAckExcess,
    ConsumerInactiveThresholdExcess,
    Pedantic,
    ClusterNotAvail,
    ClusterNoPeers,
    ClusterUnsupportedFeature,
    ConsumerReplicasExceedsStream,
    StreamOffline,
}

/// (id, code, err_code, description). Kept sorted by err_code.
const TABLE: &[(E, u16, u16, &str)] = &[
    (E::AccountResourcesExceeded, 400, 10002, "resource limits exceeded for account"),
    (E::BadRequest, 400, 10003, "bad request"),
    (E::ClusterNoPeers, 400, 10005, "{err}"),
    (E::ClusterNotAvail, 503, 10008, "JetStream system temporarily unavailable"),
    (E::ClusterRequired, 503, 10010, "JetStream clustering support required"),
    (E::ConsumerCreate, 500, 10012, "{err}"),
    (E::ConsumerNameExist, 400, 10013, "consumer name already in use"),
    (E::ConsumerNotFound, 404, 10014, "consumer not found"),
    (
        E::ConsumerDurableNameNotInSubject,
        400,
        10016,
        "consumer expected to be durable but no durable name set in subject",
    ),
    (
        E::ConsumerDurableNameNotMatchSubject,
        400,
        10017,
        "consumer name in subject does not match durable name in request",
    ),
    (E::ConsumerDurableNameNotSet, 400, 10018, "consumer expected to be durable but a durable name was not set"),
    (
        E::ConsumerEphemeralWithDurableInSubject,
        400,
        10019,
        "consumer expected to be ephemeral but detected a durable name set in subject",
    ),
    (
        E::ConsumerEphemeralWithDurableName,
        400,
        10020,
        "consumer expected to be ephemeral but a durable name was set in request",
    ),
    (E::InsufficientResources, 503, 10023, "insufficient resources"),
    (E::InvalidJson, 400, 10025, "invalid JSON: {err}"),
    (E::MaximumConsumersLimit, 400, 10026, "maximum consumers limit reached"),
    (E::MaximumStreamsLimit, 400, 10027, "maximum number of streams reached"),
    (E::MemoryResourcesExceeded, 500, 10028, "insufficient memory resources available"),
    (E::ClusterUnsupportedFeature, 503, 10036, "not currently supported in clustered mode"),
    (E::NoMessageFound, 404, 10037, "no message found"),
    (E::NotEmptyRequest, 400, 10038, "expected an empty request payload"),
    (E::NotEnabledForAccount, 503, 10039, "JetStream not enabled for account"),
    (E::SequenceNotFound, 400, 10043, "sequence {seq} not found"),
    (E::StorageResourcesExceeded, 500, 10047, "insufficient storage resources available"),
    (E::StreamCreate, 500, 10049, "{err}"),
    (E::StreamDelete, 500, 10050, "{err}"),
    (E::StreamGeneral, 500, 10051, "{err}"),
    (E::StreamInvalidConfig, 500, 10052, "{err}"),
    (E::StreamLimits, 500, 10053, "{err}"),
    (E::StreamMessageExceedsMaximum, 400, 10054, "message size exceeds maximum allowed"),
    (E::StreamMismatch, 400, 10056, "stream name in subject does not match request"),
    (E::StreamMsgDeleteFailed, 500, 10057, "{err}"),
    (E::StreamNameExist, 400, 10058, "stream name already in use with a different configuration"),
    (E::StreamNotFound, 404, 10059, "stream not found"),
    (E::StreamNotMatch, 400, 10060, "expected stream does not match"),
    (E::StreamSubjectOverlap, 400, 10065, "subjects overlap with an existing stream"),
    (E::StreamUpdate, 500, 10069, "{err}"),
    (E::StreamWrongLastMsgId, 400, 10070, "wrong last msg ID: {id}"),
    (E::StreamWrongLastSequence, 400, 10071, "wrong last sequence: {seq}"),
    (E::StreamReplicasNotSupported, 500, 10074, "replicas > 1 not supported in non-clustered mode"),
    (E::StreamStoreFailed, 503, 10077, "{err}"),
    (E::ConsumerDeliverToWildcards, 400, 10079, "consumer deliver subject has wildcards"),
    (E::ConsumerPushMaxWaiting, 400, 10080, "consumer in push mode can not set max waiting"),
    (E::ConsumerDeliverCycle, 400, 10081, "consumer deliver subject forms a cycle"),
    (E::ConsumerMaxPendingAckPolicyRequired, 400, 10082, "consumer requires ack policy for max ack pending"),
    (E::ConsumerSmallHeartbeat, 400, 10083, "consumer idle heartbeat needs to be >= 100ms"),
    (E::ConsumerPullRequiresAck, 400, 10084, "consumer in pull mode requires explicit ack policy on workqueue stream"),
    (E::ConsumerPullWithRateLimit, 400, 10086, "consumer in pull mode can not have rate limit set"),
    (E::ConsumerMaxWaitingNegative, 400, 10087, "consumer max waiting needs to be positive"),
    (E::ConsumerHbRequiresPush, 400, 10088, "consumer idle heartbeat requires a push based consumer"),
    (E::ConsumerFcRequiresPush, 400, 10089, "consumer flow control requires a push based consumer"),
    (E::ConsumerInvalidPolicy, 400, 10094, "{err}"),
    (E::StreamHeaderExceedsMaximum, 400, 10097, "header size exceeds maximum allowed of 64k"),
    (E::ConsumerWqRequiresExplicitAck, 400, 10098, "workqueue stream requires explicit ack"),
    (E::ConsumerWqMultipleUnfiltered, 400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"),
    (E::ConsumerWqConsumerNotUnique, 400, 10100, "filtered consumer not unique on workqueue stream"),
    (E::ConsumerWqConsumerNotDeliverAll, 400, 10101, "consumer must be deliver all on workqueue stream"),
    (E::ConsumerNameTooLong, 400, 10102, "consumer name is too long, maximum allowed is {max}"),
    (E::ConsumerBadDurableName, 400, 10103, "durable name can not contain '.', '*', '>'"),
    (E::ConsumerExistingActive, 400, 10105, "consumer already exists and is still active"),
    (E::ConsumerReplacementWithDifferentName, 400, 10106, "consumer replacement durable config not the same"),
    (E::ConsumerDescriptionTooLong, 400, 10107, "consumer description is too long, maximum allowed is {max}"),
    (E::ConsumerWithFlowControlNeedsHeartbeats, 400, 10108, "consumer with flow control also needs heartbeats"),
    (E::StreamSealed, 400, 10109, "invalid operation on sealed stream"),
    (E::StreamPurgeFailed, 500, 10110, "{err}"),
    (E::StreamRollupFailed, 500, 10111, "{err}"),
    (E::ConsumerInvalidDeliverSubject, 400, 10112, "invalid push consumer deliver subject"),
    (E::ConsumerMaxRequestBatchNegative, 400, 10114, "consumer max request batch needs to be > 0"),
    (E::ConsumerMaxRequestExpiresTooSmall, 400, 10115, "consumer max request expires needs to be >= 1ms"),
    (E::ConsumerMaxDeliverBackoff, 400, 10116, "max deliver is required to be > length of backoff values"),
    (E::ConsumerMaxPendingAckExcess, 400, 10121, "consumer max ack pending exceeds system limit of {limit}"),
    (E::ConsumerInactiveThresholdExcess, 400, 10153, "consumer inactive threshold exceeds system limit of {limit}"),
    (E::ConsumerReplicasExceedsStream, 400, 10126, "consumer config replica count exceeds parent stream"),
    (E::ConsumerNameContainsPathSeparators, 400, 10127, "Consumer name can not contain path separators"),
    (E::StreamNameContainsPathSeparators, 400, 10128, "Stream name can not contain path separators"),
    (
        E::ConsumerCreateFilterSubjectMismatch,
        400,
        10131,
        "Consumer create request did not match filtered subject from create subject",
    ),
    (
        E::ConsumerCreateDurableAndNameMismatch,
        400,
        10132,
        "Consumer Durable and Name have to be equal if both are provided",
    ),
    (E::StreamOffline, 500, 10118, "stream is offline"),
    (E::ReplicasCountCannotBeNegative, 400, 10133, "replicas count cannot be negative"),
    (
        E::ConsumerDuplicateFilterSubjects,
        400,
        10136,
        "consumer cannot have both FilterSubject and FilterSubjects specified",
    ),
    (
        E::ConsumerMultipleFiltersNotAllowed,
        400,
        10137,
        "consumer with multiple subject filters cannot use subject based API",
    ),
    (E::ConsumerOverlappingSubjectFilters, 400, 10138, "consumer subject filters cannot overlap"),
    (E::ConsumerEmptyFilter, 400, 10139, "consumer filter in FilterSubjects cannot be empty"),
    (E::ConsumerAlreadyExists, 400, 10148, "consumer already exists"),
    (E::ConsumerDoesNotExist, 400, 10149, "consumer does not exist"),
    (E::StreamTransformInvalidSource, 400, 10155, "stream transform source: {err}"),
    (E::StreamTransformInvalidDestination, 400, 10156, "stream transform: {err}"),
    (E::StreamExpectedLastSeqPerSubjectInvalid, 400, 10193, "missing sequence for expected last sequence per subject"),
    (E::Pedantic, 400, 10157, "pedantic mode: {err}"),
    (E::PriorityPolicyWithoutGroup, 400, 10159, "Setting PriorityPolicy requires at least one PriorityGroup to be set"),
    (E::InvalidPriorityGroup, 400, 10160, "Provided priority group does not exist for this consumer"),
    (E::EmptyGroupName, 400, 10161, "Group name cannot be an empty string"),
    (
        E::InvalidGroupName,
        400,
        10162,
        "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters",
    ),
    (E::MessageTtlInvalid, 400, 10165, "invalid per-message TTL"),
    (E::MessageTtlDisabled, 400, 10166, "per-message TTL is disabled"),
    (E::MessageCountersDisabled, 400, 10168, "message counters is disabled"),
    (E::MessageCounterIncrMissing, 400, 10169, "message counter increment is missing"),
    (E::MessageCounterHasPayload, 400, 10170, "message counter has payload"),
    (E::MessageCounterIncrInvalid, 400, 10171, "message counter increment is invalid"),
    (E::StreamMaxBytesRequired, 400, 10113, "account requires a stream config to have max bytes set"),
    (E::StreamMaxStreamBytesExceeded, 400, 10122, "stream max bytes exceeds account limit max stream bytes"),
    (E::PushWithPriorityGroup, 400, 10178, "priority groups can not be used with push consumers"),
    (E::ConsumerAckWaitNegative, 400, 10183, "consumer ack wait needs to be positive"),
    (E::ConsumerBackOffNegative, 400, 10184, "consumer backoff needs to be positive"),
    (E::RequiredApiLevel, 412, 10185, "JetStream minimum api level required"),
    (E::PriorityGroupWithPolicyNone, 400, 10196, "consumer can not have priority groups when policy is none"),
];

impl ApiError {
    /// The error with no placeholders to fill.
    pub(crate) fn new(e: E) -> ApiError {
        let &(_, code, err_code, desc) = TABLE.iter().find(|r| r.0 == e).expect("every E has a TABLE row");
        ApiError { code, err_code, description: desc.to_string() }
    }

    /// The error with `{key}` replaced by `value` (Go `NewJS...Error(arg)`).
    pub(crate) fn with(e: E, key: &str, value: impl std::fmt::Display) -> ApiError {
        let mut err = ApiError::new(e);
        err.description = err.description.replace(&format!("{{{key}}}"), &value.to_string());
        err
    }

    /// Shorthand for the many `{err}` rows.
    pub(crate) fn err(e: E, msg: impl std::fmt::Display) -> ApiError {
        ApiError::with(e, "err", msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_reachable_and_unique() {
        for (i, r) in TABLE.iter().enumerate() {
            assert_eq!(TABLE.iter().position(|x| x.0 == r.0), Some(i));
            assert_eq!(TABLE.iter().filter(|x| x.2 == r.2).count(), 1, "{}", r.2);
        }
        let e = ApiError::with(E::StreamWrongLastSequence, "seq", 2);
        assert_eq!(e, ApiError { code: 400, err_code: 10071, description: "wrong last sequence: 2".into() });
    }
}
