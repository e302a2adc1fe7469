//! Account requests and limits (Go jetstream_api.go `jsAccountInfoRequest`,
//! jetstream.go `checkAccountLimits` / `checkBytesLimits`): `$JS.API.INFO`
//! and the account's stream, consumer and storage limits that stream
//! create and update are held to.
use bytes::Bytes;
use serde::Serialize;

use super::{typed, types, Ctx, API_LEVEL};
use crate::jetstream::api_types::*;
use crate::jetstream::errors::{ApiError, E};
use crate::jetstream::stream::AccountJs;

pub(super) fn account_info(acc: &AccountJs, ctx: &Ctx) -> Bytes {
    #[derive(Serialize)]
    struct Limits {
        max_memory: i64,
        max_storage: i64,
        max_streams: i64,
        max_consumers: i64,
        max_ack_pending: i64,
        memory_max_stream_bytes: i64,
        storage_max_stream_bytes: i64,
        max_bytes_required: bool,
    }
    #[derive(Serialize)]
    struct Api {
        level: u32,
        total: u64,
        errors: u64,
    }
    #[derive(Serialize)]
    struct Info<'a> {
        memory: u64,
        storage: u64,
        reserved_memory: u64,
        reserved_storage: u64,
        streams: usize,
        consumers: usize,
        limits: Limits,
        #[serde(skip_serializing_if = "str::is_empty")]
        domain: &'a str,
        api: Api,
    }
    let (mut memory, mut storage, mut rmem, mut rsto) = (0, 0, 0, 0);
    for s in acc.streams.values() {
        let b = s.store.state().bytes;
        let reserved = s.cfg.max_bytes.max(0) as u64;
        if s.cfg.storage == Storage::Memory {
            memory += b;
            rmem += reserved;
        } else {
            storage += b;
            rsto += reserved;
        }
    }
    let _ = (ctx.max_memory, ctx.max_store);
    typed(
        types::ACCOUNT_INFO,
        Info {
            memory,
            storage,
            reserved_memory: rmem,
            reserved_storage: rsto,
            // Clustered: what the meta group assigns, wherever it runs.
            streams: ctx.assets.map_or(acc.streams.len(), |(s, _)| s),
            consumers: ctx.assets.map_or_else(|| acc.streams.values().map(|s| s.consumers.len()).sum(), |(_, c)| c),
            limits: {
                let l = ctx.limits.copied().unwrap_or_default();
                Limits {
                    max_memory: l.max_memory,
                    max_storage: l.max_store,
                    max_streams: l.max_streams,
                    max_consumers: l.max_consumers,
                    max_ack_pending: l.max_ack_pending,
                    memory_max_stream_bytes: l.memory_max_stream_bytes,
                    storage_max_stream_bytes: l.store_max_stream_bytes,
                    max_bytes_required: l.max_bytes_required,
                }
            },
            domain: ctx.domain,
            api: Api { level: API_LEVEL, total: acc.api_total, errors: acc.api_errors },
        },
    )
}

/// Go `checkStreamCfg` / `checkBytesLimits` against the account's limits
/// and the server's: stream count, consumer limit, and the bytes a stream
/// reserves (`max_bytes`) for its storage type. `updating` names the stream
/// whose current reservation is replaced.
pub(super) fn check_account_limits(
    acc: &AccountJs,
    cfg: &StreamConfig,
    updating: Option<&str>,
    ctx: &Ctx,
) -> Result<(), ApiError> {
    let memory = cfg.storage == Storage::Memory;
    if let Some(l) = ctx.limits {
        if updating.is_none() && l.max_streams > 0 && acc.streams.len() as i64 >= l.max_streams {
            return Err(ApiError::new(E::MaximumStreamsLimit));
        }
        if l.max_consumers > 0 && cfg.max_consumers > l.max_consumers {
            return Err(ApiError::new(E::MaximumConsumersLimit));
        }
        if l.max_bytes_required && cfg.max_bytes <= 0 {
            return Err(ApiError::new(E::StreamMaxBytesRequired));
        }
        let per_stream = if memory { l.memory_max_stream_bytes } else { l.store_max_stream_bytes };
        if per_stream > 0 && cfg.max_bytes > per_stream {
            return Err(ApiError::new(E::StreamMaxStreamBytesExceeded));
        }
    }
    let add = if cfg.max_bytes > 0 { cfg.max_bytes } else { 1 };
    let reserved: i64 = acc
        .streams
        .iter()
        .filter(|(n, s)| Some(n.as_str()) != updating && (s.cfg.storage == Storage::Memory) == memory)
        .map(|(_, s)| s.cfg.max_bytes.max(0))
        .sum();
    let exceeded = if memory { E::MemoryResourcesExceeded } else { E::StorageResourcesExceeded };
    let account_max = ctx.limits.map_or(-1, |l| if memory { l.max_memory } else { l.max_store });
    if account_max >= 0 && reserved + add > account_max {
        return Err(ApiError::new(exceeded));
    }
    let server_max = if memory { ctx.max_memory } else { ctx.max_store };
    if server_max > 0 && reserved + add > server_max {
        return Err(ApiError::new(exceeded));
    }
    Ok(())
}
