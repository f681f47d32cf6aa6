//! The issuer service over real HTTP on 127.0.0.1: authentication per admin route, issuance
//! in every format, status changes reaching the published lists and `verifier verify`,
//! VC-API, public documents, problem details and body limits.

use crate::common;

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use vc_issuer::config::DidMethod;
use vc_issuer::store::Scope;

use common::{Database, employee, on_both_databases, start_service as start};

on_both_databases!(
    every_admin_route_rejects_missing_wrong_and_underscoped_tokens,
    issues_in_every_format_and_revocation_reaches_the_verifier,
    bad_input_is_a_problem_naming_the_field,
    duplicate_member_names_are_refused_in_every_json_body,
    citizen_card_discloses_age_without_birth_date,
    vc_api_issue_and_status,
    vc_api_secures_vc11_with_data_integrity_and_lists_come_as_credentials,
    public_documents_health_metrics_and_status_caching,
);

async fn verify(text: &str, extra: &[&str]) -> (i32, Value) {
    crate::common::verifier_verify(text, extra).await
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A JSON answer.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: Value,
}

/// GETs a JSON document.
async fn get_json(url: &str) -> Value {
    client().get(url).send().await.unwrap().json().await.unwrap()
}

/// POSTs `body` as JSON with a bearer token.
impl Answer {
    /// The status, content type and JSON body (or null) of `response`.
    async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            body,
        }
    }
}

async fn post(url: &str, token: &str, body: &Value) -> Answer {
    let response = client().post(url).bearer_auth(token).json(body).send().await.unwrap();
    Answer::read(response).await
}

async fn every_admin_route_rejects_missing_wrong_and_underscoped_tokens(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Key, db).await;
    let url = running.url();
    let store = &running.state.issuer.store;
    let mut tokens = std::collections::BTreeMap::new();
    for scope in Scope::ALL {
        let (_, secret) = store.create_token("t", &BTreeSet::from([scope]), "test").await.unwrap();
        tokens.insert(scope, secret.to_string());
    }
    // A real record so that routes with an id reach their scope check, not a 404.
    let http = client();
    let issued = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "EmployeeIdCredential", "claims": employee("E-1")}),
    )
    .await
    .body;
    let id = issued["id"].as_str().unwrap().to_owned();
    let offer = post(
        &format!("{url}/admin/offers"),
        &admin,
        &json!({"type": "EmployeeIdCredential", "claims": employee("E-3"), "approval_required": true}),
    )
    .await;
    assert_eq!(offer.status, StatusCode::CREATED, "{}", offer.body);
    let offer_id = offer.body["offer_id"].as_str().unwrap().to_owned();
    let routes: Vec<(&str, String, &[Scope], Value)> = vec![
        (
            "POST",
            "/admin/credentials".into(),
            &[Scope::Issue],
            json!({"type": "EmployeeIdCredential", "claims": employee("E-2")}),
        ),
        ("GET", "/admin/credentials".into(), &[Scope::Read], Value::Null),
        ("GET", format!("/admin/credentials/{id}"), &[Scope::Read], Value::Null),
        (
            "POST",
            format!("/admin/credentials/{id}/suspend"),
            &[Scope::Revoke],
            json!({}),
        ),
        (
            "POST",
            format!("/admin/credentials/{id}/unsuspend"),
            &[Scope::Revoke],
            json!({}),
        ),
        (
            "POST",
            format!("/admin/credentials/{id}/revoke"),
            &[Scope::Revoke],
            json!({}),
        ),
        (
            "POST",
            format!("/admin/credentials/{id}/reissue"),
            &[Scope::Issue, Scope::Revoke],
            json!({}),
        ),
        ("GET", "/admin/audit".into(), &[Scope::Read], Value::Null),
        (
            "POST",
            "/admin/tokens".into(),
            &[Scope::Admin],
            json!({"label": "x", "scopes": ["read"]}),
        ),
        ("GET", "/admin/tokens".into(), &[Scope::Admin], Value::Null),
        (
            "DELETE",
            "/admin/tokens/tok_unknown".into(),
            &[Scope::Admin],
            Value::Null,
        ),
        (
            "POST",
            "/credentials/issue".into(),
            &[Scope::Issue],
            json!({"credential": {}}),
        ),
        (
            "POST",
            "/credentials/status".into(),
            &[Scope::Revoke],
            json!({"credentialId": id, "credentialStatus": [{"status": "revoked"}]}),
        ),
        (
            "POST",
            "/admin/offers".into(),
            &[Scope::Issue],
            json!({"type": "EmployeeIdCredential", "claims": employee("E-4")}),
        ),
        ("GET", format!("/admin/offers/{offer_id}"), &[Scope::Read], Value::Null),
        (
            "POST",
            format!("/admin/offers/{offer_id}/approve"),
            &[Scope::Issue],
            json!({}),
        ),
    ];
    let before = store.count_credentials().await.unwrap();
    for (method, path, needs, body) in &routes {
        let send = |token: Option<&str>| {
            let mut request = http.request(method.parse().unwrap(), format!("{url}{path}"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if !body.is_null() {
                request = request.json(body);
            }
            request.send()
        };
        let missing = send(None).await.unwrap();
        assert_eq!(
            missing.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a token"
        );
        assert!(missing.headers().contains_key("www-authenticate"));
        assert_eq!(missing.headers()["content-type"], "application/problem+json");
        let wrong = send(Some("dojang_not-a-real-token")).await.unwrap();
        assert_eq!(
            wrong.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path} with a wrong token"
        );
        for (scope, token) in &tokens {
            if *scope == Scope::Admin || needs.contains(scope) && needs.len() == 1 {
                continue;
            }
            let response = send(Some(token)).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{method} {path} with scope {scope:?}"
            );
        }
    }
    assert_eq!(
        store.count_credentials().await.unwrap(),
        before,
        "nothing was issued without the scope"
    );
    assert_eq!(
        store.credential(&id).await.unwrap().status,
        vc_issuer::store::RecordStatus::Active
    );
    let untouched = store.offer(&offer_id).await.unwrap().unwrap();
    assert!(!untouched.approved, "no approval without the scope");
    let audit = store.audit_entries(0, 1000).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "offer.create").count(),
        1,
        "no offer was made without the scope"
    );
    // A revoked token stops working.
    let read = &tokens[&Scope::Read];
    let info = store.token_for_secret(read).await.unwrap().unwrap();
    store.revoke_token(&info.id, "test").await.unwrap();
    let response = http
        .get(format!("{url}/admin/audit"))
        .bearer_auth(read)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    running.stop().await.unwrap();
}

async fn issues_in_every_format_and_revocation_reaches_the_verifier(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Dojang, db).await;
    let url = running.url();
    let registry_key = running.registry_key.clone().unwrap();
    let registry_url = format!("{url}/registry");
    let registry_args = [
        "--registry",
        registry_url.as_str(),
        "--registry-key",
        registry_key.as_str(),
    ];
    let http = client();
    for format in ["sd-jwt", "vc+jwt", "vc1-jwt", "ecdsa-rdfc-2019"] {
        let response = post(
            &format!("{url}/admin/credentials"),
            &admin,
            &json!({"type": "EmployeeIdCredential", "claims": employee("E-77"), "format": format}),
        )
        .await;
        assert_eq!(response.status, StatusCode::CREATED, "{format}");
        let body = response.body;
        let id = body["id"].as_str().unwrap().to_owned();
        let text = match &body["credential"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (code, report) = verify(&text, &registry_args).await;
        assert_eq!(code, 0, "{format}: {report:#}");
        let status_checks: Vec<_> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["check"] == "status")
            .collect();
        assert!(
            !status_checks.is_empty() && status_checks.iter().all(|c| c["result"] == "passed"),
            "{format}: {report:#}"
        );
        // Suspend: denied as suspended; unsuspend: allowed; revoke: denied as revoked.
        let post = |action: &str| {
            http.post(format!("{url}/admin/credentials/{id}/{action}"))
                .bearer_auth(&admin)
                .send()
        };
        assert_eq!(post("suspend").await.unwrap().status(), StatusCode::OK);
        let (code, report) = verify(&text, &registry_args).await;
        assert_eq!(code, 1, "{format} suspended: {report:#}");
        assert!(report.to_string().contains("SUSPENDED"), "{format}: {report:#}");
        assert_eq!(post("unsuspend").await.unwrap().status(), StatusCode::OK);
        assert_eq!(verify(&text, &registry_args).await.0, 0, "{format} unsuspended");
        assert_eq!(post("revoke").await.unwrap().status(), StatusCode::OK);
        let (code, report) = verify(&text, &registry_args).await;
        assert_eq!(code, 1, "{format} revoked");
        assert!(report.to_string().contains("REVOKED"), "{format}: {report:#}");
        // Revoked is final.
        let again = post("unsuspend").await.unwrap();
        assert_eq!(again.status(), StatusCode::CONFLICT);
    }
    running.stop().await.unwrap();
}

async fn bad_input_is_a_problem_naming_the_field(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Key, db).await;
    let url = running.url();
    let http = client();
    let mut claims = employee("E-1");
    claims["name_latin"] = json!("김");
    let response = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "EmployeeIdCredential", "claims": claims}),
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type, "application/problem+json");
    let problem = response.body;
    assert_eq!(problem["field"], "/claims/name_latin", "{problem}");
    // Derived claims cannot be given by the caller.
    let response = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "CitizenCardCredential", "claims": {
            "name_ko": "이서연", "birth_date": "2010-01-01", "resident_district": "Jung-gu",
            "card_number": "1234-5678-9012", "age_over_19": true}}),
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let problem = response.body;
    assert_eq!(problem["field"], "/claims/age_over_19", "{problem}");
    // Oversized bodies are refused before parsing. On a client of its own: the service closes
    // that connection (the rest of the body is never read), and a client that pooled it could
    // send the next request into the closing socket (a broken pipe, now and then under load).
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = client()
        .post(format!("{url}/admin/credentials"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(format!("{{\"type\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    // axum's own rejections are problem details too, on the VC-API and the admin API:
    // malformed JSON, JSON of the wrong shape, no JSON content type.
    for route in ["/credentials/issue", "/admin/credentials"] {
        for (content_type, body, status, code) in [
            ("application/json", "{,}", StatusCode::BAD_REQUEST, "malformed_request"),
            (
                "application/json",
                "{\"credential\": 7}",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
            ),
            (
                "text/plain",
                "{}",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
        ] {
            let response = http
                .post(format!("{url}{route}"))
                .bearer_auth(&admin)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{route} {body}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{route} {body}"
            );
            let problem: Value = response.json().await.unwrap();
            assert_eq!(
                problem["type"],
                format!("https://dojang.example/problems/{code}"),
                "{problem}"
            );
            assert_eq!(problem["status"], status.as_u16());
            assert!(!problem["detail"].as_str().unwrap().is_empty(), "{problem}");
        }
    }
    // Unknown type: 404 problem.
    let response = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "NoSuchCredential", "claims": {}}),
    )
    .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    running.stop().await.unwrap();
}

/// POSTs `body`, raw JSON text (serde_json cannot write a duplicate member), with a token.
async fn post_text(url: &str, token: &str, body: &str) -> Answer {
    let response = client()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}

/// Issue 28, finding 8: `POST /admin/credentials` and `POST /admin/offers` took two claims of
/// the same name (the last one won, though a reader keeping the first would see another
/// credential), as every other body did below its top level. Every JSON body the issuer takes
/// now refuses a duplicate member name at any depth: 400 `malformed_request`, `field` its JSON
/// Pointer, and nothing is done.
async fn duplicate_member_names_are_refused_in_every_json_body(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Key, db).await;
    let url = running.url();
    let issued = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "EmployeeIdCredential", "claims": employee("E-1")}),
    )
    .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let id = issued.body["id"].as_str().unwrap();
    let audit_before = running.state.issuer.store.audit_entries(0, 1000).await.unwrap().len();
    // `employee` claims with one of them given twice, as JSON text.
    let claims_with = |name: &str, value: &str| {
        let text = employee("E-2").to_string();
        format!("{},\"{name}\":{value}}}", &text[..text.len() - 1])
    };
    let subject = r#"{"id": "did:example:ana", "name": "Ana", "name": "Eve"}"#;
    let credential = format!(
        r#"{{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "credentialSubject": {subject}}}"#
    );
    for (route, body, field) in [
        (
            "/admin/credentials".to_owned(),
            format!(
                r#"{{"type": "EmployeeIdCredential", "claims": {}}}"#,
                claims_with("name_latin", "\"Eve\"")
            ),
            "/claims/name_latin",
        ),
        (
            "/admin/credentials".to_owned(),
            format!(
                r#"{{"type": "EmployeeIdCredential", "claims": {}}}"#,
                claims_with("access_groups", "[\"x\"]")
            ),
            "/claims/access_groups",
        ),
        (
            "/admin/credentials".to_owned(),
            format!(
                r#"{{"type": "EmployeeIdCredential", "claims": {}, "type": "CitizenCardCredential"}}"#,
                employee("E-3")
            ),
            "/type",
        ),
        (
            "/admin/offers".to_owned(),
            format!(
                r#"{{"type": "EmployeeIdCredential", "claims": {}}}"#,
                claims_with("name_ko", "\"이브\"")
            ),
            "/claims/name_ko",
        ),
        (
            "/admin/tokens".to_owned(),
            r#"{"label": "a", "scopes": ["read"], "label": "b"}"#.to_owned(),
            "/label",
        ),
        (
            format!("/admin/credentials/{id}/revoke"),
            r#"{"reason": "left", "reason": "moved"}"#.to_owned(),
            "/reason",
        ),
        (
            format!("/admin/credentials/{id}/reissue"),
            r#"{"holder": {"kty": "EC", "crv": "P-256", "kty": "OKP"}}"#.to_owned(),
            "/holder/kty",
        ),
        (
            "/credentials/issue".to_owned(),
            format!(r#"{{"credential": {credential}}}"#),
            "/credential/credentialSubject/name",
        ),
        (
            "/credentials/status".to_owned(),
            format!(
                r#"{{"credentialId": "{id}", "credentialStatus": [{{"type": "BitstringStatusListCredential", "status": "revoked", "status": "active"}}]}}"#
            ),
            "/credentialStatus/0/status",
        ),
    ] {
        let answer = post_text(&format!("{url}{route}"), &admin, &body).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{route} {body}: {}",
            answer.body
        );
        assert_eq!(answer.content_type, "application/problem+json", "{route}");
        let problem = &answer.body;
        assert_eq!(
            problem["type"], "https://dojang.example/problems/malformed_request",
            "{problem}"
        );
        assert_eq!(problem["field"], field, "{route}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("duplicate member name"),
            "{problem}"
        );
    }
    // Nothing was done: the one credential, still active, and not one more audit entry.
    let store = &running.state.issuer.store;
    let records = store.list_credentials(None, None, None, 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, vc_issuer::store::RecordStatus::Active);
    assert_eq!(store.audit_entries(0, 1000).await.unwrap().len(), audit_before);
    running.stop().await.unwrap();
}

async fn citizen_card_discloses_age_without_birth_date(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Key, db).await;
    let url = running.url();
    let body = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "CitizenCardCredential", "claims": {
            "name_ko": "이서연", "birth_date": "2000-03-01", "resident_district": "Jung-gu",
            "card_number": "1234-5678-9012"}}),
    )
    .await
    .body;
    let record = &body["record"]["claims"];
    assert_eq!(record["age_over_19"], true);
    assert_eq!(record["age_over_65"], false);
    let sd_jwt = body["credential"].as_str().unwrap();
    // Every subject claim is a disclosure; none is in the signed payload in clear.
    let payload = sd_jwt.split('~').next().unwrap().split('.').nth(1).unwrap();
    let payload = String::from_utf8(base64_url(payload)).unwrap();
    assert!(
        !payload.contains("2000-03-01") && !payload.contains("age_over_19"),
        "{payload}"
    );
    assert!(payload.contains(&format!("{url}/vct/CitizenCardCredential")));
    assert_eq!(
        sd_jwt.matches('~').count(),
        1 + 7,
        "seven disclosures (no name_latin given)"
    );
    running.stop().await.unwrap();
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

async fn vc_api_issue_and_status(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Web, db).await;
    let url = running.url();
    let did = running.state.issuer.did.clone();
    // VC DM 2.0 §4.7: the caller names the issuer; a credential without one is refused.
    let response = post(
        &format!("{url}/credentials/issue"),
        &admin,
        &json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
        }}),
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.body);
    assert_eq!(response.body["field"], "/credential/issuer", "{}", response.body);
    // A type without a template is issued as given (what the W3C suites post).
    let response = post(
        &format!("{url}/credentials/issue"),
        &admin,
        &json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "ExampleAlumniCredential"],
            "issuer": did,
            "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "Example University"}
        }}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED);
    let body = response.body;
    let vc = &body["verifiableCredential"];
    assert_eq!(vc["proof"]["cryptosuite"], "ecdsa-rdfc-2019");
    assert!(vc["issuer"].as_str().unwrap().starts_with("did:web:127.0.0.1%3A"));
    let id = vc["id"].as_str().unwrap().to_owned();
    // An `id` that is not a string is refused (it used to be replaced by a new urn:uuid).
    for bad in [
        json!(null),
        json!(7),
        json!(["urn:uuid:1"]),
        json!({"id": "urn:uuid:1"}),
    ] {
        let response = post(
            &format!("{url}/credentials/issue"),
            &admin,
            &json!({"credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": bad,
                "type": ["VerifiableCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
            }}),
        )
        .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{bad}: {}", response.body);
        assert_eq!(response.body["field"], "/credential/id", "{}", response.body);
    }
    // A Bitstring Status List entry the caller wrote must be one a verifier can check.
    let response = post(
        &format!("{url}/credentials/issue"),
        &admin,
        &json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": did,
            "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
            "credentialStatus": {
                "type": "BitstringStatusListEntry",
                "statusListIndex": true,
                "statusListCredential": "https://status.example/1"
            }
        }}),
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.body);
    assert_eq!(
        response.body["field"], "/credential/credentialStatus",
        "{}",
        response.body
    );
    // An issuer object keeps its name and description, under the signature.
    let issuer_did = vc["issuer"].clone();
    let response = post(
        &format!("{url}/credentials/issue"),
        &admin,
        &json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": {"id": issuer_did, "name": "Example Province", "description": "Issues employee IDs"},
            "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
        }}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let named = &response.body["verifiableCredential"];
    assert_eq!(named["issuer"]["name"], "Example Province", "{named}");
    assert_eq!(named["issuer"]["description"], "Issues employee IDs");
    assert_eq!(named["issuer"]["id"], issuer_did);
    // The record keeps the credential's own window, read as the data model reads it (a
    // VC 1.1 date without a zone is UTC).
    let response = post(
        &format!("{url}/credentials/issue"),
        &admin,
        &json!({"credential": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": did,
            "issuanceDate": "2026-01-01T00:00:00Z",
            "expirationDate": "2030-01-01T00:00:00",
            "id": "urn:uuid:6a1e2c9e-0b5e-4d0e-9a39-3b2a0e1c7d11",
            "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
        }, "options": {"format": "vc1-jwt"}}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let v1_id = "urn:uuid:6a1e2c9e-0b5e-4d0e-9a39-3b2a0e1c7d11";
    let record = running.state.issuer.store.credential(v1_id).await.unwrap();
    assert_eq!((record.valid_from, record.valid_until), (1_767_225_600, 1_893_456_000));
    // The did:web document is served.
    let document = get_json(&format!("{url}/.well-known/did.json")).await;
    assert_eq!(document["id"], vc["issuer"]);
    // A JWT format comes back enveloped.
    let body = post(
        &format!("{url}/credentials/issue"),
        &admin,
        &json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "EmployeeIdCredential"],
            "credentialSubject": employee("E-9")
        }, "options": {"format": "vc+jwt"}}),
    )
    .await
    .body;
    assert_eq!(body["verifiableCredential"]["type"], "EnvelopedVerifiableCredential");
    assert!(
        body["verifiableCredential"]["id"]
            .as_str()
            .unwrap()
            .starts_with("data:application/vc+jwt,ey")
    );
    // Status change through VC-API.
    let response = post(&format!("{url}/credentials/status"), &admin, &json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]})).await;
    assert_eq!(response.status, StatusCode::OK);
    let record = running.state.issuer.store.credential(&id).await.unwrap();
    assert_eq!(record.status, vc_issuer::store::RecordStatus::Revoked);
    running.stop().await.unwrap();
}

/// A VC 1.1 credential secured with Data Integrity through the VC-API (what the W3C suites
/// post): the Data Integrity and Bitstring Status List contexts join VC 1.1's, so nothing is
/// dropped from what is signed (this was a 500, "JSON-LD would drop created"). Its status
/// list is also served as a Data Integrity credential to a JSON-LD client, and revocation
/// shows there at once.
async fn vc_api_secures_vc11_with_data_integrity_and_lists_come_as_credentials(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Key, db).await;
    let url = running.url();
    let did = running.state.issuer.did.clone();
    let http = client();
    let mut issued = Vec::new();
    for format in ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"] {
        let response = post(
            &format!("{url}/credentials/issue"),
            &admin,
            &json!({"credential": {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
            }, "options": {"format": format}}),
        )
        .await;
        assert_eq!(response.status, StatusCode::CREATED, "{format}: {}", response.body);
        let vc = response.body["verifiableCredential"].clone();
        assert_eq!(vc["proof"]["cryptosuite"], format);
        assert_eq!(
            vc["@context"],
            json!([
                "https://www.w3.org/2018/credentials/v1",
                "https://www.w3.org/ns/credentials/status/v1",
                "https://w3id.org/security/data-integrity/v2"
            ]),
            "{format}"
        );
        let (code, report) = verify(&vc.to_string(), &[]).await;
        assert_eq!(code, 0, "{format}: {report:#}");
        issued.push(vc);
    }

    // What JSON-LD cannot express is the caller's to fix (422), and nothing is recorded.
    let count = || async {
        let response = http
            .get(format!("{url}/admin/credentials"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["credentials"].as_array().unwrap().len()
    };
    let before = count().await;
    for (what, credential) in [
        (
            "an undefined term under VC 1.1",
            json!({
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:1", "undefinedTerm": "x"}
            }),
        ),
        (
            "a redefined protected term",
            json!({
                "@context": [
                    "https://www.w3.org/ns/credentials/v2",
                    {"VerifiableCredential": "urn:example:NotACredential"}
                ],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:1"}
            }),
        ),
        (
            "a relatedResource pinning another version of the v2 context",
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:1"},
                "relatedResource": [{
                    "id": "https://www.w3.org/ns/credentials/v2",
                    "digestSRI": "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
                }]
            }),
        ),
        (
            "a context nobody can load",
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://contexts.example/unknown/v1"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:1"}
            }),
        ),
    ] {
        let response = post(
            &format!("{url}/credentials/issue"),
            &admin,
            &json!({"credential": credential, "options": {"format": "ecdsa-rdfc-2019"}}),
        )
        .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            response.body
        );
        assert_eq!(response.content_type, "application/problem+json");
        // The detail names the cause, so the caller knows what to fix.
        let cause = match what {
            "a redefined protected term" => "Protected term rede",
            "a relatedResource pinning another version of the v2 context" => "not the digest of the context used",
            "a context nobody can load" => "unknown JSON-LD context",
            _ => "would drop undefinedTerm",
        };
        assert!(
            response.body["detail"].as_str().is_some_and(|d| d.contains(cause)),
            "{what}: {}",
            response.body
        );
    }
    assert_eq!(count().await, before, "a refused credential left a record");

    // The revocation list, as a JSON-LD client asks for it: a Data Integrity credential.
    let list_url = issued[0]["credentialStatus"][0]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    let fetch = |accept: &'static str| {
        let http = http.clone();
        let list_url = list_url.clone();
        async move {
            let response = http.get(&list_url).header("accept", accept).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
            let etag = response.headers()["etag"].to_str().unwrap().to_owned();
            (content_type, etag, response.text().await.unwrap())
        }
    };
    let (content_type, etag, body) = fetch("application/ld+json, application/json").await;
    assert_eq!(content_type, "application/ld+json");
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["proof"]["cryptosuite"], "ecdsa-rdfc-2019");
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    let (code, report) = verify(&body, &[]).await;
    assert_eq!(code, 0, "the list verifies as a credential: {report:#}");
    // The JWT stays the default, and a JWT client gets it.
    let (content_type, jwt_etag, jwt) = fetch("application/vc+jwt").await;
    assert_eq!(content_type, "application/vc+jwt");
    assert!(jwt.starts_with("ey") && jwt_etag != etag);

    // Revoked through the VC-API: the next Data Integrity list says so, and so does the verifier.
    let id = issued[0]["id"].as_str().unwrap();
    let response = post(
        &format!("{url}/credentials/status"),
        &admin,
        &json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]}),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let (_, after, body) = fetch("application/ld+json").await;
    assert_ne!(after, etag);
    assert_ne!(
        serde_json::from_str::<Value>(&body).unwrap()["credentialSubject"]["encodedList"],
        list["credentialSubject"]["encodedList"]
    );
    let (code, report) = verify(&issued[0].to_string(), &[]).await;
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["errors"][0]["code"], "REVOKED", "{report:#}");
    running.stop().await.unwrap();
}

async fn public_documents_health_metrics_and_status_caching(db: Database) {
    let (running, _dir, admin) = start(DidMethod::Key, db).await;
    let url = running.url();
    let http = client();
    let health = get_json(&format!("{url}/health")).await;
    assert_eq!(health["status"], "ok");
    let schema = get_json(&format!("{url}/schemas/EmployeeIdCredential")).await;
    assert_eq!(schema["$id"], format!("{url}/schemas/EmployeeIdCredential"));
    let vct = get_json(&format!("{url}/vct/EmployeeIdCredential")).await;
    assert_eq!(vct["vct"], format!("{url}/vct/EmployeeIdCredential"));
    // The current SD-JWT VC type metadata: `locale`, not `lang`; no `schema_uri`; an array in
    // clear whose elements alone are disclosable.
    let text = vct.to_string();
    assert!(!text.contains("\"lang\"") && vct.get("schema_uri").is_none(), "{vct}");
    assert_eq!(vct["display"][0]["locale"], "ko-KR");
    let claim = |path: Value| {
        vct["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == path)
            .cloned()
            .unwrap_or_else(|| panic!("no claim {path} in {vct}"))
    };
    assert_eq!(claim(json!(["access_groups"]))["sd"], "never");
    assert_eq!(claim(json!(["access_groups", null]))["sd"], "always");
    assert_eq!(claim(json!(["department"]))["sd"], "always");
    assert_eq!(claim(json!(["employee_number"]))["sd"], "never");
    // What the schema requires is `mandatory`; documents that change only with the
    // templates may be cached.
    assert_eq!(claim(json!(["employee_number"]))["mandatory"], true);
    assert!(claim(json!(["photo_digest"])).get("mandatory").is_none());
    for document in ["vct", "schemas"] {
        let response = http
            .get(format!("{url}/{document}/EmployeeIdCredential"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=3600",
            "{document}"
        );
    }
    let labels = claim(json!(["department"]))["display"].clone();
    assert!(
        labels
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["locale"] == "ko-KR" && l["label"] == "부서"),
        "{labels}"
    );
    let _ = post(
        &format!("{url}/admin/credentials"),
        &admin,
        &json!({"type": "EmployeeIdCredential", "claims": employee("E-5")}),
    )
    .await;
    let first = http.get(format!("{url}/status/1/token")).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["content-type"], "application/statuslist+jwt");
    assert!(
        first.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=60")
    );
    let etag = first.headers()["etag"].clone();
    let again = http.get(format!("{url}/status/1/revocation")).send().await.unwrap();
    assert_eq!(again.headers()["content-type"], "application/vc+jwt");
    let cached = http
        .get(format!("{url}/status/1/token"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let metrics = http
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("dojang_issuer_credentials_issued_total 1"),
        "{metrics}"
    );
    // Only the /metrics request itself is in flight: finished requests were counted down.
    assert!(metrics.contains("dojang_issuer_requests_in_flight 1\n"), "{metrics}");
    let openapi = get_json(&format!("{url}/openapi.json")).await;
    assert_eq!(openapi["openapi"], "3.1.0");
    running.stop().await.unwrap();
}

/// Every route the router serves is in the OpenAPI document, and nothing else is.
#[test]
fn openapi_lists_every_route() {
    let document: Value = serde_json::from_str(vc_issuer::service::ops::OPENAPI).unwrap();
    let listed: BTreeSet<String> = document["paths"].as_object().unwrap().keys().cloned().collect();
    let mut served = BTreeSet::new();
    for dir in ["src/service", "src/service/oid4vci"] {
        let Ok(entries) = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) else {
            continue;
        };
        for entry in entries {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            // `.route("/path", ...)`, also when rustfmt puts the path on the next line.
            for part in text.split(".route(").skip(1) {
                if let Some(rest) = part.trim_start().strip_prefix('"') {
                    served.insert(rest.split('"').next().unwrap().to_owned());
                }
            }
        }
    }
    assert_eq!(listed, served, "openapi.json and the router disagree");
}
