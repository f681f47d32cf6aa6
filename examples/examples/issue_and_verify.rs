//! Issue and verify: the same employee credential secured in every format the issuer
//! supports (vc+jwt, VC 1.1 JWT, SD-JWT VC, and Data Integrity with ecdsa-rdfc-2019,
//! ecdsa-jcs-2019, eddsa-rdfc-2022, eddsa-jcs-2022), each checked by the verifier.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p examples --example issue_and_verify
//! ```
//!
//! The issuer's keys are did:key DIDs, so the verifier finds each public key from the
//! credential alone, with no network.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use did_core::clock::SystemClock;
use did_core::key::Algorithm;
use did_core::resolve::CompositeResolver;
use did_core::status::MemoryStatusListSource;
use did_core::vc::jwt::Binding;
use serde_json::json;
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::verify::Verifier;

/// A fresh issuer key for `algorithm`, with its did:key.
fn issuer_key(algorithm: Algorithm) -> IssuerKey {
    let jwk = key_file::generate(algorithm).unwrap();
    IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap()
}

#[tokio::main]
async fn main() {
    println!("Step 1: make two issuer keys: P-256 (ECDSA formats) and Ed25519 (EdDSA formats).");
    let p256 = issuer_key(Algorithm::Es256);
    let ed25519 = issuer_key(Algorithm::EdDsa);
    println!("  P-256 issuer:   {}", p256.did);
    println!("  Ed25519 issuer: {}", ed25519.did);

    println!("Step 2: write one credential (VC Data Model 2.0), valid for a year.");
    let now = OffsetDateTime::now_utc();
    let until = (now + time::Duration::days(365))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "EmployeeCredential"],
        "validUntil": until,
        "credentialSubject": {"id": "did:example:ana", "name": "Ana", "employeeId": "E-1024"}
    });

    println!("Step 3: set up a verifier (did:key/did:jwk/did:web resolver, the system clock).");
    let verifier = Verifier {
        resolver: Arc::new(CompositeResolver::with_default_methods()),
        clock: Arc::new(SystemClock),
        skew: Duration::from_secs(60),
        binding: Binding::default(),
        status_source: Arc::new(MemoryStatusListSource::new()),
        status_cache: None,
        unreachable_status: verifier::verify::UnreachableStatus::Fail,
        holder_subjects: verifier::verify::HolderSubjects::MustBeHolder,
    };

    println!("Step 4: issue the credential in each format and verify it.");
    let mut all_verified = true;
    for format in Format::ALL {
        let issuer = match format {
            Format::EddsaRdfc2022 | Format::EddsaJcs2022 => &ed25519,
            _ => &p256,
        };
        // SD-JWT VC: make the name selectively disclosable (see the selective_disclosure example).
        let disclose = if format == Format::SdJwt {
            vec!["/name".to_owned()]
        } else {
            vec![]
        };
        let secured = issue::issue(credential.clone(), format, issuer, &disclose, now).unwrap();
        let report = verifier.verify(&secured).await;
        all_verified &= report.verified;
        let outcome = if report.verified { "verified" } else { "NOT verified" };
        println!(
            "  {:<16} {:>5} bytes -> {outcome} (verifier saw format {})",
            format.name(),
            secured.len(),
            report.format
        );
        for error in &report.errors {
            println!("    {}: {}", error.code(), error.message());
        }
    }

    println!("Step 5: change one claim of a signed credential: the verifier refuses it.");
    let secured = issue::issue(credential, Format::EcdsaRdfc2019, &p256, &[], now).unwrap();
    let tampered = secured.replace("E-1024", "E-0001");
    let report = verifier.verify(&tampered).await;
    let code = report.errors.first().map(|e| e.code()).unwrap_or("none");
    println!("  tampered ecdsa-rdfc-2019 -> verified: {} ({code})", report.verified);

    if all_verified && !report.verified {
        println!("Result: every format verified, and the tampered copy was refused.");
    } else {
        println!("Result: FAILED");
        std::process::exit(1);
    }
}
