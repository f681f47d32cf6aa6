//! `registry-anchor serve`: the node on embedded defaults.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use did_core::cli::Banner;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::KeyResolver;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::Failure;
use super::args::ServeArgs;
use crate::node::{NodeConfig, Registry, WriteAccess, WriteQuota, router_counting, security_metrics};

/// The operator key file inside the data directory.
pub(super) const OPERATOR_KEY_FILE: &str = "operator-key.jwk";
/// The store file inside the data directory.
pub(super) const STORE_FILE: &str = "log.redb";

/// Reads the operator key, or creates one (P-256) with owner-only permissions on first start.
fn operator_key(data: &Path) -> Result<SigningKey, Failure> {
    let path = data.join(OPERATOR_KEY_FILE);
    if path.exists() {
        return super::keys::read_signing_key(&path);
    }
    let key = SigningKey::generate(KeyType::P256).map_err(|e| ("keygen", e.to_string()))?;
    let text = Zeroizing::new(serde_json::to_string(&key.to_jwk()).map_err(|e| ("keygen", e.to_string()))?);
    write_private(&path, text.as_bytes()).map_err(|e| ("key_file", format!("{}: {e}", path.display())))?;
    Ok(key)
}

/// Writes a secret file atomically: a 0600 temporary file, synced, renamed into place, then
/// the directory synced. A crash leaves either no key or the whole key, never an empty file.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let temporary = path.with_extension("jwk.tmp");
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

pub(crate) async fn serve(args: ServeArgs) -> Result<Value, Failure> {
    std::fs::create_dir_all(&args.data).map_err(|e| ("data_dir", format!("{}: {e}", args.data.display())))?;
    let key = operator_key(&args.data)?;
    let operator = KeyResolver::key_id_for(key.verifying_key());
    let log_id = args
        .log_id
        .clone()
        .unwrap_or_else(|| crate::resolution::default_log_id(key.verifying_key()));
    let mut config = NodeConfig::new(args.data.join(STORE_FILE), log_id.clone(), key);
    config.batch_max = args.batch_max;
    config.batch_interval = Duration::from_millis(args.batch_interval_ms);
    config.queue_capacity = args.queue;
    let access = match &args.write_token_file {
        Some(file) => WriteAccess::from_file(file).map_err(|e| ("write_token_file", e.to_string()))?,
        None => WriteAccess::open(),
    };
    let registry = Arc::new(Registry::open(config).map_err(|e| ("open", e.to_string()))?);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| ("listen", format!("{}: {e}", args.listen)))?;
    let address = listener.local_addr().map_err(|e| ("listen", e.to_string()))?;
    let size = registry.tree_head().map(|h| h.size).unwrap_or_default();
    super::anchor::start_periodic(&args.anchoring, Arc::clone(&registry))?;
    // The start-up banner: where the node listens and what verifiers must trust.
    let writes = if access.is_open() {
        "open to anyone"
    } else {
        "with a write token"
    };
    println!(
        "{}",
        Banner::new("registry-anchor", format_args!("http://{address}"))
            .field("log id", &log_id)
            .field("operator key", &operator)
            .field("writes", writes)
            .field("tree size", size)
    );
    let quota = WriteQuota::per_hour(args.writes_per_client_per_hour, args.writes_per_did_per_hour);
    let metrics = security_metrics();
    did_core::server::serve_reporting(
        listener,
        router_counting(registry, access, quota, metrics.clone()),
        args.limits.limits(),
        metrics.sink(),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await
    .map_err(|e| ("serve", e.to_string()))?;
    Ok(json!({"ok": true, "stopped": true}))
}
