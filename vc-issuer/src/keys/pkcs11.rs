//! Issuer keys on a PKCS#11 token (tested with SoftHSM2): a P-256 pair found by label, or
//! generated on the token (sensitive, not extractable) on first start. Signing is
//! `CKM_ECDSA` over the SHA-256 digest, which returns the raw `r || s` JOSE wants.
//!
//! Every call here blocks; [`super::open`] and [`Pkcs11Signer::try_sign`] run them on
//! tokio's blocking pool. Signing draws on a small pool of sessions so that concurrent
//! requests need not queue behind one; a session the token has dropped is reopened once.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, TryLockError};

use async_trait::async_trait;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType as CkKeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use did_core::key::{KeyError, KeyType, Signer, VerifyingKey};
use did_core::resolve::KeyResolver;
use rand_core::{OsRng, RngCore as _};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::OpenedKey;
use crate::Error;

/// DER of the named curve prime256v1 (OID 1.2.840.10045.3.1.7): `CKA_EC_PARAMS` of a P-256 key.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// Sessions a signer may hold open at once.
const POOL_SIZE: usize = 4;
/// Length of an ES256 signature (`r || s`).
const SIGNATURE_LEN: usize = 64;

/// How to open a key on a token.
pub(super) struct TokenKey<'a> {
    /// The PKCS#11 module (shared library).
    pub module: &'a Path,
    /// The label of the token that holds the key.
    pub token_label: &'a str,
    /// The `CKA_LABEL` of the key pair.
    pub key_label: &'a str,
    /// The environment variable that holds the PIN (for messages).
    pub pin_env: &'a str,
    /// The user PIN.
    pub pin: Zeroizing<String>,
    /// Whether to generate the pair if the token does not hold it.
    pub create: bool,
}

/// Opens (or creates) the key on the token and returns a signer holding one logged-in session.
pub(super) fn open(spec: TokenKey<'_>) -> Result<OpenedKey, Error> {
    let context = context(spec.module)?;
    let slot = find_slot(&context, spec.module, spec.token_label)?;
    let session = context.open_rw_session(slot).map_err(|e| ck("C_OpenSession", &e))?;
    login(&session, &spec.pin, spec.pin_env, spec.token_label)?;
    let (private, verifying_key, created) = match find_private(&session, spec.key_label)? {
        Some(private) => {
            check_p256(&session, private, &spec)?;
            (private, public_key(&session, private, &spec)?, false)
        }
        None if spec.create => {
            let (public, private) = generate(&session, spec.key_label)?;
            (private, read_point(&session, public, &spec)?, true)
        }
        None => {
            return Err(Error::KeyStore(format!(
                "no EC private key labelled '{}' on PKCS#11 token '{}' (set key.create = true to generate one)",
                spec.key_label, spec.token_label
            )));
        }
    };
    let description = format!("PKCS#11 token '{}' key '{}'", spec.token_label, spec.key_label);
    let sessions: Box<[Mutex<Option<Live>>]> = (0..POOL_SIZE).map(|_| Mutex::new(None)).collect();
    if let Some(first) = sessions.first() {
        *first.lock().unwrap_or_else(PoisonError::into_inner) = Some(Live { session, key: private });
    }
    let token = Token {
        context,
        slot,
        token_label: spec.token_label.to_owned(),
        key_label: spec.key_label.to_owned(),
        pin_env: spec.pin_env.to_owned(),
        pin: spec.pin,
        sessions,
        next: AtomicUsize::new(0),
    };
    let key_id = KeyResolver::key_id_for(&verifying_key);
    Ok(OpenedKey {
        signer: Arc::new(Pkcs11Signer {
            token: Arc::new(token),
            verifying_key,
            key_id,
        }),
        created,
        description,
    })
}

/// A signer whose private key never leaves the token.
pub(super) struct Pkcs11Signer {
    token: Arc<Token>,
    verifying_key: VerifyingKey,
    key_id: String,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.token.token_label)
            .field("key", &self.token.key_label)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Signer for Pkcs11Signer {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }

    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }

    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let digest = Sha256::digest(message).to_vec();
        let token = Arc::clone(&self.token);
        let signature = tokio::task::spawn_blocking(move || token.sign(&digest))
            .await
            .map_err(|e| KeyError::SigningFailed(format!("PKCS#11 signing task failed: {e}")))?
            .map_err(|e| KeyError::SigningFailed(e.to_string()))?;
        if signature.len() != SIGNATURE_LEN {
            return Err(KeyError::SigningFailed(format!(
                "the PKCS#11 token returned a {}-byte signature; ES256 needs {SIGNATURE_LEN}",
                signature.len()
            )));
        }
        Ok(signature)
    }
}

/// One token, the key's label, the PIN (kept to reopen sessions) and the session pool.
struct Token {
    context: Pkcs11,
    slot: Slot,
    token_label: String,
    key_label: String,
    pin_env: String,
    pin: Zeroizing<String>,
    sessions: Box<[Mutex<Option<Live>>]>,
    next: AtomicUsize,
}

/// A logged-in session and the private key's handle in it.
struct Live {
    session: Session,
    key: ObjectHandle,
}

impl Token {
    /// Signs a SHA-256 digest with `CKM_ECDSA`, reopening the session once if the token lost it.
    fn sign(&self, digest: &[u8]) -> Result<Vec<u8>, Error> {
        let mut slot = self.checkout()?;
        for attempt in 0..2 {
            if slot.is_none() {
                *slot = Some(self.connect()?);
            }
            let Some(live) = slot.as_ref() else { continue };
            match live.session.sign(&Mechanism::Ecdsa, live.key, digest) {
                Ok(signature) => return Ok(signature),
                Err(CkError::Pkcs11(rv, _)) if attempt == 0 && session_lost(rv) => *slot = None,
                Err(e) => return Err(ck("C_Sign", &e)),
            }
        }
        Err(Error::KeyStore(format!(
            "PKCS#11 token '{}' dropped the session twice while signing",
            self.token_label
        )))
    }

    /// A free pooled session slot, or (all busy) the next one in turn, waiting for it.
    fn checkout(&self) -> Result<MutexGuard<'_, Option<Live>>, Error> {
        let count = self.sessions.len();
        let start = self
            .next
            .fetch_add(1, Ordering::Relaxed)
            .checked_rem(count)
            .unwrap_or(0);
        for slot in self.sessions.iter().cycle().skip(start).take(count) {
            match slot.try_lock() {
                Ok(guard) => return Ok(guard),
                Err(TryLockError::Poisoned(poisoned)) => return Ok(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let slot = self
            .sessions
            .get(start)
            .ok_or_else(|| Error::KeyStore("PKCS#11 session pool is empty".to_owned()))?;
        Ok(slot.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Opens a read-only session (signing needs no more), logs in and finds the key.
    fn connect(&self) -> Result<Live, Error> {
        let session = self
            .context
            .open_ro_session(self.slot)
            .map_err(|e| ck("C_OpenSession", &e))?;
        login(&session, &self.pin, &self.pin_env, &self.token_label)?;
        let key = find_private(&session, &self.key_label)?.ok_or_else(|| {
            Error::KeyStore(format!(
                "key '{}' is no longer on PKCS#11 token '{}'",
                self.key_label, self.token_label
            ))
        })?;
        Ok(Live { session, key })
    }
}

/// Errors after which a fresh session may succeed.
fn session_lost(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::SessionHandleInvalid
            | RvError::SessionClosed
            | RvError::UserNotLoggedIn
            | RvError::KeyHandleInvalid
            | RvError::ObjectHandleInvalid
            | RvError::DeviceRemoved
    )
}

/// The module's context, loaded and initialized once per process: `C_Initialize` is
/// process-wide, and a module loaded twice would be initialized twice.
fn context(module: &Path) -> Result<Pkcs11, Error> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let canonical = std::fs::canonicalize(module).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::config(
                "key.module",
                format!("PKCS#11 module {} does not exist", module.display()),
            )
        } else {
            Error::io(format!("finding PKCS#11 module {}", module.display()), e)
        }
    })?;
    let mut contexts = CONTEXTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = contexts.get(&canonical) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(&canonical)
        .map_err(|e| Error::KeyStore(format!("cannot load PKCS#11 module {}: {e}", module.display())))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(Error::KeyStore(format!(
                "PKCS#11 module {} did not start (C_Initialize: {}); check its configuration (for SoftHSM2: SOFTHSM2_CONF and its tokendir)",
                module.display(),
                short(&e)
            )));
        }
    }
    contexts.insert(canonical, context.clone());
    Ok(context)
}

/// The slot whose initialized token carries `label`.
fn find_slot(context: &Pkcs11, module: &Path, label: &str) -> Result<Slot, Error> {
    let slots = context
        .get_slots_with_initialized_token()
        .map_err(|e| ck("C_GetSlotList", &e))?;
    let mut labels = Vec::new();
    let mut found = Vec::new();
    for slot in slots {
        let info = context.get_token_info(slot).map_err(|e| ck("C_GetTokenInfo", &e))?;
        let token_label = info.label().trim_end().to_owned();
        if token_label == label {
            found.push(slot);
        }
        labels.push(format!("'{token_label}'"));
    }
    match found.as_slice() {
        [slot] => Ok(*slot),
        [] => Err(Error::KeyStore(format!(
            "no PKCS#11 token labelled '{label}' in module {}; tokens found: {}",
            module.display(),
            if labels.is_empty() {
                "none (initialize one first, e.g. with softhsm2-util --init-token)".to_owned()
            } else {
                labels.join(", ")
            }
        ))),
        _ => Err(Error::KeyStore(format!(
            "{} PKCS#11 tokens are labelled '{label}' in module {}; relabel all but one",
            found.len(),
            module.display()
        ))),
    }
}

/// Logs the session in as the user. A token this process is already logged in to (login
/// state is shared by all of an application's sessions) needs no second login.
fn login(session: &Session, pin: &str, pin_env: &str, token_label: &str) -> Result<(), Error> {
    let auth = AuthPin::from(pin);
    match session.login(UserType::User, Some(&auth)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => Err(Error::KeyStore(format!(
            "PKCS#11 C_Login: the PIN in {pin_env} is not the user PIN of token '{token_label}'"
        ))),
        Err(CkError::Pkcs11(RvError::PinInvalid | RvError::PinLenRange, _)) => Err(Error::KeyStore(format!(
            "PKCS#11 C_Login: the PIN in {pin_env} has a length or characters token '{token_label}' does not accept"
        ))),
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(Error::KeyStore(format!(
            "PKCS#11 C_Login: the user PIN of token '{token_label}' is locked; the security officer must reset it"
        ))),
        Err(CkError::Pkcs11(RvError::PinExpired, _)) => Err(Error::KeyStore(format!(
            "PKCS#11 C_Login: the user PIN of token '{token_label}' has expired; change it first"
        ))),
        Err(CkError::Pkcs11(RvError::UserPinNotInitialized, _)) => Err(Error::KeyStore(format!(
            "PKCS#11 C_Login: token '{token_label}' has no user PIN yet; initialize it first"
        ))),
        Err(e) => Err(ck("C_Login", &e)),
    }
}

/// Finds the one EC private key labelled `label`, if any.
fn find_private(session: &Session, label: &str) -> Result<Option<ObjectHandle>, Error> {
    find_one(
        session,
        &[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(CkKeyType::EC),
            Attribute::Label(label.as_bytes().to_vec()),
        ],
        || format!("EC private keys labelled '{label}'"),
    )
}

/// The one object matching `template`; several are an error (which one would we use?).
fn find_one(
    session: &Session,
    template: &[Attribute],
    what: impl FnOnce() -> String,
) -> Result<Option<ObjectHandle>, Error> {
    let found = session.find_objects(template).map_err(|e| ck("C_FindObjects", &e))?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(Error::KeyStore(format!(
            "the PKCS#11 token holds {} {}; delete or relabel the extra ones",
            many.len(),
            what()
        ))),
    }
}

/// Refuses a private key that is not on P-256 (the only curve used with a token).
fn check_p256(session: &Session, private: ObjectHandle, spec: &TokenKey<'_>) -> Result<(), Error> {
    let attributes = session
        .get_attributes(private, &[AttributeType::EcParams])
        .map_err(|e| ck("C_GetAttributeValue", &e))?;
    let params = attributes.into_iter().find_map(|a| match a {
        Attribute::EcParams(params) => Some(params),
        _ => None,
    });
    match params {
        Some(params) if params != P256_PARAMS => Err(Error::KeyStore(format!(
            "key '{}' on PKCS#11 token '{}' is not a P-256 key; only ES256 is supported with PKCS#11",
            spec.key_label, spec.token_label
        ))),
        // Absent: the public key's point will tell.
        _ => Ok(()),
    }
}

/// Generates a P-256 pair on the token: token objects, the private half sensitive and not
/// extractable, both labelled `label` and sharing a random `CKA_ID`.
fn generate(session: &Session, label: &str) -> Result<(ObjectHandle, ObjectHandle), Error> {
    let mut id = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut id)
        .map_err(|_| Error::KeyStore("random number generator failed".to_owned()))?;
    let public = [
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::EcParams(P256_PARAMS.to_vec()),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
    ];
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
    ];
    session
        .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
        .map_err(|e| ck("C_GenerateKeyPair", &e))
}

/// The public key of `private`: the EC public key with the same label, else the one with the
/// same `CKA_ID`.
fn public_key(session: &Session, private: ObjectHandle, spec: &TokenKey<'_>) -> Result<VerifyingKey, Error> {
    let by_label = find_one(
        session,
        &[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(CkKeyType::EC),
            Attribute::Label(spec.key_label.as_bytes().to_vec()),
        ],
        || format!("EC public keys labelled '{}'", spec.key_label),
    )?;
    let public = match by_label {
        Some(public) => Some(public),
        None => {
            let attributes = session
                .get_attributes(private, &[AttributeType::Id])
                .map_err(|e| ck("C_GetAttributeValue", &e))?;
            match attributes.into_iter().find_map(|a| match a {
                Attribute::Id(id) if !id.is_empty() => Some(id),
                _ => None,
            }) {
                Some(id) => find_one(
                    session,
                    &[
                        Attribute::Class(ObjectClass::PUBLIC_KEY),
                        Attribute::KeyType(CkKeyType::EC),
                        Attribute::Id(id),
                    ],
                    || format!("EC public keys with the ID of key '{}'", spec.key_label),
                )?,
                None => None,
            }
        }
    };
    let public = public.ok_or_else(|| {
        Error::KeyStore(format!(
            "PKCS#11 token '{}' holds private key '{}' but no public key with its label or ID",
            spec.token_label, spec.key_label
        ))
    })?;
    read_point(session, public, spec)
}

/// Reads `CKA_EC_POINT` of a public key into a P-256 [`VerifyingKey`].
fn read_point(session: &Session, public: ObjectHandle, spec: &TokenKey<'_>) -> Result<VerifyingKey, Error> {
    let attributes = session
        .get_attributes(public, &[AttributeType::EcPoint])
        .map_err(|e| ck("C_GetAttributeValue", &e))?;
    let point = attributes
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(point) => Some(point),
            _ => None,
        })
        .ok_or_else(|| {
            Error::KeyStore(format!(
                "the public key of '{}' on PKCS#11 token '{}' has no CKA_EC_POINT",
                spec.key_label, spec.token_label
            ))
        })?;
    decode_point(&point).ok_or_else(|| {
        Error::KeyStore(format!(
            "the public key of '{}' on PKCS#11 token '{}' is not a P-256 point",
            spec.key_label, spec.token_label
        ))
    })
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the SEC1 point (some tokens give the bare
/// point): tries the unwrapped contents first, then the bytes as they are.
fn decode_point(value: &[u8]) -> Option<VerifyingKey> {
    let wrapped = match value {
        [0x04, len, rest @ ..] if *len < 0x80 && usize::from(*len) == rest.len() => Some(rest),
        [0x04, 0x81, len, rest @ ..] if usize::from(*len) == rest.len() => Some(rest),
        _ => None,
    };
    wrapped
        .and_then(|point| VerifyingKey::from_bytes(KeyType::P256, point).ok())
        .or_else(|| VerifyingKey::from_bytes(KeyType::P256, value).ok())
}

/// A PKCS#11 failure as a key-store error naming the function (never a PIN or key).
fn ck(function: &str, e: &CkError) -> Error {
    Error::KeyStore(format!("PKCS#11 {function} failed: {}", short(e)))
}

/// The return value's name and the standard's sentence for it, or cryptoki's message.
fn short(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, _) => format!("{rv:?}: {rv}"),
        other => other.to_string(),
    }
}
