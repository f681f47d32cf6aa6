//! The registry node: validates operations, appends them in batches to the durable
//! [`Store`](crate::store::Store), signs a tree head per batch, and answers resolution,
//! tree-head, consistency and entry-range requests with proofs (`docs/did-dojang.md` §10–11).
//!
//! [`Registry`] is the engine (usable in-process, e.g. by the issuer's embedded registry);
//! [`router`] puts the HTTP API of §11 in front of it; [`router_with`] with a
//! [`WriteAccess`] policy (write tokens, or operations only in-process).

mod chains;
mod config;
mod error;
mod http;
#[cfg(feature = "client")]
mod mirror;
mod registry;
mod restore;
mod write_access;
mod write_quota;
mod writer;

pub use config::NodeConfig;
pub use error::NodeError;
pub use http::{router, router_counting, router_with, router_with_quota, security_metrics};
#[cfg(feature = "client")]
pub use mirror::{Mirror, MirrorConfig, SyncReport};
pub use registry::{Receipt, Registry};
pub use restore::{CheckedStore, check_store, restore_store};
pub use write_access::{MIN_TOKEN_LEN, WriteAccess, WriteAccessError};
pub use write_quota::WriteQuota;
