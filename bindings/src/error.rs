//! The one error that crosses the FFI boundary.
//!
//! Every exported function returns `Result<_, DojangError>`: in Kotlin a `DojangException`
//! subclass, in Swift a `DojangError` case, in Python a `DojangError` exception. The variant
//! says what kind of failure it is (what the app can do about it); `code` is a stable,
//! machine-readable string (documented in the bindings README) and `detail` a message for
//! logs and developers, never containing a secret or a claim value.
//!
//! A panic in Rust never unwinds into the app: [`guard`] and [`guard_async`] catch it and
//! answer [`DojangError::Internal`] with code `internal.panic`.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use futures::FutureExt as _;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum DojangError {
    /// Input from the app, or a message from a peer (offer, request, credential, policy, trust
    /// bundle), is malformed or not acceptable. Retrying the same input will fail again.
    #[error("{code}: {detail}")]
    Invalid {
        /// Stable code, e.g. `oid4vci.offer`, `sd_jwt.pointer_not_found`.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// A peer (issuer, registry, verifier) answered with a refusal, e.g. a wrong PIN
    /// (`oauth.invalid_grant`). The code carries the peer's own error code.
    #[error("{code}: {detail}")]
    Refused {
        /// Stable code: `oauth.<error>` for OAuth errors, `http.<status>` otherwise.
        code: String,
        /// The peer's description, if it gave one.
        detail: String,
    },
    /// A peer could not be reached, or the verifier could not check a presentation (a DID or
    /// status list unreachable and nothing usable in the trust bundle). Worth retrying later.
    #[error("{code}: {detail}")]
    Unavailable {
        /// Stable code, e.g. `network`, `verifier.unavailable`.
        code: String,
        /// What could not be reached.
        detail: String,
    },
    /// No credential with that ID is stored.
    #[error("{code}: {detail}")]
    NotFound {
        /// `credential.not_found`.
        code: String,
        /// The ID asked for.
        detail: String,
    },
    /// The app's `CredentialStore` failed.
    #[error("{code}: {detail}")]
    Storage {
        /// `storage`, or the code the app's store raised.
        code: String,
        /// What the store said.
        detail: String,
    },
    /// The app's `PlatformSigner` failed, or signed with a key other than the one it
    /// declared.
    #[error("{code}: {detail}")]
    Signer {
        /// `signer`, `signer.wrong_key`, `signer.bad_signature`, or the code the signer raised.
        code: String,
        /// What went wrong.
        detail: String,
    },
    /// A bug in Dojang (a caught panic, `internal.panic`), or an app callback that threw
    /// something other than a `DojangError` where no better variant applies
    /// (`internal.callback`).
    #[error("{code}: {detail}")]
    Internal {
        /// `internal.panic` or `internal.callback`.
        code: String,
        /// The panic message.
        detail: String,
    },
}

impl DojangError {
    /// An `DojangError.Invalid` error.
    pub(crate) fn invalid(code: impl Into<String>, detail: impl Into<String>) -> DojangError {
        DojangError::Invalid {
            code: code.into(),
            detail: detail.into(),
        }
    }

    /// An `DojangError.Unavailable` error.
    pub(crate) fn unavailable(code: impl Into<String>, detail: impl Into<String>) -> DojangError {
        DojangError::Unavailable {
            code: code.into(),
            detail: detail.into(),
        }
    }

    /// A `DojangError.Signer` error.
    pub(crate) fn signer(code: impl Into<String>, detail: impl Into<String>) -> DojangError {
        DojangError::Signer {
            code: code.into(),
            detail: detail.into(),
        }
    }

    /// The stable code, whatever the variant.
    pub fn code(&self) -> &str {
        match self {
            DojangError::Invalid { code, .. }
            | DojangError::Refused { code, .. }
            | DojangError::Unavailable { code, .. }
            | DojangError::NotFound { code, .. }
            | DojangError::Storage { code, .. }
            | DojangError::Signer { code, .. }
            | DojangError::Internal { code, .. } => code,
        }
    }
}

/// What uniffi raises when an app's callback (store, signer) throws something other than a
/// `DojangError`.
impl From<uniffi::UnexpectedUniFFICallbackError> for DojangError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> DojangError {
        DojangError::Internal {
            code: "internal.callback".into(),
            detail: error.reason,
        }
    }
}

impl From<did_core::sd_jwt::SdJwtError> for DojangError {
    fn from(error: did_core::sd_jwt::SdJwtError) -> DojangError {
        use did_core::sd_jwt::SdJwtError;
        match &error {
            SdJwtError::KeyResolution(resolution) if resolution.is_transient() => {
                DojangError::unavailable("did.unreachable", error.to_string())
            }
            SdJwtError::KeyResolution(resolution) => {
                DojangError::invalid(format!("did.{}", snake_case(resolution.code())), error.to_string())
            }
            _ => {
                let code = error.code();
                let code = code.strip_prefix("SD_JWT_").unwrap_or(code).to_ascii_lowercase();
                DojangError::invalid(format!("sd_jwt.{code}"), error.to_string())
            }
        }
    }
}

impl From<verifier::Error> for DojangError {
    fn from(error: verifier::Error) -> DojangError {
        use verifier::Error as E;
        match &error {
            E::Unavailable(_) => DojangError::unavailable("verifier.unavailable", error.to_string()),
            E::Policy(_) => DojangError::invalid("verifier.policy", error.to_string()),
            E::Bundle(_) => DojangError::invalid("verifier.trust_bundle", error.to_string()),
            E::TrustAnchor(_) => DojangError::invalid("verifier.trust_anchor", error.to_string()),
            E::Protocol { .. } => DojangError::invalid("verifier.protocol", error.to_string()),
            _ => DojangError::invalid("verifier.other", error.to_string()),
        }
    }
}

/// `notFound` → `not_found` (DID resolution error codes are camelCase; ours are snake_case).
fn snake_case(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 4);
    for c in code.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn panic_error(payload: Box<dyn Any + Send>) -> DojangError {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    DojangError::Internal {
        code: "internal.panic".into(),
        detail,
    }
}

/// Runs `f`, turning a panic into `DojangError.Internal`.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, DojangError>) -> Result<T, DojangError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panic_error(payload)))
}

/// Awaits `future`, turning a panic while polling it into `DojangError.Internal`.
pub(crate) async fn guard_async<T>(future: impl Future<Output = Result<T, DojangError>>) -> Result<T, DojangError> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| Err(panic_error(payload)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let result: Result<(), _> = guard(|| panic!("boom"));
        assert_eq!(
            result,
            Err(DojangError::Internal {
                code: "internal.panic".into(),
                detail: "boom".into()
            })
        );
    }

    #[test]
    fn resolution_codes_become_snake_case() {
        assert_eq!(snake_case("notFound"), "not_found");
        assert_eq!(snake_case("invalidDidDocument"), "invalid_did_document");
    }

    #[test]
    fn a_panic_while_polling_becomes_an_internal_error() {
        let result: Result<(), _> = futures::executor::block_on(guard_async(async { panic!("{}", "formatted") }));
        assert_eq!(result.map_err(|e| e.code().to_owned()), Err("internal.panic".into()));
    }
}
