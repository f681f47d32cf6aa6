//! The issuer's own DID, set up on first start:
//!
//! - `dojang` (default): a did:dojang DID whose document holds the issuer key for
//!   `assertionMethod`, created on the in-process registry (its store and operator key under
//!   `data_dir`) or on the node at `registry.url`. Operations are signed by a separate update
//!   key, with the next key pre-committed, both key files under `data_dir` kept like the
//!   issuer's key file (owner-only, sealed when a passphrase is set), so the issuer key can
//!   stay in an HSM. The DID is kept in the database.
//! - `web`: `did:web:<host>`, its document served at `/.well-known/did.json`.
//! - `key`: the issuer key's did:key.

use std::sync::Arc;

use did_core::key::VerifyingKey;
use did_core::resolve::KeyResolver;
use registry_anchor::client::{NodeApi, WriteToken};
use registry_anchor::node::{NodeConfig, NodeError, Registry};
use registry_anchor::operation::{self, DidState, KeyCommitment, Operation};
use registry_anchor::resolution::Resolution;
use registry_anchor::resolution::default_log_id;
use registry_anchor::store::StoreError;
use serde_json::{Value, json};

use crate::Error;
use crate::config::{Config, DidMethod};
use crate::store::Store;

/// The issuer DID and what serves it.
pub struct IssuerDid {
    /// The DID.
    pub did: String,
    /// The verification method credentials name as `kid`.
    pub method: String,
    /// The DID document (did:web and did:dojang).
    pub document: Option<Value>,
    /// The in-process registry, when there is one.
    pub registry: Option<Arc<Registry>>,
    /// The registry's operator key (what verifiers pin), as a did:key.
    pub registry_key: Option<String>,
}

/// Sets up (or finds) the issuer DID for the key `issuer_key`.
pub async fn set_up(config: &Config, store: &Store, issuer_key: &VerifyingKey) -> Result<IssuerDid, Error> {
    match config.did.method {
        DidMethod::Key => {
            let method = KeyResolver::key_id_for(issuer_key);
            let did = method.split('#').next().unwrap_or_default().to_owned();
            Ok(IssuerDid {
                did,
                method,
                document: None,
                registry: None,
                registry_key: None,
            })
        }
        DidMethod::Web => {
            let host = config
                .did_web_host()
                .ok_or_else(|| Error::config("did.web_host", "cannot derive a host"))?;
            let did = format!("did:web:{host}");
            let mut document = operation::key_document(issuer_key);
            document.insert(
                "@context".into(),
                json!(["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]),
            );
            document.insert("id".into(), Value::String(did.clone()));
            let document = absolutize(Value::Object(document), &did);
            Ok(IssuerDid {
                method: format!("{did}#key-1"),
                did,
                document: Some(document),
                registry: None,
                registry_key: None,
            })
        }
        DidMethod::Dojang => dojang(config, store, issuer_key).await,
    }
}

async fn dojang(config: &Config, store: &Store, issuer_key: &VerifyingKey) -> Result<IssuerDid, Error> {
    let dir = &config.data_dir;
    crate::private_fs::create_dir(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let (registry, registry_key) = match &config.registry.url {
        Some(_) => {
            // The node's URL and write token are checked at start, not at the first operation.
            remote_api(config)?;
            (None, config.registry.key.clone())
        }
        None => {
            let operator = crate::keys::open_software_key(&dir.join("registry-operator.jwk")).await?;
            let log_id = default_log_id(operator.verifying_key());
            let key_did = log_id.clone();
            // redb makes its file with the umask's mode (0644 as a rule); an empty owner-only
            // file made first is what it initializes instead.
            let store = dir.join("registry.redb");
            crate::private_fs::private_file(&store)
                .map_err(|e| Error::io(format!("cannot make {} owner-only (chmod 600 it)", store.display()), e))?;
            let node = NodeConfig::new(store, log_id, operator);
            let registry = Registry::open(node).map_err(|e| match e {
                NodeError::Store(StoreError::InUse(file)) => Error::InUse(file),
                other => Error::Registry(other.to_string()),
            })?;
            (Some(Arc::new(registry)), Some(key_did))
        }
    };
    let did = match store.meta("issuer_did").await? {
        Some(did) => did,
        None => {
            let update = crate::keys::open_software_key(&dir.join("did-update-key.jwk")).await?;
            let next = crate::keys::open_software_key(&dir.join("did-next-key.jwk")).await?;
            let op = operation::create(
                &update,
                KeyCommitment::of(next.verifying_key()),
                operation::key_document(issuer_key),
            )
            .map_err(|e| Error::Registry(format!("{}: {e}", e.code())))?;
            let did = op.did().to_string();
            submit(config, registry.as_deref(), op).await?;
            // Another replica may have won the race: use whichever DID was stored first.
            store.meta_init("issuer_did", &did).await?
        }
    };
    let document = match &registry {
        Some(registry) => registry
            .resolve(&did)
            .ok()
            .and_then(|resolution| serde_json::to_value(resolution).ok())
            .and_then(|v| v.get("didDocument").cloned()),
        None => None,
    };
    Ok(IssuerDid {
        method: format!("{did}#key-1"),
        did,
        document,
        registry,
        registry_key,
    })
}

/// did:web documents use absolute IDs.
fn absolutize(mut document: Value, did: &str) -> Value {
    if let Some(methods) = document.get_mut("verificationMethod").and_then(Value::as_array_mut) {
        for method in methods {
            if let Some(map) = method.as_object_mut() {
                map.insert("id".into(), Value::String(format!("{did}#key-1")));
                map.insert("controller".into(), Value::String(did.to_owned()));
            }
        }
    }
    for relationship in ["assertionMethod", "authentication"] {
        if let Some(map) = document.as_object_mut() {
            map.insert(relationship.into(), json!([format!("{did}#key-1")]));
        }
    }
    document
}

/// The remote registry's client, with the configured write token (`registry.url`).
fn remote_api(config: &Config) -> Result<Option<NodeApi>, Error> {
    let Some(url) = &config.registry.url else {
        return Ok(None);
    };
    let token = config
        .registry
        .write_token_file
        .as_deref()
        .map(|file| {
            WriteToken::from_file(file)
                .map_err(|e| Error::config("registry.write_token_file", format!("{}: {e}", file.display())))
        })
        .transpose()?;
    let api = NodeApi::new(url)
        .map_err(|e| Error::Registry(e.to_string()))?
        .with_write_token(token);
    Ok(Some(api))
}

/// The current state of the issuer's did:dojang DID `did`, replayed from the operations the
/// registry (in-process or remote) lists; it checks `previous` again when an operation built
/// on it arrives.
pub(crate) async fn dojang_state(config: &Config, registry: Option<&Registry>, did: &str) -> Result<DidState, Error> {
    let registry_error = |e: &dyn std::fmt::Display| Error::Registry(e.to_string());
    let resolution: Resolution = match (registry, remote_api(config)?) {
        (Some(registry), _) => registry.resolve(did).map_err(|e| registry_error(&e))?,
        (None, Some(api)) => api
            .get_json(&format!("/dids/{did}"), MAX_RESOLUTION_LEN)
            .await
            .map_err(|e| registry_error(&e))?,
        (None, None) => return Err(Error::Registry("no registry".into())),
    };
    let operations = resolution
        .operations
        .iter()
        .map(|entry| Operation::parse(&entry.operation))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| registry_error(&e))?;
    let current = DidState::replay(&operations).map_err(|e| registry_error(&e))?;
    if current.did().to_string() != did {
        return Err(Error::Registry("the registry answered with another DID's chain".into()));
    }
    Ok(current)
}

/// Submits an operation on the issuer's DID to its registry (in-process or remote).
pub(crate) async fn submit(config: &Config, registry: Option<&Registry>, op: Operation) -> Result<(), Error> {
    match (registry, remote_api(config)?) {
        (Some(registry), _) => {
            registry.submit(op).await.map_err(|e| Error::Registry(e.to_string()))?;
        }
        (None, Some(api)) => {
            api.post_json("/operations", "application/jose", op.as_str().to_owned())
                .await
                .map_err(|e| Error::Registry(e.to_string()))?;
        }
        (None, None) => return Err(Error::Registry("no registry".into())),
    }
    Ok(())
}

/// The largest resolution answer read from a remote registry.
const MAX_RESOLUTION_LEN: usize = 4 * 1024 * 1024;
