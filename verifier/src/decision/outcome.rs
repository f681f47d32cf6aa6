//! The decision itself: allow or deny, and why. Only the engine makes one; everyone else reads
//! it through its accessors, so no caller can turn a denial into an allowed decision.

use serde::Serialize;
use serde_json::Value;

use crate::reason::{Reason, ReasonCode};

/// The outcome of a check: allow or deny, and why.
///
/// Built only by the [`super::Engine`] (and, for a request refused before anything is
/// checked, by the door's service, always as a denial).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Whether the door opens.
    pub(super) allow: bool,
    /// Why: `ALLOWED` alone when allowed, otherwise every reason found (most decisive first).
    pub(super) reasons: Vec<Reason>,
    /// The credential type the decision is about, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) credential_type: Option<String>,
    /// The issuer, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) issuer: Option<String>,
    /// Whether the decision used a trust bundle past its expiry.
    pub(super) stale_bundle: bool,
    /// The holder's identifier. Never serialized.
    #[serde(skip)]
    pub(super) holder: Option<String>,
    /// The verified claims the holder disclosed. Never serialized, never logged.
    #[serde(skip)]
    pub(super) disclosed: Option<Value>,
    /// Whether the answer proved a trusted holder. Never serialized.
    #[serde(skip)]
    pub(super) holder_proved: bool,
}

impl Decision {
    /// A denial for `reasons`, with nothing else known: what the engine starts from, and what
    /// the door's service answers for a presentation it refuses before (or after) the engine
    /// checks it (another request's nonce, an answer that does not match the request).
    pub(crate) fn deny(reasons: Vec<Reason>) -> Decision {
        Decision {
            allow: false,
            reasons,
            credential_type: None,
            issuer: None,
            stale_bundle: false,
            holder: None,
            disclosed: None,
            holder_proved: false,
        }
    }

    /// An allowed decision whose holder proved possession, with no claims: for the tests of
    /// what keeps decisions (the door's request store), which must see an allowed, closing
    /// answer without running the engine. Outside tests only the engine allows.
    #[cfg(test)]
    pub(crate) fn allowed_for_test() -> Decision {
        Decision {
            allow: true,
            reasons: vec![Reason::new(ReasonCode::Allowed)],
            holder_proved: true,
            ..Decision::deny(Vec::new())
        }
    }

    /// This decision about `holder`, who disclosed `claims`: for the tests of what reads
    /// decisions (the decision log must hash the one and never write the other).
    #[cfg(test)]
    pub(crate) fn about_for_test(self, holder: &str, claims: Value) -> Decision {
        Decision {
            holder: Some(holder.to_owned()),
            disclosed: Some(claims),
            ..self
        }
    }

    /// Whether the door opens.
    pub fn allowed(&self) -> bool {
        self.allow
    }

    /// Why: `ALLOWED` alone when allowed, otherwise every reason found (most decisive first).
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// The reason codes, in order.
    pub fn codes(&self) -> Vec<ReasonCode> {
        self.reasons.iter().map(|r| r.code).collect()
    }

    /// Whether `code` is among the reasons.
    pub fn has(&self, code: ReasonCode) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }

    /// The credential type the decision is about, once known.
    pub fn credential_type(&self) -> Option<&str> {
        self.credential_type.as_deref()
    }

    /// The issuer, once known.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Whether the decision used a trust bundle past its expiry (allowed only when the policy
    /// says `on_stale_bundle = "allow"`).
    pub fn stale_bundle(&self) -> bool {
        self.stale_bundle
    }

    /// The holder's identifier (DID or key thumbprint), for the decision log's salted hash.
    /// Never serialized.
    pub fn holder(&self) -> Option<&str> {
        self.holder.as_deref()
    }

    /// The verified claims the holder disclosed, for the calling app; only when allowed.
    /// Never serialized, never logged.
    pub fn disclosed(&self) -> Option<&Value> {
        self.disclosed.as_ref()
    }

    /// The disclosed claims ([`Decision::disclosed`]), taken out of the decision.
    pub fn into_disclosed(self) -> Option<Value> {
        self.disclosed
    }

    /// Whether the answer proved a trusted holder: allowed, or denied only for reasons that
    /// leave that proved ([`ReasonCode::leaves_holder_proved`]: the credential's state, the
    /// door's rules), with the issuer's signature verified and the holder's proof over the
    /// nonce when the policy asks for one. Only such an answer closes a door request; anything
    /// a bystander could post leaves it open. Never serialized.
    pub fn holder_proved(&self) -> bool {
        self.holder_proved
    }
}
