//! The decision engine: `verify(presentation_or_credential, &Policy, &Clock)` gives a
//! [`Decision`] (checked: allow or deny, with reasons) or an [`Error`] (could not check).
//!
//! It runs every cryptographic and data-model check through [`crate::verify::Verifier`], then
//! applies the door's [`Policy`]: accepted types and issuers, claim rules, opening hours,
//! holder binding over a nonce this verifier issued (used once), and the freshness of any
//! offline data the decision rested on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use did_core::clock::{Clock, FixedClock};
use did_core::resolve::{CachingResolver, Resolver};
use did_core::status::StatusListSource;
use did_core::vc::jwt::Binding;

use crate::error::Error;
use crate::nonce::NonceStore;
use crate::policy::{Policy, StaleAction, X509Mode};
use crate::reason::{Reason, ReasonCode};
use crate::verify::{StatusCache, Verifier};
use crate::x509::{TrustAnchors, X509Failure};

mod certify;
mod evaluate;
mod outcome;
mod presented;
mod trace;

pub use crate::error::Unavailable;
pub use outcome::Decision;
pub use presented::presented_nonce;

/// Trust data a door holds for when the network is down: what a trust bundle provides.
#[derive(Clone)]
pub struct OfflineTrust {
    /// Answers DID resolution from the bundle.
    pub resolver: Arc<dyn Resolver>,
    /// Answers status lists from the bundle.
    pub status: Arc<dyn StatusListSource>,
    /// When each bundled status list was fetched.
    pub status_fetched_at: HashMap<String, SystemTime>,
    /// Trusted issuer DIDs per credential type.
    pub issuers: HashMap<String, Vec<String>>,
    /// When the bundle expires.
    pub expires_at: SystemTime,
    /// When the bundled registry tree head was signed, if the bundle has one.
    pub registry_signed_at: Option<SystemTime>,
}

impl OfflineTrust {
    /// The offline trust a loaded (signature-checked) trust bundle gives.
    pub fn from_bundle(bundle: &crate::bundle::LoadedBundle) -> OfflineTrust {
        OfflineTrust {
            resolver: bundle.resolver(),
            status: bundle.status_source(),
            status_fetched_at: bundle
                .status_list_urls()
                .filter_map(|url| Some((url.to_owned(), bundle.status_fetched_at(url)?)))
                .collect(),
            issuers: bundle
                .issuers()
                .iter()
                .map(|(credential_type, dids)| (credential_type.clone(), dids.clone()))
                .collect(),
            expires_at: bundle.expires_at(),
            registry_signed_at: bundle
                .tree_head()
                .map(|head| SystemTime::UNIX_EPOCH + Duration::from_millis(head.timestamp_ms)),
        }
    }
}

/// The engine: where keys and status come from, and the nonces this verifier issued.
#[derive(Clone)]
pub struct Engine {
    online: Option<Arc<dyn Resolver>>,
    online_status: Option<Arc<dyn StatusListSource>>,
    offline: Option<OfflineTrust>,
    nonces: Arc<NonceStore>,
    anchors: Option<Arc<TrustAnchors>>,
    status_cache: Arc<StatusCache>,
}

/// How long the engine keeps a resolved DID document or issuer key.
const RESOLUTION_TTL: Duration = Duration::from_secs(300);
/// How many DID documents the engine keeps.
const RESOLUTION_ENTRIES: usize = 10_000;

/// `resolver` behind a cache: a door resolves the same few issuers for every card.
fn cached(resolver: Arc<dyn Resolver>) -> Arc<dyn Resolver> {
    Arc::new(CachingResolver::new(resolver, RESOLUTION_TTL, RESOLUTION_ENTRIES))
}

impl Engine {
    /// An engine resolving DIDs and fetching status lists over the network.
    pub fn online(resolver: Arc<dyn Resolver>, status: Arc<dyn StatusListSource>) -> Engine {
        Engine {
            online: Some(cached(resolver)),
            online_status: Some(status),
            offline: None,
            nonces: Arc::new(NonceStore::default()),
            anchors: None,
            status_cache: Arc::default(),
        }
    }

    /// An engine with no network: everything comes from `offline`.
    pub fn offline(offline: OfflineTrust) -> Engine {
        Engine {
            online: None,
            online_status: None,
            offline: None,
            nonces: Arc::new(NonceStore::default()),
            anchors: None,
            status_cache: Arc::default(),
        }
        .with_offline(offline)
    }

    /// Adds (or replaces) offline trust data, used when the network fails.
    pub fn with_offline(mut self, offline: OfflineTrust) -> Engine {
        self.offline = Some(OfflineTrust {
            resolver: cached(offline.resolver.clone()),
            ..offline
        });
        self
    }

    /// Shares a nonce store (e.g. with the service that hands nonces out).
    pub fn with_nonces(mut self, nonces: Arc<NonceStore>) -> Engine {
        self.nonces = nonces;
        self
    }

    /// Trusts issuers whose signing key chains to one of `roots` (see the policy's `x509`).
    pub fn with_x509_roots(mut self, roots: TrustAnchors) -> Engine {
        self.anchors = Some(Arc::new(roots));
        self
    }

    /// The resolver the engine decides with: the network first (cached), the trust bundle
    /// when the network fails. For the door's DID resolution and VC-API routes.
    pub fn resolver(&self) -> Arc<dyn Resolver> {
        Arc::new(trace::TracingResolver {
            online: self.online.clone(),
            offline: self.offline.as_ref().map(|o| o.resolver.clone()),
            trace: Arc::default(),
        })
    }

    /// Where the engine reads status lists: the network first, the trust bundle's copies when
    /// the network fails.
    pub fn status_source(&self) -> Arc<dyn StatusListSource> {
        Arc::new(trace::TracingStatusSource {
            online: self.online_status.clone(),
            offline: self.offline.as_ref().map(|o| o.status.clone()),
            trace: Arc::default(),
        })
    }

    /// The cache of verified Token Status Lists the engine's decisions share.
    pub fn status_cache(&self) -> Arc<StatusCache> {
        self.status_cache.clone()
    }

    /// The nonce store.
    pub fn nonces(&self) -> &Arc<NonceStore> {
        &self.nonces
    }

    /// Issues a fresh single-use nonce, valid for the policy's `nonce_ttl_seconds`.
    pub fn issue_nonce(&self, policy: &Policy, clock: &dyn Clock) -> String {
        self.nonces.issue(clock.now(), policy.nonce_ttl())
    }

    /// Checks `input` (a credential or presentation in any supported format) against
    /// `policy` at the clock's current time.
    ///
    /// A presentation's nonce must be one this engine issued; it is used up by a presentation
    /// whose holder binding verifies, so the same presentation is refused the second time.
    /// `Err` means the engine could not check (a DID or status list was unreachable and no
    /// usable copy is held); every checked outcome, allow or deny, is a [`Decision`].
    pub async fn verify(&self, input: &str, policy: &Policy, clock: &dyn Clock) -> Result<Decision, Error> {
        self.verify_for(input, policy, clock, &policy.audience).await
    }

    /// [`Engine::verify`] for a presentation addressed to `audience` instead of the policy's
    /// (an OpenID4VP response is addressed to the request's `client_id`).
    pub async fn verify_for(
        &self,
        input: &str,
        policy: &Policy,
        clock: &dyn Clock,
        audience: &str,
    ) -> Result<Decision, Error> {
        let now = clock.now();
        let nonce = presented_nonce(input);
        if let Some(nonce) = &nonce
            && let Err(code) = self.nonces.check(nonce, now)
        {
            return Ok(Decision::deny(vec![Reason::new(code)]));
        }
        let trace = Arc::new(Mutex::new(trace::Trace::default()));
        let resolver: Arc<dyn Resolver> = Arc::new(trace::TracingResolver {
            online: self.online.clone(),
            offline: self.offline.as_ref().map(|o| o.resolver.clone()),
            trace: trace.clone(),
        });
        let verifier = Verifier {
            resolver: resolver.clone(),
            clock: Arc::new(FixedClock::new(now)),
            skew: policy.skew(),
            binding: Binding {
                nonce: nonce.clone(),
                aud: nonce.as_ref().map(|_| audience.to_owned()),
            },
            status_source: Arc::new(trace::TracingStatusSource {
                online: self.online_status.clone(),
                offline: self.offline.as_ref().map(|o| o.status.clone()),
                trace: trace.clone(),
            }),
            status_cache: Some(self.status_cache.clone()),
            unreachable_status: crate::verify::UnreachableStatus::Fail,
            holder_subjects: crate::verify::HolderSubjects::MustBeHolder,
        };
        let mut report = verifier.verify(input).await;
        let x509 = match (&self.anchors, policy.x509) {
            (_, X509Mode::Optional) if !report.verified => None,
            (Some(anchors), _) => certify::certify(input, resolver.as_ref(), anchors, now).await,
            (None, X509Mode::Optional) => None,
            (None, _) => Some(Err(X509Failure::new(
                ReasonCode::X509UnknownRoot,
                "the policy asks for X.509 trust but the door has no roots",
            ))),
        };
        let trace = std::mem::take(&mut *trace.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let unreachable = evaluate::unreachable(&report, &trace);
        if let Some(what) = unreachable {
            return Err(what.into());
        }
        let certified = matches!(x509, Some(Ok(())));
        let bound = nonce.is_some() && evaluate::binding_verified(&report);
        let mut decision = evaluate::decide(&mut report, policy, self.offline.as_ref(), certified, now);
        match x509 {
            // Before `UNTRUSTED_ISSUER`, which it explains.
            Some(Err(failure)) => {
                let at = decision
                    .reasons
                    .iter()
                    .position(|r| r.code == ReasonCode::UntrustedIssuer)
                    .unwrap_or(decision.reasons.len());
                decision.reasons.insert(at, failure.to_reason());
            }
            None if policy.x509 == X509Mode::Required => decision.reasons.push(Reason::new(ReasonCode::X509Missing)),
            _ => {}
        }
        self.apply_freshness(&mut decision, &trace, policy, now);
        let signed = evaluate::signature_verified(&report);
        let leaves_proved = |decision: &Decision| decision.reasons.iter().all(|r| r.code.leaves_holder_proved());
        // The nonce is used up only by a presentation whose holder proof verified over it, of
        // an authentic credential from an issuer the door trusts (allowed, or denied only for
        // the credential's state or the door's rules): a forged or self-issued presentation
        // cannot burn a nonce, and a replay of a good one finds it spent.
        if let Some(nonce) = nonce.as_deref().filter(|_| bound && signed && leaves_proved(&decision))
            && let Err(code) = self.nonces.consume(nonce, now)
        {
            decision.reasons.insert(0, Reason::new(code));
        }
        let binding_failed = decision.reasons.iter().any(|r| evaluate::is_binding_reason(r.code));
        // Missing: no nonce at all, or a verified input whose nonce no holder proof covers (a
        // credential cannot stand in for a presentation by carrying a `nonce` claim).
        if !bound && policy.require_holder_binding && !binding_failed && (nonce.is_none() || report.verified) {
            decision.reasons.push(Reason::new(ReasonCode::HolderBindingMissing));
        }
        let holder_shown = bound || !policy.require_holder_binding;
        let mut decision = evaluate::finish(decision);
        decision.holder_proved = decision.allow || (signed && holder_shown && leaves_proved(&decision));
        Ok(decision)
    }

    /// Staleness: of the trust bundle as a whole (its issuer lists are consulted for every
    /// decision, so an expired bundle counts whether or not the network answered the rest),
    /// and of the status lists and registry data the decision took from it.
    fn apply_freshness(&self, decision: &mut Decision, trace: &trace::Trace, policy: &Policy, now: SystemTime) {
        let Some(offline) = &self.offline else { return };
        let age = |at: SystemTime| now.duration_since(at).unwrap_or(Duration::ZERO);
        if now >= offline.expires_at {
            decision.stale_bundle = true;
            if policy.on_stale_bundle == StaleAction::Deny {
                decision.reasons.push(Reason::new(ReasonCode::BundleStale));
            }
        }
        let stale_list = trace.offline_lists.iter().find(|url| {
            offline
                .status_fetched_at
                .get(url.as_str())
                .is_none_or(|at| age(*at) > policy.max_status_age())
        });
        if let Some(url) = stale_list {
            decision
                .reasons
                .push(Reason::with_detail(ReasonCode::StatusStale, url.clone()));
        }
        let offline_registry = trace.offline_dids.iter().any(|did| did.starts_with("did:dojang:"));
        if offline_registry
            && offline
                .registry_signed_at
                .is_none_or(|at| age(at) > policy.max_registry_age())
        {
            decision.reasons.push(Reason::new(ReasonCode::RegistryStale));
        }
    }
}
