//! Selective disclosure: an SD-JWT VC whose name, birth date and department are each
//! disclosable; the holder shows only the department, bound to the verifier's nonce with a
//! key-binding JWT; the verifier checks it and sees nothing else.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p examples --example selective_disclosure
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use did_core::clock::SystemClock;
use did_core::key::{Algorithm, KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::sd_jwt::{KeyBinding, SdJwt};
use did_core::status::MemoryStatusListSource;
use did_core::vc::jwt::Binding;
use serde_json::json;
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::verify::Verifier;

const AUDIENCE: &str = "https://door.example/east";
const NONCE: &str = "n-2f9c41";

#[tokio::main]
async fn main() {
    println!("Step 1: an issuer key and a holder key (the holder's wallet), both did:key.");
    let jwk = key_file::generate(Algorithm::Es256).unwrap();
    let issuer = IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap();
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();
    println!("  issuer: {}", issuer.did);
    println!("  holder: {holder_did}");

    println!("Step 2: issue an SD-JWT VC to the holder; name, birthdate and department are disclosable.");
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "EmployeeIdCredential"],
        "credentialSubject": {
            "id": holder_did, "name": "Kim Minji", "birthdate": "1990-04-01", "department": "IT"
        }
    });
    let disclose: Vec<String> = ["/name", "/birthdate", "/department"].map(str::to_owned).into();
    let issued = issue::issue(credential, Format::SdJwt, &issuer, &disclose, OffsetDateTime::now_utc()).unwrap();
    let parsed = SdJwt::parse(&issued).unwrap();
    println!(
        "  the issued SD-JWT carries {} disclosures:",
        parsed.disclosures().len()
    );
    for disclosure in parsed.disclosures() {
        println!("    - {}", disclosure.name().unwrap_or("(array element)"));
    }

    println!("Step 3: the verifier asks for a presentation over nonce {NONCE} for {AUDIENCE}.");

    println!("Step 4: the holder keeps only the department and signs a key-binding JWT.");
    let binding = KeyBinding::new(AUDIENCE, NONCE, SystemTime::now());
    let presentation = parsed
        .select(&["/department"])
        .unwrap()
        .bind(&binding, &holder)
        .unwrap();
    let shown = SdJwt::parse(&presentation).unwrap();
    println!("  disclosures sent: {}", shown.disclosures().len());
    println!("  key-binding JWT attached: {}", shown.key_binding_jwt().is_some());

    println!("Step 5: the verifier checks the issuer signature, the disclosures and the key binding.");
    let verifier = Verifier {
        resolver: Arc::new(CompositeResolver::with_default_methods()),
        clock: Arc::new(SystemClock),
        skew: Duration::from_secs(60),
        binding: Binding {
            nonce: Some(NONCE.into()),
            aud: Some(AUDIENCE.into()),
        },
        status_source: Arc::new(MemoryStatusListSource::new()),
        status_cache: None,
        unreachable_status: verifier::verify::UnreachableStatus::Fail,
        holder_subjects: verifier::verify::HolderSubjects::MustBeHolder,
    };
    let report = verifier.verify(&presentation).await;
    for check in &report.checks {
        println!("  check {:<14} {}", check.check, check.result);
    }
    println!("  verified: {}", report.verified);

    println!("Step 6: what the verifier saw:");
    let claims = report.claims.clone().unwrap_or_default();
    println!("{}", serde_json::to_string_pretty(&claims).unwrap());
    let withheld: Vec<&str> = ["name", "birthdate"]
        .into_iter()
        .filter(|c| claims.get(c).is_none())
        .collect();
    println!("  department: {}", claims["department"]);
    println!("  withheld claims absent: {}", withheld.join(", "));

    println!("Step 7: the same presentation for another nonce is refused.");
    let other = Verifier {
        binding: Binding {
            nonce: Some("another-nonce".into()),
            aud: Some(AUDIENCE.into()),
        },
        ..verifier
    };
    let replay = other.verify(&presentation).await;
    let code = replay.errors.first().map(|e| e.code()).unwrap_or("none");
    println!("  verified: {} ({code})", replay.verified);

    if report.verified && withheld.len() == 2 && !replay.verified {
        println!("Result: only the department was disclosed, and it verified.");
    } else {
        println!("Result: FAILED");
        std::process::exit(1);
    }
}
