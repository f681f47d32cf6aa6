//! Dojang for apps: the wallet and door-verifier API that Kotlin, Swift and Python call.
//!
//! The API is small and object-oriented, exported with uniffi's proc-macros:
//!
//! - [`Wallet`]: a holder key (software, or the platform's through [`PlatformSigner`]), a
//!   `did:key` DID or a registered did:dojang one, credentials received over OpenID4VCI and
//!   kept in the app's [`CredentialStore`], and presentations with selective disclosure for
//!   an OpenID4VP request or a door's QR challenge.
//! - [`DoorVerifier`]: a door's policy and signed trust bundle; verifies a presentation or a
//!   QR payload and answers a [`DoorDecision`] with its reasons.
//! - [`qr_svg`] renders a QR code; [`read_door_challenge`] reads one.
//!
//! Every call returns a [`DojangError`] on failure, with a stable code; no panic crosses the
//! boundary. Async functions run on one tokio runtime shared by the library.
//!
//! The same API is usable from Rust:
//!
//! ```
//! use dojang::{Wallet, WalletConfig};
//!
//! let wallet = Wallet::create(None, WalletConfig::default())?;
//! assert!(wallet.did_key()?.starts_with("did:key:z"));
//! assert!(wallet.credentials()?.is_empty());
//! # Ok::<(), dojang::DojangError>(())
//! ```

uniffi::setup_scaffolding!();

mod credential;
mod door;
mod error;
mod http;
mod keys;
mod oid4vci;
mod presentation;
mod registry;
mod store;
mod wallet;

pub use credential::{Claim, Credential};
pub use door::{Challenge, DecisionReason, DoorConfig, DoorDecision, DoorVerifier};
pub use error::DojangError;
pub use keys::PlatformSigner;
pub use presentation::{PresentationRequest, RequestedCredential, read_door_challenge};
pub use registry::RegistryConfig;
pub use store::{CredentialStore, memory_store};
pub use wallet::{CredentialOffer, DidRegistration, Wallet, WalletConfig};

/// A QR code for `text` (a `DJN1:`/`DJ1:` payload or a link) as an SVG document, sized to
/// fill its container.
#[uniffi::export]
pub fn qr_svg(text: String) -> Result<String, DojangError> {
    error::guard(|| {
        // Door payloads are base45 (QR alphanumeric mode); anything else is a link.
        if text.starts_with(verifier::qr::PRESENTATION_PREFIX) || text.starts_with(verifier::qr::CHALLENGE_PREFIX) {
            Ok(verifier::qr::qr_svg(&text)?)
        } else {
            Ok(verifier::qr::link_svg(&text)?)
        }
    })
}

/// Entry points for the fuzz targets (`fuzz/fuzz_targets/wallet_input.rs`): the wallet's own
/// parsers of untrusted text. Not part of the app API.
#[doc(hidden)]
pub mod fuzzing {
    /// Reads `text` as a credential offer link and, if it carries its offer by value, that
    /// offer.
    pub fn offer_link(text: &str) {
        if let Ok(crate::oid4vci::OfferLink::ByValue(offer)) = crate::oid4vci::parse_offer_link(text) {
            let _ = crate::oid4vci::parse_offer(&offer);
        }
    }

    /// Reads `text` as a stored credential record (the app's store may hand back anything)
    /// and builds the app's view of it.
    pub fn stored_record(text: &str) {
        if let Ok(record) = crate::credential::Record::from_json(text) {
            let _ = record.view();
        }
    }

    /// Reads `text` as a platform signer's signature (DER or `r || s`).
    pub fn platform_signature(bytes: &[u8]) {
        let _ = crate::keys::raw_signature(bytes);
    }
}
