//! The door verifier: a guard's tablet or a door controller deciding from a policy and a
//! signed trust bundle.

use std::sync::Arc;

use did_core::clock::SystemClock;
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
use registry_anchor::resolution::parse_registry_key;
use verifier::bundle::{LoadedBundle, TrustBundle};
use verifier::decision::{Decision, Engine, OfflineTrust};
use verifier::policy::Policy;
use verifier::qr::{DoorChallenge, PRESENTATION_PREFIX, decode_presentation};

use crate::error::{guard, guard_async};
use crate::{DojangError, RegistryConfig};

/// How a door verifier decides.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct DoorConfig {
    /// The did:dojang registry the trust bundle's did:dojang answers are checked against
    /// (required when the bundle carries any), and asked online.
    #[uniffi(default = None)]
    pub registry: Option<RegistryConfig>,
    /// Ask the network first (DIDs, status lists), falling back to the trust bundle when it
    /// is down. When `false` the door decides from the trust bundle alone.
    #[uniffi(default = false)]
    pub online: bool,
    /// The certificate authorities HTTPS servers must chain to when online (DER
    /// certificates), instead of the platform's verifier; required on Android for an online
    /// door (see `WalletConfig.trust_anchors`).
    #[uniffi(default = [])]
    pub trust_anchors: Vec<Vec<u8>>,
}

/// A door's challenge: made by `DoorVerifier.challenge` to show as a QR code, or read from
/// one with `read_door_challenge`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Challenge {
    /// The single-use nonce.
    pub nonce: String,
    /// The audience the presentation must name (the policy's).
    pub audience: String,
    /// The QR code text (`DJN1:…`); render it with `qr_svg`.
    pub qr_text: String,
}

/// Why a door decided as it did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DecisionReason {
    /// The stable code, e.g. `ALLOWED`, `REVOKED`, `DISCLOSURE_INVALID`.
    pub code: String,
    /// English text for the screen.
    pub en: String,
    /// Korean text for the screen.
    pub ko: String,
    /// What exactly failed, for the operator (never a claim value).
    pub detail: Option<String>,
}

/// A door's decision. `disclosed_json` holds the holder's personal data: do not log it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoorDecision {
    /// Whether the door opens.
    pub allowed: bool,
    /// `ALLOWED` alone when allowed; otherwise every reason found, the most decisive first.
    pub reasons: Vec<DecisionReason>,
    /// The credential type, once known.
    pub credential_type: Option<String>,
    /// The issuer, once known.
    pub issuer: Option<String>,
    /// The claims the holder disclosed, as a JSON object (only when they verified).
    pub disclosed_json: Option<String>,
    /// Whether the decision used a trust bundle past its expiry.
    pub stale_bundle: bool,
}

impl From<Decision> for DoorDecision {
    fn from(decision: Decision) -> DoorDecision {
        DoorDecision {
            allowed: decision.allowed(),
            reasons: decision
                .reasons()
                .iter()
                .map(|r| DecisionReason {
                    code: r.code.code().to_owned(),
                    en: r.en.to_owned(),
                    ko: r.ko.to_owned(),
                    detail: r.detail.clone(),
                })
                .collect(),
            credential_type: decision.credential_type().map(str::to_owned),
            issuer: decision.issuer().map(str::to_owned),
            stale_bundle: decision.stale_bundle(),
            disclosed_json: decision.into_disclosed().map(|claims| claims.to_string()),
        }
    }
}

/// A door verifier: a policy, a trust bundle, and the nonces it issued.
#[derive(uniffi::Object)]
pub struct DoorVerifier {
    engine: Engine,
    policy: Policy,
    bundle: LoadedBundle,
}

impl std::fmt::Debug for DoorVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoorVerifier")
            .field("door", &self.policy.door)
            .finish_non_exhaustive()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl DoorVerifier {
    /// A door deciding by `policy` (TOML, or JSON if it starts with `{`; the format of
    /// `verifier serve --policy`) from `trust_bundle` (a signed bundle from
    /// `verifier bundle build`), which must verify with `operator_key` (the bundle
    /// operator's public key: did:key, Multikey or JWK).
    #[uniffi::constructor]
    pub fn new(
        policy: String,
        trust_bundle: String,
        operator_key: String,
        config: DoorConfig,
    ) -> Result<Arc<DoorVerifier>, DojangError> {
        guard(|| {
            let policy = if policy.trim_start().starts_with('{') {
                Policy::from_json(&policy)?
            } else {
                Policy::from_toml(&policy)?
            };
            let operator = parse_registry_key(operator_key.trim())
                .map_err(|e| DojangError::invalid("verifier.operator_key", e.to_string()))?;
            let registry_verifier = config.registry.as_ref().map(RegistryConfig::verifier).transpose()?;
            let bundle = TrustBundle::load(trust_bundle.trim().as_bytes(), &operator, registry_verifier.as_ref())?;
            let offline = OfflineTrust::from_bundle(&bundle);
            let engine = if config.online {
                let anchors = crate::http::trust_anchors(&config.trust_anchors)?;
                let network = |e: &dyn std::fmt::Display| DojangError::unavailable("network", e.to_string());
                let mut resolver =
                    CompositeResolver::with_default_methods_trusting(&anchors).map_err(|e| network(&e))?;
                if let Some(registry) = &config.registry {
                    resolver = resolver.with("dojang", Arc::new(registry.resolver(&anchors)?));
                }
                let status = HttpStatusListSource::trusting(&anchors).map_err(|e| network(&e))?;
                Engine::online(Arc::new(resolver), Arc::new(status)).with_offline(offline)
            } else {
                Engine::offline(offline)
            };
            Ok(Arc::new(DoorVerifier { engine, policy, bundle }))
        })
    }

    /// A fresh challenge: show its QR code; the holder's answer must carry its nonce, which
    /// can be used once, within the policy's `nonce_ttl_seconds`.
    pub fn challenge(&self) -> Result<Challenge, DojangError> {
        guard(|| {
            let nonce = self.engine.issue_nonce(&self.policy, &SystemClock);
            let challenge = DoorChallenge::new(nonce, self.policy.audience.clone());
            Ok(Challenge {
                qr_text: challenge.to_qr_text(),
                nonce: challenge.nonce,
                audience: challenge.audience,
            })
        })
    }

    /// Decides on a presentation: the holder's QR code text (`DJ1:…`) or a presentation
    /// itself (an SD-JWT VC with its key-binding JWT, a VC-JWT, a VP). A checked outcome, allow
    /// or deny, is a `DoorDecision`; `Unavailable` (`verifier.unavailable`) means the door
    /// could not check (a DID or status list unreachable and not in the bundle).
    pub async fn verify(&self, presentation: String) -> Result<DoorDecision, DojangError> {
        guard_async(async {
            let text = presentation.trim();
            let decoded;
            let input = if text.starts_with(PRESENTATION_PREFIX) {
                decoded = decode_presentation(text)?;
                decoded.trim()
            } else {
                text
            };
            let decision = self.engine.verify(input, &self.policy, &SystemClock).await?;
            Ok(decision.into())
        })
        .await
    }

    /// When the trust bundle expires (Unix seconds); reload a fresh one before then.
    pub fn bundle_expires_at(&self) -> i64 {
        self.bundle
            .expires_at()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or_default()
    }
}
