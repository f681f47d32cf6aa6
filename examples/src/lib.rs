//! Runnable Dojang examples, the programs a newcomer reads first. Each lives in
//! `examples/examples/<name>.rs`, runs with `cargo run -p examples --example <name>` and prints
//! what it does step by step: `resolve_did` (a did:key and a did:jwk resolved to their DID
//! documents), `issue_and_verify` (one credential issued in every format the issuer supports and
//! checked by the verifier), `selective_disclosure` (an SD-JWT VC presented with one claim and a
//! key-binding JWT), `door_decision` (a TOML door policy and the decision engine: allowed, then a
//! replay denied with `NONCE_REPLAYED` and a revoked credential denied, with reasons in English
//! and Korean), `registry_proofs` (a did:dojang DID registered on an in-process registry,
//! resolved with inclusion proofs and signed tree heads, its key rotated with the pre-committed
//! next key) and `anchoring` (a registry tree head anchored to a local anvil chain and read
//! back). `tests/examples_run.rs` runs each one and checks its output.
