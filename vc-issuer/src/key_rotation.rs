//! Rotating the issuer's signing key, and retiring old ones (`POST /admin/keys/rotate`,
//! `POST /admin/keys/{id}/retire`).
//!
//! Each key is a generation: `#key-1` is the key the service was first started with, a
//! rotation makes `#key-<n+1>` (a new key file `issuer-key-<n+1>.jwk` beside the first, sealed
//! like it, or a new pair labelled `<key_label>-<n+1>` on the PKCS#11 token), publishes a DID
//! document listing it first in `assertionMethod` with the older keys still listed, and signs
//! every new credential and status list with it. A credential names the key that signed it
//! (`kid`), so one signed before the rotation still verifies through the same document.
//!
//! - did:dojang: the document changes through an `update` operation signed with the DID's
//!   committed next key (`did-next-key.jwk`), committing to a fresh one (written first as
//!   `did-next-key.jwk.pending`, and moved into place once the registry took the operation; an
//!   interrupted change is settled at the next one).
//! - did:web: the service serves the new document at `/.well-known/did.json`.
//! - did:key: the DID is the key; a new key is a new DID, so rotation is refused.
//!
//! Retiring a key removes it from the document: what it signed no longer verifies. It is
//! refused while live credentials (not revoked, not expired) were issued while it was the
//! signing key (by issue time, to the second: the rotation's second counts for both keys),
//! unless forced; the answer says how many.

use std::path::{Path, PathBuf};

use did_core::key::VerifyingKey;
use registry_anchor::operation::{self, DidState, DocumentChange, KeyCommitment};
use serde_json::{Map, Value, json};

use crate::Error;
use crate::config::{Config, DidMethod};
use crate::issuance::Issuer;
use crate::store::IssuerKey;

/// What key changes share with the service: the did:web document it serves, its in-process
/// did:dojang registry, and the lock that keeps key changes one at a time.
#[derive(Debug)]
pub struct KeyState {
    did_document: std::sync::RwLock<Option<Value>>,
    registry: Option<std::sync::Arc<registry_anchor::node::Registry>>,
    changes: tokio::sync::Mutex<()>,
}

impl KeyState {
    /// The state of a service serving `did_document` (did:web) with `registry` in-process.
    pub fn new(
        did_document: Option<Value>,
        registry: Option<std::sync::Arc<registry_anchor::node::Registry>>,
    ) -> KeyState {
        KeyState {
            did_document: std::sync::RwLock::new(did_document),
            registry,
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// The issuer's own DID document as served now (did:web).
    pub fn did_document(&self) -> Option<Value> {
        self.did_document
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// What a rotation made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rotated {
    /// The new key's id, `key-<n>`.
    pub id: String,
    /// Its verification method, which new credentials name.
    pub method: String,
    /// The verification method signing until now (still in the document).
    pub previous: String,
}

/// What a retirement did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Retired {
    /// The key's id.
    pub id: String,
    /// Live credentials issued while it signed: they no longer verify.
    pub live_credentials: i64,
}

/// The generation now signing: the newest key not retired.
pub(crate) fn active_generation(keys: &[IssuerKey]) -> i64 {
    keys.iter()
        .filter(|key| key.retired_at.is_none())
        .map(|key| key.generation)
        .max()
        .unwrap_or(1)
}

/// The verification methods and relationships of the issuer's DID document (relative ids):
/// every key not retired, the active one first.
pub(crate) fn key_content(keys: &[IssuerKey]) -> Map<String, Value> {
    let active = active_generation(keys);
    let mut listed: Vec<&IssuerKey> = keys.iter().filter(|key| key.retired_at.is_none()).collect();
    listed.sort_by_key(|key| (key.generation != active, std::cmp::Reverse(key.generation)));
    let methods: Vec<Value> = listed
        .iter()
        .map(|key| json!({"id": format!("#{}", key.id()), "type": "Multikey", "publicKeyMultibase": key.public_key}))
        .collect();
    let ids: Vec<Value> = listed
        .iter()
        .map(|key| Value::String(format!("#{}", key.id())))
        .collect();
    let mut content = Map::new();
    content.insert("verificationMethod".into(), Value::Array(methods));
    content.insert("authentication".into(), Value::Array(ids.clone()));
    content.insert("assertionMethod".into(), Value::Array(ids));
    content
}

/// The did:web document of `did` for `keys` (absolute ids).
pub(crate) fn web_document(did: &str, keys: &[IssuerKey]) -> Value {
    let mut document = Map::new();
    document.insert(
        "@context".into(),
        json!(["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]),
    );
    document.insert("id".into(), Value::String(did.to_owned()));
    for (name, value) in key_content(keys) {
        let absolute = match value {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(id) => Value::String(format!("{did}{id}")),
                        Value::Object(mut method) => {
                            if let Some(Value::String(id)) = method.get("id").cloned() {
                                method.insert("id".into(), Value::String(format!("{did}{id}")));
                            }
                            method.insert("controller".into(), Value::String(did.to_owned()));
                            Value::Object(method)
                        }
                        other => other,
                    })
                    .collect(),
            ),
            other => other,
        };
        document.insert(name, absolute);
    }
    Value::Object(document)
}

/// Makes the next key, publishes a document listing it first, records it and signs with it.
pub async fn rotate(config: &Config, issuer: &Issuer, state: &KeyState, actor: &str) -> Result<Rotated, Error> {
    refuse_did_key(config)?;
    let _one_at_a_time = state.changes.lock().await;
    let store = &issuer.store;
    let mut keys = store.issuer_keys().await?;
    let previous = issuer.signing().method.clone();
    let generation = keys.iter().map(|key| key.generation).max().unwrap_or(1) + 1;
    let opened = crate::keys::open(&config.key.generation(&config.data_dir, generation), &config.data_dir).await?;
    let public_key = opened.signer.verifying_key().to_multikey();
    keys.push(IssuerKey {
        generation,
        public_key: public_key.clone(),
        created_at: crate::store::unix_now(),
        retired_at: None,
    });
    publish(config, issuer, state, &keys).await?;
    store.add_issuer_key(generation, &public_key, Some(actor)).await?;
    let method = format!("{}#key-{generation}", issuer.did);
    issuer
        .signing
        .replace(crate::keys::with_key_id(opened.signer, method.clone()), method.clone());
    tracing::info!(key = %format!("key-{generation}"), "issuer key rotated");
    Ok(Rotated {
        id: format!("key-{generation}"),
        method,
        previous,
    })
}

/// Takes `key-<generation>` out of the DID document (refused for the signing key, and while
/// live credentials need it unless `force`).
pub async fn retire(
    config: &Config,
    issuer: &Issuer,
    state: &KeyState,
    generation: i64,
    force: bool,
    actor: &str,
) -> Result<Retired, Error> {
    refuse_did_key(config)?;
    let _one_at_a_time = state.changes.lock().await;
    let store = &issuer.store;
    let mut keys = store.issuer_keys().await?;
    let id = format!("key-{generation}");
    let Some(position) = keys.iter().position(|key| key.generation == generation) else {
        return Err(Error::NotFound(format!("issuer key {id}")));
    };
    if keys.get(position).is_some_and(|key| key.retired_at.is_some()) {
        return Err(Error::Conflict(format!("{id} is retired already")));
    }
    if generation == active_generation(&keys) {
        return Err(Error::Conflict(format!(
            "{id} is the signing key: rotate first (POST /admin/keys/rotate)"
        )));
    }
    let (from, until) = signing_window(&keys, position);
    let live = store.live_credentials_issued_between(from, until).await?;
    if live > 0 && !force {
        return Err(Error::Conflict(format!(
            "{live} live credentials were issued while {id} was the signing key: retiring it makes them \
             fail verification; revoke or re-issue them first, or retire with ?force=true"
        )));
    }
    if let Some(key) = keys.get_mut(position) {
        key.retired_at = Some(crate::store::unix_now());
    }
    publish(config, issuer, state, &keys).await?;
    store
        .retire_issuer_key(generation, actor, &format!("{live} live credentials left unverifiable"))
        .await?;
    tracing::info!(key = %id, live_credentials = live, "issuer key retired");
    Ok(Retired {
        id,
        live_credentials: live,
    })
}

/// The emergency path for a leaked key: revokes every credential issued while `key-<generation>`
/// signed (by issue time, the rotation's second included: a credential of the new key issued
/// in that second is revoked too, and must be re-issued with the rest). The key stays in the
/// document until retired. Returns how many were revoked; progress goes to the log.
pub async fn revoke_credentials(issuer: &Issuer, generation: i64, actor: &str) -> Result<Retired, Error> {
    let keys = issuer.store.issuer_keys().await?;
    let id = format!("key-{generation}");
    let Some(position) = keys.iter().position(|key| key.generation == generation) else {
        return Err(Error::NotFound(format!("issuer key {id}")));
    };
    if generation == active_generation(&keys) {
        return Err(Error::Conflict(format!(
            "{id} is the signing key: rotate first (POST /admin/keys/rotate), then revoke what it signed"
        )));
    }
    let (from, until) = signing_window(&keys, position);
    let reason = format!("issued while {id} signed");
    let progress = |done: u64| tracing::info!(key = %id, revoked = done, "revoking the credentials of a key");
    let revoked = issuer
        .store
        .revoke_issued_between(from, until, actor, &reason, &progress)
        .await?;
    Ok(Retired {
        id,
        live_credentials: i64::try_from(revoked).unwrap_or(i64::MAX),
    })
}

/// When the key at `position` of `keys` signed (Unix seconds, both ends included; open when it
/// still does). The first key also signed whatever was issued before keys were recorded (by
/// older versions), so its window starts at 0.
fn signing_window(keys: &[IssuerKey], position: usize) -> (i64, Option<i64>) {
    let from = if position == 0 {
        0
    } else {
        keys.get(position).map_or(0, |key| key.created_at)
    };
    (from, keys.get(position + 1).map(|key| key.created_at))
}

fn refuse_did_key(config: &Config) -> Result<(), Error> {
    if config.did.method == DidMethod::Key {
        return Err(Error::Conflict(
            "the issuer is a did:key DID, which is its key: a new key would be a new DID. \
             Rotation needs did.method = \"dojang\" or \"web\""
                .into(),
        ));
    }
    Ok(())
}

/// Publishes the DID document for `keys`.
async fn publish(config: &Config, issuer: &Issuer, state: &KeyState, keys: &[IssuerKey]) -> Result<(), Error> {
    match config.did.method {
        DidMethod::Key => Ok(()),
        DidMethod::Web => {
            let document = web_document(&issuer.did, keys);
            *state
                .did_document
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(document);
            Ok(())
        }
        DidMethod::Dojang => publish_dojang(config, issuer, state, keys).await,
    }
}

/// An `update` of the issuer's did:dojang DID replacing its keys by `keys`, signed with the
/// committed next key and committing to a new one.
async fn publish_dojang(config: &Config, issuer: &Issuer, state: &KeyState, keys: &[IssuerKey]) -> Result<(), Error> {
    let dir = &config.data_dir;
    let did = &issuer.did;
    let registry = state.registry.as_deref();
    let current = crate::issuer_did::dojang_state(config, registry, did).await?;
    let next_file = dir.join("did-next-key.jwk");
    let pending = dir.join("did-next-key.jwk.pending");
    settle_pending(&current, &next_file, &pending, &dir.join("did-update-key.jwk")).await?;
    let signer = crate::keys::open_software_key(&next_file).await?;
    let _ = std::fs::remove_file(&pending);
    let new_next = crate::keys::open_software_key(&pending).await?;
    let mut content = current.content().clone();
    for name in ["verificationMethod", "authentication", "assertionMethod"] {
        content.remove(name);
    }
    content.extend(key_content(keys));
    let did_parsed = operation::parse_did(did).map_err(|e| Error::Registry(format!("{}: {e}", e.code())))?;
    let op = operation::update(
        &did_parsed,
        *current.last_operation(),
        &signer,
        KeyCommitment::of(new_next.verifying_key()),
        DocumentChange::Replace(content),
    )
    .map_err(|e| Error::Registry(format!("{}: {e}", e.code())))?;
    crate::issuer_did::submit(config, registry, op).await?;
    promote(&next_file, &pending, &dir.join("did-update-key.jwk"))
}

/// A `.pending` next key left by an interrupted change: promoted if the registry took the
/// operation committing to it, else dropped.
async fn settle_pending(current: &DidState, next: &Path, pending: &Path, spent: &Path) -> Result<(), Error> {
    if !pending.exists() {
        return Ok(());
    }
    let key = crate::keys::open_software_key(pending).await?;
    if current.next_key_commitment() == Some(&KeyCommitment::of(key.verifying_key())) {
        promote(next, pending, spent)
    } else {
        std::fs::remove_file(pending).map_err(|e| Error::io(format!("cannot remove {}", pending.display()), e))
    }
}

/// After the registry took an operation committing to `pending`: the key that signed it goes
/// to `spent`, and `pending` becomes the next key.
fn promote(next: &Path, pending: &Path, spent: &Path) -> Result<(), Error> {
    let moved = |from: &Path, to: &PathBuf| {
        std::fs::rename(from, to)
            .map_err(|e| Error::io(format!("cannot move {} to {}", from.display(), to.display()), e))
    };
    moved(next, &spent.to_path_buf())?;
    moved(pending, &next.to_path_buf())
}

/// Checks that the key `opened` is the one recorded for `generation`.
pub(crate) fn check_recorded(keys: &[IssuerKey], generation: i64, opened: &VerifyingKey) -> Result<(), Error> {
    match keys.iter().find(|key| key.generation == generation) {
        Some(key) if key.public_key != opened.to_multikey() => Err(Error::KeyStore(format!(
            "the key opened for key-{generation} is not the one the database records for it: \
             was its key file or token label changed?"
        ))),
        _ => Ok(()),
    }
}
