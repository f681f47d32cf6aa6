//! Dojang's cross-crate tests: `tests/province.rs` runs the whole province on 127.0.0.1 (a
//! did:dojang registry node and a mirror anchored to a local EVM chain, the issuer service
//! with 5,000 bulk offers, phone wallets through the bindings' Rust API, and a door).
