//! `registry-anchor mirror`: follows an upstream node, verifies it, serves resolution.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use did_core::cli::Banner;
use serde_json::{Value, json};

use super::Failure;
use crate::node::{Mirror, MirrorConfig, NodeError, WriteAccess, WriteQuota, router_counting, security_metrics};
use crate::resolution::{ResolutionVerifier, default_log_id};

/// `mirror` options.
#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// The upstream node's URL.
    #[arg(long)]
    pub upstream: String,
    /// The upstream operator's public key: a did:key, or a file holding a public JWK.
    #[arg(long)]
    pub registry_key: String,
    /// The log id the upstream's heads must name (default: the registry key's did:key, as
    /// `serve` does).
    #[arg(long)]
    pub log_id: Option<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8071")]
    pub listen: SocketAddr,
    /// Directory of the mirror's store (created when missing).
    #[arg(long, default_value = "./mirror-data")]
    pub data: PathBuf,
    /// Milliseconds between rounds.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
    /// Connection limits.
    #[command(flatten)]
    pub limits: super::args::LimitArgs,
}

pub(crate) async fn mirror(args: MirrorArgs) -> Result<Value, Failure> {
    let operator = super::keys::read_registry_key(&args.registry_key)?;
    let log_id = args.log_id.clone().unwrap_or_else(|| default_log_id(&operator));
    std::fs::create_dir_all(&args.data).map_err(|e| ("data_dir", format!("{}: {e}", args.data.display())))?;
    let mut mirror = Mirror::open(MirrorConfig {
        store_path: args.data.join("mirror.redb"),
        upstream: args.upstream.clone(),
        verifier: ResolutionVerifier::new(operator, log_id.clone()),
        page: 1000,
    })
    .map_err(|e| (e.code(), e.to_string()))?;
    // A first round before listening, so a forked upstream is refused at once.
    let first = mirror.sync().await;
    if let Err(e) = &first
        && !matches!(e, NodeError::Upstream(_))
    {
        return Err(loud(e));
    }
    let registry = mirror.registry();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| ("listen", format!("{}: {e}", args.listen)))?;
    let address = listener.local_addr().map_err(|e| ("listen", e.to_string()))?;
    let size = registry.tree_head().map(|h| h.size).unwrap_or_default();
    println!(
        "{}",
        Banner::new("registry-anchor mirror", format_args!("http://{address}"))
            .field("upstream", &args.upstream)
            .field("log id", &log_id)
            .field("tree size", size)
    );
    let metrics = security_metrics();
    let routes = router_counting(registry, WriteAccess::open(), WriteQuota::unlimited(), metrics.clone());
    let server = did_core::server::serve_reporting(
        listener,
        routes,
        args.limits.limits(),
        metrics.sink(),
        std::future::pending(),
    );
    let follow = mirror.follow(Duration::from_millis(args.poll_ms.max(10)), |outcome| {
        if let Err(e) = outcome {
            tracing::warn!(code = e.code(), error = %e, "mirror round failed");
        }
    });
    tokio::select! {
        served = server => {
            served.map_err(|e| ("serve", e.to_string()))?;
            Ok(json!({"ok": true, "stopped": true}))
        }
        forked = follow => Err(loud(&forked)),
        _ = tokio::signal::ctrl_c() => Ok(json!({"ok": true, "stopped": true})),
    }
}

/// A fork is logged at `error` as well as put in the JSON result, so no operator misses it.
fn loud(error: &NodeError) -> Failure {
    tracing::error!(code = error.code(), error = %error, "mirror stopping");
    (error.code(), error.to_string())
}
