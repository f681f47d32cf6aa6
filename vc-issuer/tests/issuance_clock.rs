//! The issuer reads one injected clock per credential: its validity, the SD-JWT `iat` and the
//! Data Integrity proof's `created` are the same instant, the clock's, not the machine's.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::FixedClock;
use did_core::key::{KeyType, Signer, SigningKey};
use did_core::resolve::KeyResolver;
use serde_json::{Value, json};
use vc_issuer::issuance::{Holder, IssueRequest, Issuer};
use vc_issuer::issue::Format;
use vc_issuer::store::Store;
use vc_issuer::templates::Templates;

/// 2031-03-06T05:06:07Z: far from the machine's clock.
const AT: u64 = 1_930_539_967;

async fn issuer(dir: &std::path::Path, clock: Arc<FixedClock>) -> Issuer {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let method = KeyResolver::key_id_for(key.verifying_key());
    let signer: Arc<dyn Signer> = Arc::new(key.with_key_id(method.clone()));
    Issuer {
        did: method.split('#').next().unwrap().to_owned(),
        signing: vc_issuer::issuance::SigningSlot::new(signer, method),
        public_url: "https://issuer.example".into(),
        store: Store::open(&format!("sqlite://{}/issuer.db", dir.display()))
            .await
            .unwrap(),
        templates: Templates::load(None).unwrap(),
        list_size: 1024,
        clock,
    }
}

fn request(format: Format, number: &str) -> IssueRequest {
    IssueRequest {
        template: "EmployeeIdCredential".into(),
        claims: json!({
            "employee_number": number,
            "name_ko": "김민준",
            "name_latin": "Kim Minjun",
            "organization": "Gyeonggi Province",
            "department": "Digital Policy",
            "position": "Engineer",
            "access_groups": ["hq-main"],
        }),
        format,
        holder: Holder::default(),
        valid_until: None,
        idempotency_key: None,
        replaces: None,
    }
}

#[tokio::test]
async fn one_instant_per_credential_from_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(AT)));
    let issuer = issuer(dir.path(), Arc::clone(&clock)).await;
    let at = i64::try_from(AT).unwrap();

    let issued = issuer.issue(request(Format::SdJwt, "E-1"), "test").await.unwrap();
    assert_eq!(issued.record.valid_from, at);
    let compact = issued.credential.as_str().unwrap();
    let payload = compact.split('~').next().unwrap().split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(
        (claims["iat"].as_i64(), claims["nbf"].as_i64()),
        (Some(at), Some(at)),
        "{claims}"
    );

    // The clock moves; the next credential takes its new time, everywhere.
    clock.advance(Duration::from_secs(60));
    let issued = issuer
        .issue(request(Format::EcdsaJcs2019, "E-2"), "test")
        .await
        .unwrap();
    let credential: &Value = &issued.credential;
    assert_eq!(issued.record.valid_from, at + 60);
    assert_eq!(credential["validFrom"], "2031-03-06T05:07:07Z", "{credential:#}");
    assert_eq!(credential["proof"]["created"], "2031-03-06T05:07:07Z", "{credential:#}");
}
