//! `verifier serve`: the door service from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use did_core::clock::SystemClock;
use did_core::status::HttpStatusListSource;

use did_core::cli::{Banner, EXIT_FAILED, EXIT_OK, EXIT_USAGE, write_error};
use registry_anchor::client::read_registry_key;

use crate::bundle::TrustBundle;
use crate::decision::{Engine, OfflineTrust};
use crate::decision_log::DecisionLog;
use crate::policy::Policy;
use crate::registry::RegistryArgs;
use crate::service::{self, ServiceConfig};
use crate::x509::TrustAnchors;
use zeroize::Zeroizing;

/// The largest VC-API token file read (a token is one short line).
const MAX_TOKEN_FILE_LEN: usize = 4096;

/// Options of `verifier serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The door's policy (TOML, or JSON when the name ends in `.json`).
    #[arg(long)]
    pub policy: PathBuf,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// The append-only decision log (JSON lines; its salt is kept in `<log>.salt`).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Also fetch status lists over plain HTTP (a lab or loopback issuer only).
    #[arg(long)]
    pub allow_http_status: bool,
    /// The URL wallets reach this door at, for OpenID4VP (default: `http://<listen>`).
    #[arg(long)]
    pub public_url: Option<String>,
    /// A signed trust bundle (from `verifier bundle build`) to decide from when the network
    /// is down.
    #[arg(long, requires = "operator")]
    pub bundle: Option<PathBuf>,
    /// The bundle operator's public key (did:key, Multikey, public JWK, or a file).
    #[arg(long = "bundle-key", alias = "operator", value_name = "KEY")]
    pub operator: Option<String>,
    /// Decide from the trust bundle only, never the network.
    #[arg(long, requires = "bundle")]
    pub offline: bool,
    /// PEM file of root CA certificates for X.509 issuer trust (the policy's `x509`).
    #[arg(long)]
    pub x509_roots: Option<PathBuf>,
    /// A file holding the bearer token the VC-API routes (`POST /credentials/verify`,
    /// `/presentations/verify`) require; without it they are open, like the rest of the door.
    #[arg(long)]
    pub vc_api_token_file: Option<PathBuf>,
    /// The certificate chain (PEM, leaf first) OpenID4VP Request Objects passed by reference
    /// are signed under (client id `x509_hash:`); with `--request-key`. Without both, the door
    /// makes a P-256 key and a self-signed certificate for its public URL's host at start.
    #[arg(long, requires = "request_key")]
    pub request_cert: Option<PathBuf>,
    /// The leaf certificate's P-256 private key (PEM, PKCS#8).
    #[arg(long, requires = "request_cert")]
    pub request_key: Option<PathBuf>,
    /// The door's data folder. Without `--request-cert`, the Request Object signing key and
    /// self-signed certificate made on first start are kept there (`request-signer.pem`,
    /// mode 0600), so the door's `x509_hash:` client id stays the same across restarts.
    #[arg(long, default_value = "door-data")]
    pub data_dir: PathBuf,
    /// Connection limits.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// The did:dojang registry.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// The connection limits of a service (`did_core::server::Limits`).
#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Open connections at most; one more is closed at once.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Open connections from one client (an IP address; an IPv6 client by its /64) at most;
    /// one more is closed at once. 0: a quarter of --max-connections.
    #[arg(long, default_value_t = 0)]
    pub max_connections_per_client: u32,
    /// Seconds a client has to send a request's headers (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a request may take to be answered (then 503 `timeout`).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
}

impl LimitArgs {
    /// The limits as the server takes them.
    pub fn limits(&self) -> did_core::server::Limits {
        did_core::server::Limits::from_secs(
            usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            self.header_timeout_secs,
            self.request_timeout_secs,
        )
        .per_client(usize::try_from(self.max_connections_per_client).unwrap_or(usize::MAX))
    }
}

/// Builds the service `args` describe.
pub fn config(args: &ServeArgs) -> Result<ServiceConfig, String> {
    // An unreadable file's error names it already; a policy error gets the file's name.
    let policy = Policy::from_file(&args.policy).map_err(|e| match e {
        crate::Error::Io { .. } => e.to_string(),
        _ => format!("{}: {e}", args.policy.display()),
    })?;
    let resolver = args.registry.composite()?;
    let status = if args.allow_http_status {
        HttpStatusListSource::danger_plain_http_for_testing()
    } else {
        HttpStatusListSource::new()
    }
    .map_err(|e| format!("cannot start the status list client: {e}"))?;
    let log = match &args.log {
        Some(path) => Some(DecisionLog::open(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let offline = match (&args.bundle, &args.operator) {
        (Some(path), Some(operator)) => {
            let operator = read_registry_key(operator).map_err(|e| format!("--bundle-key: {e}"))?;
            let registry = args.registry.resolver()?;
            let bundle = TrustBundle::load_file(path, &operator, registry.as_ref().map(|r| r.verifier()))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Some(OfflineTrust::from_bundle(&bundle))
        }
        _ => None,
    };
    let mut engine = match offline {
        Some(offline) if args.offline => Engine::offline(offline),
        Some(offline) => Engine::online(Arc::new(resolver), Arc::new(status)).with_offline(offline),
        None => Engine::online(Arc::new(resolver), Arc::new(status)),
    };
    if policy.x509 != crate::policy::X509Mode::Optional && args.x509_roots.is_none() {
        return Err(format!(
            "{}: x509 = \"{}\" needs --x509-roots (without roots no issuer can be certified)",
            args.policy.display(),
            if policy.x509 == crate::policy::X509Mode::Trust {
                "trust"
            } else {
                "required"
            }
        ));
    }
    if let Some(path) = &args.x509_roots {
        let pem = crate::files::read_limited(path, crate::x509::MAX_PEM_LEN).map_err(|e| e.to_string())?;
        let roots = TrustAnchors::from_pem(pem.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        engine = engine.with_x509_roots(roots);
    }
    let vc_api_token = match &args.vc_api_token_file {
        Some(path) => {
            let bytes =
                Zeroizing::new(crate::files::read_limited_bytes(path, MAX_TOKEN_FILE_LEN).map_err(|e| e.to_string())?);
            let token = Zeroizing::new(String::from_utf8_lossy(bytes.trim_ascii()).into_owned());
            if token.is_empty() || token.chars().any(|c| !c.is_ascii_graphic()) {
                return Err(format!(
                    "{}: the VC-API token must be one line of printable ASCII",
                    path.display()
                ));
            }
            Some(token)
        }
        None => None,
    };
    let request_signer = match (&args.request_cert, &args.request_key) {
        (Some(cert), Some(key)) => {
            let read = |path: &PathBuf| {
                crate::files::read_limited_bytes(path, service::request_signer::MAX_PEM_LEN).map_err(|e| e.to_string())
            };
            let key_pem = Zeroizing::new(read(key)?);
            Some(service::RequestSigner::from_pem(&read(cert)?, &key_pem).map_err(|e| e.to_string())?)
        }
        _ => {
            let host = match &args.public_url {
                Some(url) => service::host_of(url),
                None => args.listen.ip().to_string(),
            };
            let (signer, _) = service::RequestSigner::stored(&args.data_dir, &host, time::OffsetDateTime::now_utc())
                .map_err(|e| e.to_string())?;
            Some(signer)
        }
    };
    Ok(ServiceConfig {
        policy,
        engine,
        log,
        clock: Arc::new(SystemClock),
        public_url: args.public_url.clone(),
        vc_api_token,
        request_signer,
    })
}

/// Runs the service until Ctrl-C.
pub async fn run(args: ServeArgs, out: &mut dyn std::io::Write) -> i32 {
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            write_error(&mut std::io::stderr(), &message, None);
            return EXIT_USAGE;
        }
    };
    let door = config.policy.door.clone();
    let client_id = config.request_signer.as_ref().map(service::RequestSigner::client_id);
    let running = match service::start_with_limits(config, args.listen, args.limits.limits()).await {
        Ok(running) => running,
        Err(e) => {
            write_error(&mut std::io::stderr(), &e.to_string(), None);
            return EXIT_FAILED;
        }
    };
    let mut banner = Banner::new("verifier", running.url())
        .field("door", &door)
        .field("kiosk", format_args!("{}/", running.url()))
        .field("policy", args.policy.display());
    if let Some(client_id) = client_id {
        banner = banner.field("client id", format_args!("{client_id} (signs requests by reference)"));
    }
    let _ = writeln!(out, "{banner}");
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    match running.stop().await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            write_error(&mut std::io::stderr(), &e.to_string(), None);
            EXIT_FAILED
        }
    }
}
