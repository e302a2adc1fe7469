//! Names and numbers that every module may use: the release this server
//! reproduces, the protocol level, and the well-known account names (Go's
//! `server/const.go`, and `globalAccountName`/`DEFAULT_SYSTEM_ACCOUNT` in
//! `accounts.go` and `opts.go`). It imports nothing.

/// The upstream release whose behaviour this server reproduces.
pub(crate) const VERSION: &str = "2.15.1";
/// Protocol level advertised in INFO (Go's `PROTO`).
pub(crate) const PROTO: i32 = 1;
/// Stands in for Go's runtime version in INFO `go` and `/varz`: the workspace
/// minimum Rust version.
pub(crate) const LANG_VERSION: &str = "rust1.85";
/// The account of clients that name none (Go's `globalAccountName`).
pub(crate) const GLOBAL_ACCOUNT: &str = "$G";
/// Go's default system account name.
pub(crate) const SYSTEM_ACCOUNT: &str = "$SYS";

/// Go's `DEFAULT_ROUTE_POOL_SIZE`: route connections per remote server.
pub(crate) const DEFAULT_ROUTE_POOL_SIZE: usize = 3;
