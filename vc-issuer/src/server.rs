//! Starting the service: open the key, the database and the DID, bind, serve.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use registry_anchor::node::{Registry, WriteAccess};

use crate::Error;
use crate::config::Config;
use crate::issuance::Issuer;
use crate::service::{self, AppState, Metrics, Shared, StatusListCache};
use crate::store::Store;
use crate::templates::Templates;
use crate::tls::TlsListener;

/// A running service.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The admin token made on first start (shown once), if this start made one.
    pub admin_token: Option<Zeroizing<String>>,
    /// The shared state (issuer, store, config).
    pub state: Shared,
    /// The in-process registry's operator key (a did:key), for verifiers to pin.
    pub registry_key: Option<String>,
    /// The in-process registry, when the service runs one: it takes operations only from
    /// this process (the issuer's own DID changes), never over HTTP.
    pub registry: Option<Arc<Registry>>,
    /// How the key store was opened, for people.
    pub key_description: String,
    /// `https` when serving TLS, else `http`.
    scheme: &'static str,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), std::io::Error>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The service's base URL (`https://…` when serving TLS).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Stops accepting, finishes requests in flight, closes the database.
    pub async fn stop(mut self) -> Result<(), Error> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let served = (&mut self.task).await;
        self.state.issuer.store.close().await;
        outcome(served)
    }

    /// Waits until the server stops by itself (it does not unless the socket fails).
    pub async fn wait(mut self) -> Result<(), Error> {
        outcome((&mut self.task).await)
    }
}

/// The server task's end as this crate's error.
fn outcome(served: Result<Result<(), std::io::Error>, tokio::task::JoinError>) -> Result<(), Error> {
    match served {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Error::io("serving", e)),
        Err(e) => Err(Error::io("serving", std::io::Error::other(e.to_string()))),
    }
}

/// Builds the issuer from `config` (key, database, DID, templates) without serving.
pub async fn build(config: Config) -> Result<(Shared, Option<Arc<Registry>>, Option<String>, String), Error> {
    // Owner-only whatever the umask, and restricted if an earlier version left it open: it
    // holds the keys and the database.
    crate::private_fs::private_dir(&config.data_dir).map_err(|e| {
        Error::io(
            format!("cannot create {} owner-only (chmod 700 it)", config.data_dir.display()),
            e,
        )
    })?;
    let templates = Templates::load(config.templates_dir.as_deref())?;
    let store = Store::open(&config.database_url())
        .await?
        .with_pin_key(crate::pin_key::load_or_create(&config.pin_key_path())?);
    // The signing key is the newest generation not retired (crate::key_rotation); the first
    // start records the configured key as key-1.
    let mut keys = store.issuer_keys().await?;
    let generation = crate::key_rotation::active_generation(&keys);
    let key = crate::keys::open(&config.key.generation(&config.data_dir, generation), &config.data_dir).await?;
    if keys.is_empty() {
        store
            .add_issuer_key(1, &key.signer.verifying_key().to_multikey(), None)
            .await?;
        keys = store.issuer_keys().await?;
    }
    crate::key_rotation::check_recorded(&keys, generation, key.signer.verifying_key())?;
    let mut did = crate::issuer_did::set_up(&config, &store, key.signer.verifying_key()).await?;
    if config.did.method != crate::config::DidMethod::Key {
        did.method = format!("{}#key-{generation}", did.did);
    }
    if config.did.method == crate::config::DidMethod::Web {
        did.document = Some(crate::key_rotation::web_document(&did.did, &keys));
    }
    let signer = crate::keys::with_key_id(key.signer, did.method.clone());
    let issuer = Issuer {
        signing: crate::issuance::SigningSlot::new(signer, did.method),
        did: did.did,
        public_url: config.public_url().to_owned(),
        store,
        templates,
        list_size: config.status.list_size,
        clock: Arc::new(did_core::clock::SystemClock),
    };
    let holder_dids = crate::holder_dids::resolver(&config, did.registry.clone(), did.registry_key.as_deref())?;
    let registry = did.registry;
    let budgets = crate::service::Budgets::new(&config.limits);
    let state = Arc::new(AppState {
        budgets,
        holder_dids,
        issuer: Arc::new(issuer),
        config,
        status_lists: StatusListCache::default(),
        metrics: Metrics::default(),
        keys: crate::key_rotation::KeyState::new(did.document, registry.clone()),
    });
    Ok((state, registry, did.registry_key, key.description))
}

/// Starts the service from `config` on its listen address (port 0 picks a free port; the
/// public URL then follows the bound address unless configured). With `[tls]` it serves
/// HTTPS (h2 and HTTP/1.1), and handlers see the connection's
/// [`TlsPeer`](crate::tls::TlsPeer) as `ConnectInfo`.
pub async fn start(mut config: Config) -> Result<Running, Error> {
    let tls = config.tls.as_ref().map(crate::tls::server_config).transpose()?;
    let scheme = config.scheme();
    let listener = TcpListener::bind(config.listen_addr()?)
        .await
        .map_err(|e| Error::io(format!("cannot listen on {}", config.listen), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    if config.public_url().ends_with(":0") {
        config.public_url = Some(format!("{scheme}://{addr}"));
    }
    let limits = config.limits.limits();
    let (state, registry, registry_key, key_description) = build(config).await?;
    let admin_token = state.issuer.store.bootstrap_admin_token().await?;
    // The embedded registry takes operations only from the issuer, in-process: its HTTP API
    // serves reads (and witnesses' co-signatures), never a stranger's DID.
    let registry_routes = registry
        .clone()
        .map(|registry| registry_anchor::node::router_with(registry, WriteAccess::owner_only()));
    let app = service::router(state.clone(), registry_routes);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let stopped = async move {
        let _ = stopped.await;
    };
    // Shed connections and timed-out requests are counted with the other security events.
    let events = state.metrics.security_events.sink();
    // The connection caps and the header-read, idle and request timeouts (did_core::server),
    // over TLS as on plain HTTP.
    let task = match tls {
        Some(tls) => {
            // The TLS listener also times handshakes and caps those in progress.
            let listener = TlsListener::new(listener, tls).map_err(|e| Error::io("cannot serve TLS", e))?;
            tokio::spawn(did_core::server::serve_listener(listener, app, limits, events, stopped))
        }
        None => tokio::spawn(did_core::server::serve_reporting(
            listener, app, limits, events, stopped,
        )),
    };
    Ok(Running {
        addr,
        admin_token,
        state,
        registry_key,
        registry,
        key_description,
        scheme,
        shutdown: Some(shutdown),
        task,
    })
}
