//! The door's W3C VC-API verifier routes, as a VC-API client (the W3C suites) calls them:
//! every format `verifier verify` takes, enveloped or not; tampering, wrong shapes, a
//! presentation's challenge and domain; the optional bearer token.

use crate::support;

use std::net::SocketAddr;
use std::sync::Arc;

use did_core::clock::{Clock, FixedClock};
use did_core::key::{Algorithm, KeyType, SigningKey};
use did_core::resolve::KeyResolver;
use did_core::vc::jwt::{self, Binding, JwtEncoding};
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::service::{self, Running, ServiceConfig};
use zeroize::Zeroizing;

async fn door(world: &World, token: Option<&str>) -> Running {
    let config = ServiceConfig {
        policy: world.policy(),
        engine: world.engine(),
        log: None,
        clock: Arc::new(FixedClock::new(world.now())) as Arc<dyn Clock>,
        public_url: None,
        vc_api_token: token.map(|t| Zeroizing::new(t.to_owned())),
        request_signer: None,
    };
    service::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

async fn post(door: &Running, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", door.url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(response.headers()["content-type"], "application/json");
    (status, serde_json::from_str(&response.text().await.unwrap()).unwrap())
}

fn issuer(alg: Algorithm) -> IssuerKey {
    IssuerKey::from_jwk_json(&serde_json::to_string(&key_file::generate(alg).unwrap()).unwrap()).unwrap()
}

fn credential(subject: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "credentialSubject": {"id": subject, "alumniOf": "Example University"}
    })
}

fn enveloped(media: &str, token: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": format!("data:{media},{token}")
    })
}

#[tokio::test]
async fn credentials_verify_in_every_format_and_failures_are_400_with_problem_details() {
    let world = World::new();
    let door = door(&world, None).await;
    let now = OffsetDateTime::from(world.now());
    let es256 = issuer(Algorithm::Es256);
    let ed25519 = issuer(Algorithm::EdDsa);
    let subject = "did:example:ebfeb1f712ebc6f1c276e12ec21";
    let sign = |format: Format, key: &IssuerKey| issue::issue(credential(subject), format, key, &[], now).unwrap();

    let mut cases: Vec<(&str, Value)> = Vec::new();
    for (format, key) in [
        (Format::EcdsaRdfc2019, &es256),
        (Format::EcdsaJcs2019, &es256),
        (Format::EddsaRdfc2022, &ed25519),
        (Format::EddsaJcs2022, &ed25519),
    ] {
        cases.push((format.name(), serde_json::from_str(&sign(format, key)).unwrap()));
    }
    cases.push((
        "vc+jwt enveloped",
        enveloped("application/vc+jwt", &sign(Format::VcJwt, &es256)),
    ));
    cases.push(("vc+jwt as a string", Value::String(sign(Format::VcJwt, &es256))));
    cases.push(("VC 1.1 JWT", Value::String(sign(Format::Vc1Jwt, &es256))));
    cases.push((
        "SD-JWT VC enveloped",
        enveloped("application/dc+sd-jwt", &sign(Format::SdJwt, &es256)),
    ));
    for (what, vc) in &cases {
        let (status, result) = post(
            &door,
            "/credentials/verify",
            &json!({"verifiableCredential": vc, "options": {"checks": ["proof"]}}),
            None,
        )
        .await;
        assert_eq!(status, 200, "{what}: {result}");
        assert_eq!(result["verified"], true, "{what}");
        assert!(
            result["checks"].as_array().unwrap().iter().any(|c| c == "signature"),
            "{what}: {result}"
        );
        assert_eq!(result["errors"], json!([]), "{what}");
    }

    // Tampered after signing: 400, a cryptographic problem, nothing verified.
    let mut tampered = cases[0].1.clone();
    tampered["credentialSubject"]["alumniOf"] = json!("Another University");
    let (status, result) = post(
        &door,
        "/credentials/verify",
        &json!({"verifiableCredential": tampered}),
        None,
    )
    .await;
    assert_eq!(status, 400, "{result}");
    assert_eq!(result["verified"], false);
    let error = &result["errors"][0];
    assert!(
        error["type"]
            .as_str()
            .unwrap()
            .starts_with("https://www.w3.org/TR/vc-data-model#"),
        "{result}"
    );
    assert!(error["code"].is_string() && error["detail"].is_string(), "{result}");

    // Requests that are not a credential: 400 with a problem, nothing checked.
    let good = cases[0].1.clone();
    let mut string_type = good.clone();
    string_type["type"] = json!(7);
    let mut no_vc_type = good.clone();
    no_vc_type["type"] = json!(["ExampleAlumniCredential"]);
    for (what, body) in [
        ("no credential", json!({"options": {}})),
        ("a number", json!({"verifiableCredential": 7})),
        ("type not a string", json!({"verifiableCredential": string_type})),
        (
            "type without VerifiableCredential",
            json!({"verifiableCredential": no_vc_type}),
        ),
        (
            "an envelope without data",
            json!({"verifiableCredential": enveloped("application/vc+jwt", "")}),
        ),
        ("not a credential at all", json!({"verifiableCredential": "not.a.jwt"})),
    ] {
        let (status, result) = post(&door, "/credentials/verify", &body, None).await;
        assert_eq!(status, 400, "{what}: {result}");
        assert_eq!(result["verified"], false, "{what}");
        assert!(result["errors"][0]["type"].is_string(), "{what}: {result}");
    }
    // Malformed JSON is a parsing error.
    let response = reqwest::Client::new()
        .post(format!("{}/credentials/verify", door.url()))
        .body("{\"verifiableCredential\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let result: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        result["errors"][0]["type"],
        "https://www.w3.org/TR/vc-data-model#PARSING_ERROR"
    );
    door.stop().await.unwrap();
}

#[tokio::test]
async fn presentations_verify_with_their_challenge_and_domain() {
    let world = World::new();
    let door = door(&world, None).await;
    let now = OffsetDateTime::from(world.now());
    let es256 = issuer(Algorithm::Es256);
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();
    let kid = KeyResolver::key_id_for(holder.verifying_key());
    let holder = holder.with_key_id(kid);
    let vc = issue::issue(credential(&holder_did), Format::VcJwt, &es256, &[], now).unwrap();
    let vp = did_core::vc::Presentation::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [enveloped("application/vc+jwt", &vc)]
    }))
    .unwrap();
    let binding = Binding {
        nonce: Some("challenge-1".into()),
        aud: Some("https://verifier.example".into()),
    };
    let token = jwt::sign_presentation(&vp, JwtEncoding::JoseCose, &binding, now, &holder).unwrap();
    let envelope = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiablePresentation",
        "id": format!("data:application/vp+jwt,{token}")
    });
    let body = |challenge: &str| json!({"verifiablePresentation": envelope, "options": {"challenge": challenge, "domain": "https://verifier.example"}});
    let (status, result) = post(&door, "/presentations/verify", &body("challenge-1"), None).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["verified"], true);
    assert_eq!(result["credentials"][0]["verified"], true, "{result}");

    let (status, result) = post(&door, "/presentations/verify", &body("challenge-2"), None).await;
    assert_eq!(status, 400, "{result}");
    assert_eq!(result["errors"][0]["code"], "NONCE_MISMATCH", "{result}");

    // A credential about someone else: VC DM 2.0 allows it (a door does not), so the VC-API
    // verifies the presentation and warns.
    let foreign = issue::issue(credential("did:example:bob"), Format::VcJwt, &es256, &[], now).unwrap();
    let vp = did_core::vc::Presentation::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [enveloped("application/vc+jwt", &foreign)]
    }))
    .unwrap();
    let foreign_vp = jwt::sign_presentation(&vp, JwtEncoding::JoseCose, &binding, now, &holder).unwrap();
    let (status, result) = post(
        &door,
        "/presentations/verify",
        &json!({"verifiablePresentation": foreign_vp, "options": {"challenge": "challenge-1", "domain": "https://verifier.example"}}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["warnings"][0]["check"], "holder", "{result}");

    // A presentation is not a credential, and the other way round.
    let (status, _) = post(
        &door,
        "/credentials/verify",
        &json!({"verifiableCredential": token}),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = post(
        &door,
        "/presentations/verify",
        &json!({"verifiablePresentation": vc}),
        None,
    )
    .await;
    assert_eq!(status, 400);
    door.stop().await.unwrap();
}

#[tokio::test]
async fn a_configured_token_guards_the_vc_api_routes() {
    let world = World::new();
    let door = door(&world, Some("door-secret-1")).await;
    let now = OffsetDateTime::from(world.now());
    let vc = issue::issue(
        credential("did:example:1"),
        Format::VcJwt,
        &issuer(Algorithm::Es256),
        &[],
        now,
    )
    .unwrap();
    let body = json!({"verifiableCredential": vc});
    for token in [None, Some("wrong"), Some("door-secret-")] {
        let response = reqwest::Client::new()
            .post(format!("{}/credentials/verify", door.url()))
            .header("content-type", "application/json")
            .header(
                "authorization",
                token.map(|t| format!("Bearer {t}")).unwrap_or_default(),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{token:?}");
        assert!(response.headers().contains_key("www-authenticate"));
    }
    let (status, result) = post(&door, "/credentials/verify", &body, Some("door-secret-1")).await;
    assert_eq!(status, 200, "{result}");
    door.stop().await.unwrap();
}

/// What the W3C suites found (VC DM 2.0, Data Integrity): a Data Integrity presentation with no
/// `holder` is a presentation (its `type` says so; `holder` is optional); a secured JSON
/// document sent as a string is a PARSING_ERROR, not verified; an envelope whose `@context`
/// does not define its terms is refused.
#[tokio::test]
async fn suite_findings_presentations_without_holder_json_strings_and_envelope_contexts() {
    use did_core::data_integrity::{self, Cryptosuite, ProofOptions};
    use did_core::document::Relationship;
    let world = World::new();
    let door = door(&world, None).await;
    let now = OffsetDateTime::from(world.now());

    let signer = SigningKey::generate(KeyType::Ed25519).unwrap();
    let method = KeyResolver::key_id_for(signer.verifying_key());
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"]
    });
    let options = ProofOptions::new(method)
        .with_purpose(Relationship::Authentication)
        .with_created(std::time::SystemTime::from(now))
        .with_challenge("challenge-7")
        .with_domain("verifier.example");
    let signed = data_integrity::sign(
        &vp,
        Cryptosuite::from_name("eddsa-rdfc-2022").unwrap(),
        &options,
        &signer,
    )
    .unwrap();
    let (status, result) = post(
        &door,
        "/presentations/verify",
        &json!({"verifiablePresentation": signed, "options": {"challenge": "challenge-7", "domain": "verifier.example"}}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["verified"], true, "{result}");
    // The same presentation to the credential route is the wrong route, not a credential.
    let (status, _) = post(
        &door,
        "/credentials/verify",
        &json!({"verifiableCredential": signed}),
        None,
    )
    .await;
    assert_eq!(status, 400);

    // A Data Integrity credential as a JSON string.
    let vc = issue::issue(
        credential("did:example:1"),
        Format::EcdsaRdfc2019,
        &issuer(Algorithm::Es256),
        &[],
        now,
    )
    .unwrap();
    let (status, result) = post(&door, "/credentials/verify", &json!({"verifiableCredential": vc}), None).await;
    assert_eq!(status, 400, "{result}");
    assert_eq!(
        result["errors"][0]["type"],
        "https://www.w3.org/TR/vc-data-model#PARSING_ERROR"
    );

    let jwt = issue::issue(
        credential("did:example:1"),
        Format::VcJwt,
        &issuer(Algorithm::Es256),
        &[],
        now,
    )
    .unwrap();
    // The envelope's context as VC DM 2.0's examples write it: one string.
    let mut single = enveloped("application/vc+jwt", &jwt);
    single["@context"] = json!("https://www.w3.org/ns/credentials/v2");
    let (status, result) = post(
        &door,
        "/credentials/verify",
        &json!({"verifiableCredential": single}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{result}");

    // Envelopes without the VC 2.0 context.
    for context in [
        json!([]),
        json!(["https://www.w3.org/ns/credentials/examples/v2"]),
        json!("https://www.w3.org/ns/credentials/examples/v2"),
        Value::Null,
    ] {
        let mut envelope = enveloped("application/vc+jwt", &jwt);
        if context.is_null() {
            envelope.as_object_mut().unwrap().remove("@context");
        } else {
            envelope["@context"] = context.clone();
        }
        let (status, result) = post(
            &door,
            "/credentials/verify",
            &json!({"verifiableCredential": envelope}),
            None,
        )
        .await;
        assert_eq!(status, 400, "{context}: {result}");
        assert_eq!(result["verified"], false);
    }
    door.stop().await.unwrap();
}

/// Serves the v2 context with a trailing newline: the same JSON-LD, other bytes, so another
/// digest (as if the issuer had signed over another version of the context).
struct OtherV2Bytes;

impl did_core::data_integrity::DocumentLoader for OtherV2Bytes {
    fn load(&self, url: &str) -> Result<Vec<u8>, did_core::data_integrity::DataIntegrityError> {
        let mut bytes = did_core::data_integrity::StaticLoader.load(url)?;
        if url == "https://www.w3.org/ns/credentials/v2" {
            bytes.push(b'\n');
        }
        Ok(bytes)
    }
}

/// VC DM 2.0 §5.3: a `relatedResource` digest of a context an `rdfc` proof uses is checked
/// against the context as loaded. The right digest verifies. A credential signed over other
/// bytes of the v2 context, and pinning them, is refused although its signature is good: the
/// door's context is not the one pinned. A JCS proof uses no context and checks no pin. No
/// issuer signs an `rdfc` proof over a pin that does not match (the VC 2.0 suite's fixture,
/// the digest of an earlier version of the context, is refused at signing).
#[tokio::test]
async fn related_resource_digests_of_the_contexts_used_are_checked() {
    use base64::Engine as _;
    use did_core::data_integrity::{self, Cryptosuite, DocumentLoader as _, ProofOptions};
    use did_core::document::Relationship;
    use sha2::Digest as _;
    let world = World::new();
    let door = door(&world, None).await;
    let now = OffsetDateTime::from(world.now());
    let v2 = "https://www.w3.org/ns/credentials/v2";
    let sri = |bytes: &[u8]| {
        format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes))
        )
    };
    let pinned = |digest: &str| {
        let mut unsigned = credential("did:example:ebfeb1f712ebc6f1c276e12ec21");
        unsigned["relatedResource"] = json!([{"id": v2, "digestSRI": digest}]);
        unsigned
    };
    let verify =
        async |vc: &Value| post(&door, "/credentials/verify", &json!({"verifiableCredential": vc}), None).await;

    // The digest of the door's own v2 context: both proofs verify.
    let ed25519 = issuer(Algorithm::EdDsa);
    let right = sri(data_integrity::StaticLoader::get(v2).unwrap());
    for format in [Format::EddsaRdfc2022, Format::EddsaJcs2022] {
        let signed = issue::issue(pinned(&right), format, &ed25519, &[], now).unwrap();
        let (status, result) = verify(&serde_json::from_str(&signed).unwrap()).await;
        assert_eq!((status, &result["verified"]), (200, &json!(true)), "{result}");
    }

    // Signed over other bytes of the context, and pinning them.
    let other = OtherV2Bytes.load(v2).unwrap();
    let signer = SigningKey::generate(KeyType::Ed25519).unwrap();
    let method = KeyResolver::key_id_for(signer.verifying_key());
    let mut unsigned = pinned(&sri(&other));
    unsigned["issuer"] = json!(method.split('#').next().unwrap());
    let options = ProofOptions::new(method)
        .with_purpose(Relationship::AssertionMethod)
        .with_created(std::time::SystemTime::from(now));
    let rdfc = Cryptosuite::from_name("eddsa-rdfc-2022").unwrap();
    let signed = data_integrity::sign_with_loader(&unsigned, rdfc, &options, &signer, &OtherV2Bytes).unwrap();
    let (status, result) = verify(&signed).await;
    assert_eq!(status, 400, "{result}");
    assert_eq!(result["errors"][0]["code"], "DI_RELATED_RESOURCE_MISMATCH", "{result}");
    assert_eq!(result["errors"][0]["title"], "CRYPTOGRAPHIC_SECURITY_ERROR", "{result}");
    // The same pin under a JCS proof: the context is not used, so the pin is not checked.
    let jcs = Cryptosuite::from_name("eddsa-jcs-2022").unwrap();
    let signed = data_integrity::sign(&unsigned, jcs, &options, &signer).unwrap();
    let (status, result) = verify(&signed).await;
    assert_eq!((status, &result["verified"]), (200, &json!(true)), "{result}");

    // The suite's stale digest: an rdfc proof is never made over it.
    let stale = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg";
    let refused = issue::issue(pinned(stale), Format::EddsaRdfc2022, &ed25519, &[], now).unwrap_err();
    assert!(
        refused.to_string().contains("not the digest of the context used"),
        "{refused}"
    );
}
