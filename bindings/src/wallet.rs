//! The holder's wallet: a key, a DID, the credentials received, and presentations made
//! from them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::SystemClock;
use did_core::did::{Did, DidUrl};
use did_core::document::Relationship;
use did_core::http::TrustAnchors;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver, ResolutionOptions, Resolver};
use did_core::sd_jwt::{Confirmation, KeyBinding, SdJwt, VerifyOptions};
use rand_core::{OsRng, RngCore as _};
use registry_anchor::client::NodeApi;
use registry_anchor::operation::{self, KeyCommitment};
use serde_json::{Map, Value};
use verifier::oid4vp::request::AuthorizationRequest;
use verifier::oid4vp::response::VpToken;
use verifier::qr::DoorChallenge;
use zeroize::Zeroizing;

use crate::credential::{Credential, Record};
use crate::error::{guard, guard_async};
use crate::keys::{ForeignSigner, HolderKey, PlatformSigner, software_key_from_jwk};
use crate::presentation::{self, PresentationRequest};
use crate::store::{CredentialStore, memory_store, storage_error};
use crate::{DojangError, RegistryConfig, http, oid4vci};

/// How a wallet reaches the outside world.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct WalletConfig {
    /// The did:dojang registry: to register the holder's DID and to resolve did:dojang
    /// issuers (every answer's proofs checked against its operator key).
    #[uniffi(default = None)]
    pub registry: Option<RegistryConfig>,
    /// Allows plain `http` to loopback addresses (a developer's local issuer or door). Never
    /// set it in a production app.
    #[uniffi(default = false)]
    pub allow_loopback_http: bool,
    /// The certificate authorities HTTPS servers must chain to (DER certificates), instead of
    /// the platform's verifier. **Required on Android**: pass the system store's certificates
    /// (`KeyStore.getInstance("AndroidCAStore")`, see bindings/README.md); elsewhere empty
    /// means the operating system's trust store. Also for a closed deployment's own CA.
    #[uniffi(default = [])]
    pub trust_anchors: Vec<Vec<u8>>,
}

/// A DID registered in the did:dojang registry, and the key that controls it.
///
/// An object, so that the key never shows up in a generated `toString`/`description`. The
/// string `update_key_jwk` returns is a copy: store it at once and drop it.
#[derive(uniffi::Object)]
pub struct DidRegistration {
    did: String,
    update_key_jwk: Zeroizing<String>,
}

impl std::fmt::Debug for DidRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DidRegistration")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl DidRegistration {
    /// The new DID (`did:dojang:…`); its document lists the wallet's holder key.
    pub fn did(&self) -> String {
        self.did.clone()
    }

    /// The private JWK of the key that must sign the DID's next update (a key rotation after
    /// a lost phone, or a deactivation): the DID's creation committed to its hash
    /// (pre-rotation). Keep it in the platform's secure storage, or better off the phone:
    /// without it the DID can never be changed.
    pub fn update_key_jwk(&self) -> String {
        self.update_key_jwk.as_str().to_owned()
    }
}

/// What a credential offer says, before it is redeemed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CredentialOffer {
    /// The issuer's URL (`credential_issuer`).
    pub issuer_url: String,
    /// The credential configuration offered (e.g. `EmployeeIdCredential`).
    pub configuration_id: String,
    /// Whether the PIN given with the offer must be entered.
    pub pin_required: bool,
    /// How many characters the PIN has, if the issuer said.
    pub pin_length: Option<u64>,
}

/// A holder's wallet.
///
/// Holds one key (software, or the platform's through a `PlatformSigner`), keeps
/// credentials in the app's `CredentialStore`, receives credentials over OpenID4VCI and
/// presents them with selective disclosure over OpenID4VP or a door's QR codes.
#[derive(uniffi::Object)]
pub struct Wallet {
    key: HolderKey,
    /// The DID key (a DID URL listing `key`) credentials are bound to, once the wallet has a
    /// DID: set by `register_did_dojang` or `use_did`.
    did_key: Mutex<Option<String>>,
    store: Arc<dyn CredentialStore>,
    resolver: Arc<dyn Resolver>,
    config: WalletConfig,
    http: reqwest::Client,
    /// What HTTPS servers must chain to (from `config.trust_anchors`).
    anchors: TrustAnchors,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    fn build(
        key: HolderKey,
        store: Option<Arc<dyn CredentialStore>>,
        config: WalletConfig,
    ) -> Result<Arc<Wallet>, DojangError> {
        let anchors = http::trust_anchors(&config.trust_anchors)?;
        let network = |e: &dyn std::fmt::Display| DojangError::unavailable("network", e.to_string());
        let mut resolver = CompositeResolver::with_default_methods_trusting(&anchors).map_err(|e| network(&e))?;
        if let Some(registry) = &config.registry {
            resolver = resolver.with("dojang", Arc::new(registry.resolver(&anchors)?));
        }
        let builder = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none());
        let http = anchors
            .configure(builder)
            .build()
            .map_err(|e| DojangError::unavailable("network", e.to_string()))?;
        Ok(Arc::new(Wallet {
            key,
            did_key: Mutex::new(None),
            store: store.unwrap_or_else(memory_store),
            resolver: Arc::new(resolver),
            config,
            http,
            anchors,
        }))
    }

    fn did_key_now(&self) -> Option<String> {
        // Only ever replaced whole: a panic elsewhere cannot leave it half-written.
        self.did_key.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_did_key(&self, did_key: String) {
        *self.did_key.lock().unwrap_or_else(PoisonError::into_inner) = Some(did_key);
    }

    /// Checks a received or restored credential, stores it under a fresh ID and returns it.
    async fn keep(&self, mut record: Record, vct: Option<&str>) -> Result<Credential, DojangError> {
        // Parsed once: verified, then asked which claims the holder may withhold.
        let parsed = SdJwt::parse(&record.sd_jwt)?;
        record.claims = self.check_received(&parsed, vct).await?;
        record.disclosable = parsed.disclosable_pointers()?;
        record.id = new_id();
        self.store
            .put(record.id.clone(), record.to_json()?)
            .map_err(storage_error)?;
        Ok(record.view())
    }

    fn record(&self, id: &str) -> Result<Record, DojangError> {
        let text = self
            .store
            .get(id.to_owned())
            .map_err(storage_error)?
            .ok_or_else(|| DojangError::NotFound {
                code: "credential.not_found".into(),
                detail: crate::http::truncated(id),
            })?;
        Record::from_json(&text)
    }

    /// The SD-JWT+KB of `record` disclosing `disclose`, bound to `audience`/`nonce`.
    async fn bound_presentation(
        &self,
        record: &Record,
        audience: &str,
        nonce: &str,
        disclose: &[String],
    ) -> Result<String, DojangError> {
        let selected = SdJwt::parse(&record.sd_jwt)?.select(disclose)?;
        let binding = KeyBinding::new(audience, nonce, SystemTime::now());
        let signer = self.key.signer();
        let presentation = selected
            .bind_with_signer(&binding, signer.as_ref())
            .await
            .map_err(|e| self.key.explain(e))?;
        Ok(presentation)
    }

    /// Verifies a credential just received and checks it is bound to the holder key; returns
    /// its processed claims.
    async fn check_received(&self, sd_jwt: &SdJwt, vct: Option<&str>) -> Result<Map<String, Value>, DojangError> {
        let claims = sd_jwt
            .verify_with_resolver(self.resolver.as_ref(), &VerifyOptions::sd_jwt_vc(), &SystemClock)
            .await?
            .claims;
        let bound = match Confirmation::from_claims(&claims) {
            Ok(Some(Confirmation::Key(key))) => &key == self.key.verifying_key(),
            Ok(Some(Confirmation::DidUrl(did_key))) => self.did_key_now().as_deref() == Some(did_key.as_str()),
            _ => false,
        };
        if !bound {
            return Err(DojangError::invalid(
                "oid4vci.not_bound",
                "the credential is not bound to this wallet's key or DID",
            ));
        }
        if let Some(vct) = vct
            && claims.get("vct").and_then(Value::as_str) != Some(vct)
        {
            return Err(DojangError::invalid(
                "oid4vci.wrong_type",
                "the credential's vct is not the one the issuer's metadata promised",
            ));
        }
        Ok(claims)
    }
}

/// A fresh random credential ID.
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    format!("cred-{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[uniffi::export(async_runtime = "tokio")]
impl Wallet {
    /// A wallet with a new software P-256 key, keeping credentials in `store` (in memory when
    /// null/nil). Save `Wallet.export_private_jwk` to restore it with
    /// `Wallet.import_key`.
    #[uniffi::constructor]
    pub fn create(store: Option<Arc<dyn CredentialStore>>, config: WalletConfig) -> Result<Arc<Wallet>, DojangError> {
        guard(|| {
            let key = SigningKey::generate(KeyType::P256).map_err(|e| DojangError::invalid("key", e.to_string()))?;
            Wallet::build(HolderKey::Software(Arc::new(key)), store, config)
        })
    }

    /// A wallet with an existing software key (a private JWK: P-256, P-384 or Ed25519).
    #[uniffi::constructor]
    pub fn import_key(
        private_jwk: String,
        store: Option<Arc<dyn CredentialStore>>,
        config: WalletConfig,
    ) -> Result<Arc<Wallet>, DojangError> {
        guard(|| {
            let key = software_key_from_jwk(&private_jwk)?;
            Wallet::build(HolderKey::Software(Arc::new(key)), store, config)
        })
    }

    /// A wallet whose key the platform holds (Android Keystore, iOS Secure Enclave): Dojang
    /// asks `signer` for every signature and checks each against its public key.
    #[uniffi::constructor]
    pub fn with_signer(
        signer: Arc<dyn PlatformSigner>,
        store: Option<Arc<dyn CredentialStore>>,
        config: WalletConfig,
    ) -> Result<Arc<Wallet>, DojangError> {
        guard(|| {
            let signer = ForeignSigner::new(signer)?;
            Wallet::build(HolderKey::Platform(Arc::new(signer)), store, config)
        })
    }

    /// The software key's private JWK, to keep in the platform's secure storage. Fails with
    /// `key.not_exportable` for a platform key.
    pub fn export_private_jwk(&self) -> Result<String, DojangError> {
        guard(|| self.key.private_jwk().map(|jwk| jwk.as_str().to_owned()))
    }

    /// The holder's public key as a JWK (what credentials are bound to).
    pub fn public_jwk(&self) -> Result<String, DojangError> {
        guard(|| {
            serde_json::to_string(&self.key.verifying_key().to_jwk())
                .map_err(|e| DojangError::invalid("key", e.to_string()))
        })
    }

    /// The holder's `did:key` DID (the key's own DID; a registered did:dojang DID is the
    /// app's to keep, from `DidRegistration.did`).
    pub fn did_key(&self) -> Result<String, DojangError> {
        guard(|| {
            KeyResolver::did_for(self.key.verifying_key())
                .map(|did| did.to_string())
                .map_err(|e| DojangError::invalid("did", e.to_string()))
        })
    }

    /// Registers a new did:dojang DID whose document lists the holder key, in the registry
    /// of the wallet's `WalletConfig`. The registry node must accept the operation. From
    /// then on the wallet uses the DID (see `Wallet.use_did`): new credentials are bound to
    /// its key `#key-1`, so the issuer must be able to resolve the DID.
    pub async fn register_did_dojang(&self) -> Result<Arc<DidRegistration>, DojangError> {
        guard_async(async {
            let registry = self.config.registry.as_ref().ok_or_else(|| {
                DojangError::invalid("registry.not_configured", "the wallet has no registry configured")
            })?;
            let key = |what: &str| {
                SigningKey::generate(KeyType::P256).map_err(|e| DojangError::invalid("key", format!("{what}: {e}")))
            };
            // The creation is signed by a one-time key; the next operation must be signed by
            // the key committed to here, which is what the app keeps.
            let create_key = key("creation key")?;
            let next = key("update key")?;
            let create = operation::create(
                &create_key,
                KeyCommitment::of(next.verifying_key()),
                operation::key_document(self.key.verifying_key()),
            )
            .map_err(|e| DojangError::invalid(format!("registry.{}", e.code().to_ascii_lowercase()), e.to_string()))?;
            http::check_url(&registry.url, self.config.allow_loopback_http, "registry url")?;
            let api = NodeApi::trusting(&registry.url, &self.anchors).map_err(registry_error)?;
            api.post_json("/operations", "application/jose", create.as_str().to_owned())
                .await
                .map_err(registry_error)?;
            let update_key_jwk = serde_json::to_string(&next.to_jwk())
                .map(Zeroizing::new)
                .map_err(|e| DojangError::invalid("key", e.to_string()))?;
            let did = create.did().to_string();
            // The document lists the holder key as #key-1 (operation::key_document).
            self.set_did_key(format!("{did}#key-1"));
            Ok(Arc::new(DidRegistration { did, update_key_jwk }))
        })
        .await
    }

    /// Reads a credential offer (the link or QR code text) without redeeming it: who offers
    /// what, and whether a PIN is needed, so the app can ask for it first.
    pub async fn read_offer(&self, offer: String) -> Result<CredentialOffer, DojangError> {
        guard_async(async {
            let client = oid4vci::Client {
                http: &self.http,
                allow_loopback_http: self.config.allow_loopback_http,
            };
            let offer = client.offer(&offer).await?;
            Ok(CredentialOffer {
                issuer_url: offer.issuer,
                configuration_id: offer.configuration_id,
                pin_required: offer.pin.is_some(),
                pin_length: offer.pin.flatten(),
            })
        })
        .await
    }

    /// Receives a credential from an OpenID4VCI credential offer (the link or QR code text,
    /// `openid-credential-offer://…`) with the pre-authorized code flow, `pin` being the
    /// transaction code the issuer gave separately (null/nil if the offer needs none; see `Wallet.read_offer`).
    ///
    /// The credential is verified (issuer signature through its DID, disclosures, validity)
    /// and must be bound to the wallet's key; then it is stored and returned.
    pub async fn receive_credential(&self, offer: String, pin: Option<String>) -> Result<Credential, DojangError> {
        guard_async(async {
            let client = oid4vci::Client {
                http: &self.http,
                allow_loopback_http: self.config.allow_loopback_http,
            };
            let offer = client.offer(&offer).await?;
            let endpoints = client.endpoints(&offer).await?;
            let token = client.access_token(&offer, &endpoints, pin.as_deref()).await?;
            let signer = self.key.signer();
            let did_key = self.did_key_now();
            let sd_jwt = client
                .credential(&offer, &endpoints, &token, signer.as_ref(), did_key.as_deref())
                .await
                .map_err(|e| self.key.explain(e))?;
            let record = Record {
                version: 1,
                id: String::new(),
                configuration_id: offer.configuration_id,
                display_name: endpoints.display_name,
                issuer_url: offer.issuer,
                disclosable: Vec::new(),
                sd_jwt,
                claims: Map::new(),
            };
            self.keep(record, endpoints.vct.as_deref()).await
        })
        .await
    }

    /// The credential `credential_id` as a backup: text to keep off the phone (it holds the
    /// credential's every claim, but presenting it takes the holder's key). Restore it with
    /// `Wallet.import_credential`.
    pub fn export_credential(&self, credential_id: String) -> Result<String, DojangError> {
        guard(|| self.record(&credential_id)?.to_json())
    }

    /// Restores a credential from `Wallet.export_credential`'s text, typically on a new phone
    /// after the DID it is bound to was rotated to this wallet's key (`Wallet.use_did`). It
    /// is verified again and must be bound to this wallet's key or DID key; it gets a new ID.
    pub async fn import_credential(&self, exported: String) -> Result<Credential, DojangError> {
        guard_async(async {
            let record = Record::from_json(&exported).map_err(|_| {
                DojangError::invalid(
                    "credential.not_an_export",
                    "not a credential exported by a Dojang wallet",
                )
            })?;
            self.keep(record, None).await
        })
        .await
    }

    /// The DID key (a DID URL) new credentials are bound to, if the wallet uses a DID.
    pub fn holder_did_key(&self) -> Option<String> {
        self.did_key_now()
    }

    /// Uses `did` as the holder's DID from now on: credentials are requested bound to its
    /// key (`cnf.kid`), not to the bare key (`cnf.jwk`), so that they survive a rotation of
    /// the DID to a new phone's key. The DID must list this wallet's key for
    /// `authentication` (after a lost phone: once the DID has been rotated to this key).
    /// Returns the DID URL of that key.
    pub async fn use_did(&self, did: String) -> Result<String, DojangError> {
        guard_async(async {
            let parsed = Did::parse(did.trim()).map_err(|e| DojangError::invalid("did", e.to_string()))?;
            // Fresh, not cached: this is typically asked right after a rotation.
            let options = ResolutionOptions::default().with_no_cache();
            let resolution = self
                .resolver
                .resolve(&parsed, &options)
                .await
                .map_err(|e| DojangError::unavailable("did.unresolvable", e.to_string()))?;
            let ours = resolution
                .document
                .methods_for(Relationship::Authentication)
                .filter_map(Result::ok)
                .find(|method| method.verifying_key().is_ok_and(|key| &key == self.key.verifying_key()));
            if let Some(method) = ours {
                let url = match method.id.strip_prefix('#') {
                    Some(_) => DidUrl::resolve_relative(&parsed, &method.id),
                    None => DidUrl::parse(&method.id),
                }
                .map_err(|e| DojangError::invalid("did", e.to_string()))?;
                let did_key = url.to_string();
                self.set_did_key(did_key.clone());
                return Ok(did_key);
            }
            Err(DojangError::invalid(
                "did.key_not_listed",
                "the DID does not list this wallet's key for authentication",
            ))
        })
        .await
    }

    /// Every credential held.
    pub fn credentials(&self) -> Result<Vec<Credential>, DojangError> {
        guard(|| {
            let ids = self.store.ids().map_err(storage_error)?;
            ids.iter().map(|id| self.record(id).map(|r| r.view())).collect()
        })
    }

    /// The credential `credential_id`.
    pub fn credential(&self, credential_id: String) -> Result<Credential, DojangError> {
        guard(|| self.record(&credential_id).map(|r| r.view()))
    }

    /// Deletes the credential `credential_id`.
    pub fn delete_credential(&self, credential_id: String) -> Result<(), DojangError> {
        guard(|| {
            // Only its presence is checked: a record that no longer reads can still be deleted.
            if self.store.get(credential_id.clone()).map_err(storage_error)?.is_none() {
                return Err(DojangError::NotFound {
                    code: "credential.not_found".into(),
                    detail: crate::http::truncated(&credential_id),
                });
            }
            self.store.remove(credential_id).map_err(storage_error)
        })
    }

    /// A presentation of credential `credential_id` (SD-JWT VC with a key-binding JWT)
    /// disclosing only the claims at `disclose` (JSON pointers from `Credential.disclosable`),
    /// for the verifier `audience` and its `nonce`.
    pub async fn present(
        &self,
        credential_id: String,
        audience: String,
        nonce: String,
        disclose: Vec<String>,
    ) -> Result<String, DojangError> {
        guard_async(async {
            let record = self.record(&credential_id)?;
            self.bound_presentation(&record, &audience, &nonce, &disclose).await
        })
        .await
    }

    /// Answers a door's challenge QR code text (`DJN1:…`, from `DoorVerifier.challenge` or a
    /// kiosk) with the text of the QR code to show it (`DJ1:…`): credential `credential_id`
    /// disclosing only `disclose`. Render it with `qr_svg`.
    pub async fn door_presentation(
        &self,
        credential_id: String,
        challenge: String,
        disclose: Vec<String>,
    ) -> Result<String, DojangError> {
        guard_async(async {
            let challenge = DoorChallenge::parse(challenge.trim())?;
            let record = self.record(&credential_id)?;
            let presentation = self
                .bound_presentation(&record, &challenge.audience, &challenge.nonce, &disclose)
                .await?;
            Ok(verifier::qr::encode_presentation(&presentation)?)
        })
        .await
    }

    /// Reads an OpenID4VP request link (`openid4vp://…`, by value or by reference), for the
    /// app to show the holder who asks for what.
    pub async fn read_request(&self, link: String) -> Result<PresentationRequest, DojangError> {
        guard_async(async {
            let request = presentation::read_request(&self.http, &link, self.config.allow_loopback_http).await?;
            Ok(presentation::view(&request))
        })
        .await
    }

    /// Answers `request` (from `Wallet.read_request`) with credential `credential_id`,
    /// disclosing only `disclose`, and posts the response to the verifier. A pointer whose
    /// last segment is `*` (a request asking for every element of an array) discloses the
    /// whole array. Returns where the verifier asks the app to go next, if anywhere.
    pub async fn respond(
        &self,
        credential_id: String,
        request: PresentationRequest,
        disclose: Vec<String>,
    ) -> Result<Option<String>, DojangError> {
        guard_async(async {
            let request = AuthorizationRequest::from_json(&request.request_json)?;
            let record = self.record(&credential_id)?;
            let vct = record.claims.get("vct").and_then(Value::as_str).unwrap_or_default();
            let query = presentation::query_for(&request, vct).ok_or_else(|| {
                DojangError::invalid(
                    "oid4vp.no_matching_query",
                    "the request does not ask for a credential of this type",
                )
            })?;
            let disclose: Vec<String> = disclose
                .iter()
                .map(|p| p.strip_suffix("/*").unwrap_or(p).to_owned())
                .collect();
            let presented = self
                .bound_presentation(&record, &request.client_id, &request.nonce, &disclose)
                .await?;
            let mut token = VpToken::new();
            token.push(query.id.clone(), Value::String(presented));
            let body = verifier::oid4vp::wallet::direct_post_body(&token, request.state.as_deref());
            let url = http::check_url(&request.response_uri, self.config.allow_loopback_http, "response_uri")?;
            let answer = http::json(
                self.http
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
                "verifier",
            )
            .await?;
            Ok(answer.get("redirect_uri").and_then(Value::as_str).map(str::to_owned))
        })
        .await
    }
}

fn registry_error(error: registry_anchor::client::NodeApiError) -> DojangError {
    use registry_anchor::client::NodeApiError as E;
    match error {
        E::Unreachable(why) => DojangError::unavailable("network", why),
        E::Refused { status, code, detail } => DojangError::Refused {
            code: format!("registry.{code}"),
            detail: format!("HTTP {status}: {detail}"),
        },
        other => DojangError::invalid("registry", other.to_string()),
    }
}
