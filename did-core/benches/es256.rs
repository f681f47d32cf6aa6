//! ES256 (P-256) cost of our layers against the raw libraries underneath.
//!
//! All cases use the same fixed key (RFC 7515 A.3) and, for the raw and key-level
//! cases, the same 1 KiB message. Verify: raw aws-lc-rs (unparsed and pre-parsed key),
//! [`VerifyingKey::verify`], [`jose::verify`] of a compact JWS with a small JSON
//! payload, and the pure-Rust `p256` crate for reference. Sign: raw aws-lc-rs,
//! [`SigningKey::sign`], [`jose::sign_with_key`].
//!
//! Run with `cargo bench -p did-core --bench es256`. The aws-lc-rs cases are compiled
//! only with the `aws-lc` feature (the default); `did_core::key::BACKEND` is printed so
//! results say which backend "ours" used.

// A benchmark is test code: a fixture that fails to load should stop it loudly.
#![allow(clippy::expect_used)]

use criterion::{Criterion, criterion_main};
use did_core::jose::{self, Header, VerifyOptions};
use did_core::key::{Algorithm, BACKEND, Jwk, SigningKey};
use std::hint::black_box;

/// The RFC 7515 A.3 P-256 key, fixed so that runs are comparable.
const KEY_JWK: &str = r#"{"kty":"EC","crv":"P-256",
    "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#;

/// A typical small set of JWT claims.
const CLAIMS: &[u8] = br#"{"iss":"did:example:issuer","sub":"did:example:holder","iat":1700000000,"exp":1800000000,"nonce":"n-0S6_WzA2Mj"}"#;

fn es256(c: &mut Criterion) {
    let key = SigningKey::from_jwk(&Jwk::from_json(KEY_JWK).expect("fixed JWK parses")).expect("fixed key is valid");
    let verifying_key = key.verifying_key().clone();
    let public = verifying_key.as_bytes().to_vec(); // SEC1 uncompressed, 65 bytes
    let message: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let signature = key.sign(&message).expect("signing works");
    let token = jose::sign_with_key(Header::new(Algorithm::Es256), CLAIMS, &key).expect("signing works");
    let options = VerifyOptions::default();
    eprintln!(
        "did-core backend: {BACKEND}; message {} bytes; JWS {} bytes",
        message.len(),
        token.len()
    );

    let mut group = c.benchmark_group("es256");

    #[cfg(feature = "aws-lc")]
    {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey, UnparsedPublicKey};
        group.bench_function("verify/raw aws-lc UnparsedPublicKey", |b| {
            b.iter(|| {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, black_box(&public))
                    .verify(black_box(&message), black_box(&signature))
                    .expect("verifies")
            })
        });
        let parsed = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public).expect("valid key");
        group.bench_function("verify/raw aws-lc ParsedPublicKey", |b| {
            b.iter(|| {
                parsed
                    .verify_sig(black_box(&message), black_box(&signature))
                    .expect("verifies")
            })
        });
    }

    group.bench_function("verify/ours VerifyingKey::verify", |b| {
        b.iter(|| {
            verifying_key
                .verify(black_box(&message), black_box(&signature))
                .expect("verifies")
        })
    });

    group.bench_function("verify/ours jose::verify", |b| {
        b.iter(|| jose::verify(black_box(&token), &verifying_key, &options).expect("verifies"))
    });

    {
        use p256::ecdsa::signature::Verifier as _;
        let p256_key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&public).expect("valid key");
        let p256_sig = p256::ecdsa::Signature::from_slice(&signature).expect("valid signature");
        group.bench_function("verify/reference p256 crate", |b| {
            b.iter(|| {
                p256_key
                    .verify(black_box(&message), black_box(&p256_sig))
                    .expect("verifies")
            })
        });
    }

    #[cfg(feature = "aws-lc")]
    {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let secret = key.to_bytes();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &secret, &public)
            .expect("valid key pair");
        let rng = SystemRandom::new();
        group.bench_function("sign/raw aws-lc EcdsaKeyPair::sign", |b| {
            b.iter(|| pair.sign(&rng, black_box(&message)).expect("signs"))
        });
    }

    group.bench_function("sign/ours SigningKey::sign", |b| {
        b.iter(|| key.sign(black_box(&message)).expect("signs"))
    });

    group.bench_function("sign/ours jose::sign_with_key", |b| {
        b.iter(|| jose::sign_with_key(Header::new(Algorithm::Es256), black_box(CLAIMS), &key).expect("signs"))
    });

    group.finish();
}

/// The criterion group, in a private module so the `pub fn` the macro generates is not
/// part of the bench crate's documented surface.
mod suite {
    use std::time::Duration;

    use criterion::{Criterion, criterion_group};

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1))
            .sample_size(30);
        targets = super::es256
    }
}

criterion_main!(suite::benches);
