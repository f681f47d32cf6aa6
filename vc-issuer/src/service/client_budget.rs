//! Per-client budgets for the public OpenID4VCI routes: how many requests a client may make
//! per minute (`/token`, `/nonce`, `/credential`; each costs a database write), how many
//! wrong PINs it may send, across every offer, per window, and how many holder DIDs one offer's
//! key proofs may make the issuer resolve (a did:web key id is a fetch where the wallet points).
//! The budgets are did-core's ([`did_core::budget`]); this module finds the client.
//!
//! Why the PIN budget is per client and the offer lock comes later: with the QR code alone, an
//! attacker could lock any offer by sending wrong PINs; the budget stops one client after a few
//! wrong PINs, long before the offer itself locks ([`MAX_TX_CODE_ATTEMPTS`] wrong PINs over
//! all clients, the backstop against guessing from many addresses). The holder, on their own
//! phone, then still redeems the offer.
//!
//! [`MAX_TX_CODE_ATTEMPTS`]: crate::store::MAX_TX_CODE_ATTEMPTS

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::Extensions;

pub use did_core::budget::{Budget, ClientBudget, OverBudget};

/// The address of the client that sent a request: plain HTTP's `ConnectInfo<SocketAddr>`, or
/// the TLS listener's peer.
pub fn client_ip(extensions: &Extensions) -> Option<IpAddr> {
    if let Some(ConnectInfo(address)) = extensions.get::<ConnectInfo<SocketAddr>>() {
        return Some(address.ip());
    }
    extensions
        .get::<ConnectInfo<crate::tls::TlsPeer>>()
        .map(|ConnectInfo(peer)| peer.remote.ip())
}
