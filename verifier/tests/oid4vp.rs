//! OpenID4VP 1.0: DCQL queries, requests as deep links, direct_post responses, and matching
//! real SD-JWT VC presentations verified by the engine.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use did_core::clock::FixedClock;
use did_core::key::{Algorithm, KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::sd_jwt::{KeyBinding, SdJwt};
use did_core::status::MemoryStatusListSource;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::Error;
use verifier::oid4vp::dcql::{DcqlQuery, PathElement};
use verifier::oid4vp::request::{AuthorizationRequest, DeepLink};
use verifier::oid4vp::response::{AuthorizationResponse, MAX_BODY_LEN, VpToken};
use verifier::oid4vp::wallet::{direct_post_body, error_body};
use verifier::reason::ReasonCode;
use verifier::verify::Verifier;

const VCT: &str = "https://dojang.example/credentials/employee";
const RESPONSE_URI: &str = "https://door.example/oid4vp/response";

/// 2026-06-01T00:00:00Z.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_272_000).unwrap()
}

fn protocol_error<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Protocol { message, .. }) => message,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

fn door_query() -> DcqlQuery {
    DcqlQuery::sd_jwt_vc("employee", &[VCT], &[&["department"], &["employee_id"]]).unwrap()
}

// --- DCQL ---------------------------------------------------------------------------------

/// §6.5 (DCQL Examples), `examples/query_lang/simple.json`.
const SPEC_SIMPLE: &str = r#"{
  "credentials": [
    {
      "id": "my_credential",
      "format": "dc+sd-jwt",
      "meta": { "vct_values": [ "https://credentials.example.com/identity_credential" ] },
      "claims": [
          {"path": ["family_name"]},
          {"path": ["given_name"]},
          {"path": ["address", "street_address"]}
      ]
    }
  ]
}"#;

/// §D (more DCQL examples): claim alternatives, `examples/query_lang/claims_alternatives.json`.
const SPEC_CLAIMS_ALTERNATIVES: &str = r#"{
  "credentials": [
    {
      "id": "pid",
      "format": "dc+sd-jwt",
      "meta": { "vct_values": [ "https://credentials.example.com/identity_credential" ] },
      "claims": [
        {"id": "a", "path": ["family_name"]},
        {"id": "b", "path": ["postal_code"]},
        {"id": "c", "path": ["locality"]},
        {"id": "d", "path": ["region"]},
        {"id": "e", "path": ["date_of_birth"]}
      ],
      "claim_sets": [ ["a", "c", "d", "e"], ["a", "b", "e"] ]
    }
  ]
}"#;

/// §D: credential alternatives with an optional set, `examples/query_lang/credentials_alternatives.json`.
const SPEC_CREDENTIALS_ALTERNATIVES: &str = r#"{
  "credentials": [
    { "id": "pid", "format": "dc+sd-jwt",
      "meta": { "vct_values": ["https://credentials.example.com/identity_credential"] },
      "claims": [ {"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]} ] },
    { "id": "other_pid", "format": "dc+sd-jwt",
      "meta": { "vct_values": ["https://othercredentials.example/pid"] },
      "claims": [ {"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]} ] },
    { "id": "pid_reduced_cred_1", "format": "dc+sd-jwt",
      "meta": { "vct_values": ["https://credentials.example.com/reduced_identity_credential"] },
      "claims": [ {"path": ["family_name"]}, {"path": ["given_name"]} ] },
    { "id": "pid_reduced_cred_2", "format": "dc+sd-jwt",
      "meta": { "vct_values": ["https://cred.example/residence_credential"] },
      "claims": [ {"path": ["postal_code"]}, {"path": ["locality"]}, {"path": ["region"]} ] },
    { "id": "nice_to_have", "format": "dc+sd-jwt",
      "meta": { "vct_values": ["https://company.example/company_rewards"] },
      "claims": [ {"path": ["rewards_number"]} ] }
  ],
  "credential_sets": [
    { "options": [ [ "pid" ], [ "other_pid" ], [ "pid_reduced_cred_1", "pid_reduced_cred_2" ] ] },
    { "required": false, "options": [ [ "nice_to_have" ] ] }
  ]
}"#;

/// §D: value matching, `examples/query_lang/value_matching_simple.json`.
const SPEC_VALUE_MATCHING: &str = r#"{
  "credentials": [
    {
      "id": "my_credential",
      "format": "dc+sd-jwt",
      "meta": { "vct_values": [ "https://credentials.example.com/identity_credential" ] },
      "claims": [
          { "path": ["family_name"], "values": ["Doe"] },
          {"path": ["given_name"]},
          {"path": ["address", "street_address"]},
          { "path": ["postal_code"], "values": ["90210", "90211"] }
      ]
    }
  ]
}"#;

/// §D: an SD-JWT VC and an mdoc together, `examples/query_lang/multi_credentials.json`.
const SPEC_MULTI_CREDENTIALS: &str = r#"{
  "credentials": [
    { "id": "pid", "format": "dc+sd-jwt",
      "meta": { "vct_values": ["https://credentials.example.com/identity_credential"] },
      "claims": [ {"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]} ] },
    { "id": "mdl", "format": "mso_mdoc",
      "meta": { "doctype_value": "org.iso.7367.1.mVRC" },
      "claims": [ {"path": ["org.iso.7367.1", "vehicle_holder"]}, {"path": ["org.iso.18013.5.1", "given_name"]} ] }
  ]
}"#;

#[test]
fn spec_example_queries_parse_and_round_trip() {
    for text in [
        SPEC_SIMPLE,
        SPEC_CLAIMS_ALTERNATIVES,
        SPEC_CREDENTIALS_ALTERNATIVES,
        SPEC_VALUE_MATCHING,
        SPEC_MULTI_CREDENTIALS,
    ] {
        let query = DcqlQuery::from_json(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let again = DcqlQuery::from_json(&query.to_json()).unwrap();
        assert_eq!(query, again);
    }
    let mdl = DcqlQuery::from_json(SPEC_MULTI_CREDENTIALS).unwrap();
    assert_eq!(mdl.credentials[1].meta.other["doctype_value"], "org.iso.7367.1.mVRC");
    let alternatives = DcqlQuery::from_json(SPEC_CREDENTIALS_ALTERNATIVES).unwrap();
    assert!(!alternatives.credential_sets.as_ref().unwrap()[1].required);
}

#[test]
fn path_components_are_strings_indices_and_null() {
    let query = DcqlQuery::from_json(
        r#"{"credentials":[{"id":"d","format":"dc+sd-jwt","meta":{"vct_values":["x"]},
            "claims":[{"path":["degrees",null,"type"]},{"path":["nationalities",1]}]}]}"#,
    )
    .unwrap();
    let claims = query.credentials[0].claims.as_ref().unwrap();
    assert_eq!(
        claims[0].path,
        vec![
            PathElement::from("degrees"),
            PathElement::Wildcard,
            PathElement::from("type")
        ]
    );
    assert_eq!(claims[1].path[1], PathElement::Index(1));
    assert!(query.to_json().contains(r#"["degrees",null,"type"]"#));
}

#[test]
fn invalid_queries_are_rejected() {
    let cases: &[(&str, &str)] = &[
        (r#"{"credentials":[]}"#, "empty"),
        (r#"{}"#, "credentials"),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}},
                               {"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["y"]}}]}"#,
            "more than once",
        ),
        (
            r#"{"credentials":[{"id":"a b","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}"#,
            "A-Za-z0-9",
        ),
        (
            r#"{"credentials":[{"id":"ä","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}"#,
            "A-Za-z0-9",
        ),
        (
            r#"{"credentials":[{"id":"","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}"#,
            "A-Za-z0-9",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{}}]}"#,
            "vct_values",
        ),
        (r#"{"credentials":[{"id":"a","format":"dc+sd-jwt"}]}"#, "meta"),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":[]}]}]}"#,
            "path is empty",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":[-1]}]}]}"#,
            "non-negative",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":[true]}]}]}"#,
            "component",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[]}]}"#,
            "`claims` is empty",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},
                "claims":[{"id":"n","path":["name"]}],"claim_sets":[["n","z"]]}]}"#,
            "unknown claim",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},
                "claims":[{"id":"n","path":["name"]},{"path":["b"]}],"claim_sets":[["n"]]}]}"#,
            "needs an `id`",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claim_sets":[["n"]]}]}"#,
            "without `claims`",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},
                "claims":[{"id":"n","path":["name"]},{"id":"n","path":["b"]}]}]}"#,
            "claim id `n` appears more than once",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},
                "claims":[{"path":["name"]},{"path":["name"]}]}]}"#,
            "same claim path",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},
                "claims":[{"path":["age"],"values":[1.5]}]}]}"#,
            "strings, integers or booleans",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],
                "credential_sets":[{"options":[["b"]]}]}"#,
            "unknown credential query",
        ),
        (
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],
                "credential_sets":[{"options":[[]]}]}"#,
            "is empty",
        ),
        (
            r#"{"credentials":[{"id":"m","format":"mso_mdoc","meta":{},"claims":[{"path":["ns"]}]}]}"#,
            "namespace",
        ),
        (
            r#"{"credentials":[{"id":"a","id":"b","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}"#,
            "not JSON",
        ),
    ];
    for (text, expected) in cases {
        let message = protocol_error(DcqlQuery::from_json(text));
        assert!(message.contains(expected), "{text}: {message}");
    }
    let huge = format!(r#"{{"credentials":[],"pad":"{}"}}"#, "x".repeat(40_000));
    assert!(protocol_error(DcqlQuery::from_json(&huge)).contains("bytes"));
    assert!(DcqlQuery::sd_jwt_vc("bad id", &[VCT], &[]).is_err());
    assert!(DcqlQuery::sd_jwt_vc("ok", &[], &[]).is_err());
}

fn claims(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

#[test]
fn matching_follows_paths_values_and_claim_sets() {
    // The credential of §7.3 (Claims Path Pointer Example), with a vct.
    let credential = claims(json!({
        "vct": "https://credentials.example.com/identity_credential",
        "name": "Arthur Dent",
        "address": {"street_address": "42 Market Street", "locality": "Milliways", "postal_code": "12345"},
        "degrees": [
            {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
            {"type": "Master of Science", "university": "University of Betelgeuse"}
        ],
        "nationalities": ["British", "Betelgeusian"]
    }));
    let query = |claims: Value, claim_sets: Option<Value>| {
        let mut credential = json!({
            "id": "c", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
            "claims": claims
        });
        if let Some(sets) = claim_sets {
            credential["claim_sets"] = sets;
        }
        DcqlQuery::from_value(json!({"credentials": [credential]})).unwrap()
    };
    let check = |q: &DcqlQuery| q.check_presentation("c", "dc+sd-jwt", &credential);
    assert_eq!(check(&query(json!([{"path": ["name"]}]), None)), Ok(()));
    assert_eq!(
        check(&query(json!([{"path": ["address", "street_address"]}]), None)),
        Ok(())
    );
    assert_eq!(
        check(&query(json!([{"path": ["degrees", null, "type"]}]), None)),
        Ok(())
    );
    assert_eq!(check(&query(json!([{"path": ["nationalities", 1]}]), None)), Ok(()));
    assert_eq!(
        check(&query(json!([{"path": ["nationalities", 2]}]), None)),
        Err(ReasonCode::ClaimMissing)
    );
    // A string component on an array aborts processing.
    assert_eq!(
        check(&query(json!([{"path": ["nationalities", "x"]}]), None)),
        Err(ReasonCode::ClaimMissing)
    );
    assert_eq!(
        check(&query(
            json!([{"path": ["degrees", null, "type"], "values": ["Master of Science"]}]),
            None
        )),
        Ok(())
    );
    assert_eq!(
        check(&query(
            json!([{"path": ["address", "postal_code"], "values": [12345]}]),
            None
        )),
        Err(ReasonCode::ClaimMissing),
        "a value of another type does not match"
    );
    let sets = query(
        json!([{"id": "n", "path": ["name"]}, {"id": "b", "path": ["birthdate"]}, {"id": "l", "path": ["address", "locality"]}]),
        Some(json!([["b"], ["n", "l"]])),
    );
    assert_eq!(check(&sets), Ok(()), "the second claim set is satisfied");
    let unsatisfiable = query(
        json!([{"id": "n", "path": ["name"]}, {"id": "b", "path": ["birthdate"]}]),
        Some(json!([["b"], ["n", "b"]])),
    );
    assert_eq!(check(&unsatisfiable), Err(ReasonCode::ClaimMissing));
    let simple = query(json!([{"path": ["name"]}]), None);
    assert_eq!(
        simple.check_presentation("other", "dc+sd-jwt", &credential),
        Err(ReasonCode::RequestMismatch)
    );
    assert_eq!(
        simple.check_presentation("c", "mso_mdoc", &credential),
        Err(ReasonCode::RequestMismatch)
    );
}

#[test]
fn check_response_applies_presence_rules() {
    let token = |ids: &[(&str, usize)]| {
        let mut token = VpToken::new();
        for (id, count) in ids {
            for _ in 0..*count {
                token.push(*id, "eyJ...~");
            }
        }
        token
    };
    let query = door_query();
    assert_eq!(query.check_response(&token(&[("employee", 1)])), Ok(()));
    assert_eq!(
        query.check_response(&token(&[("employee", 2)])),
        Err(ReasonCode::RequestMismatch),
        "`multiple` is false: exactly one"
    );
    assert_eq!(query.check_response(&token(&[])), Err(ReasonCode::RequestMismatch));
    assert_eq!(
        query.check_response(&token(&[("employee", 1), ("stranger", 1)])),
        Err(ReasonCode::RequestMismatch)
    );

    let sets = DcqlQuery::from_json(SPEC_CREDENTIALS_ALTERNATIVES).unwrap();
    assert_eq!(sets.check_response(&token(&[("pid", 1)])), Ok(()));
    assert_eq!(
        sets.check_response(&token(&[("other_pid", 1), ("nice_to_have", 1)])),
        Ok(())
    );
    assert_eq!(
        sets.check_response(&token(&[("pid_reduced_cred_1", 1), ("pid_reduced_cred_2", 1)])),
        Ok(())
    );
    assert_eq!(
        sets.check_response(&token(&[("pid_reduced_cred_1", 1)])),
        Err(ReasonCode::RequestMismatch),
        "half an option"
    );
    assert_eq!(
        sets.check_response(&token(&[("nice_to_have", 1)])),
        Err(ReasonCode::RequestMismatch),
        "only the optional set"
    );

    let mut multiple = DcqlQuery::from_json(SPEC_SIMPLE).unwrap();
    multiple.credentials[0].multiple = true;
    assert_eq!(multiple.check_response(&token(&[("my_credential", 3)])), Ok(()));
}

// --- Requests ------------------------------------------------------------------------------

#[test]
fn requests_are_fresh_and_follow_the_redirect_uri_prefix() {
    let a = AuthorizationRequest::direct_post(RESPONSE_URI, door_query()).unwrap();
    let b = AuthorizationRequest::direct_post(RESPONSE_URI, door_query()).unwrap();
    assert_eq!(a.client_id, format!("redirect_uri:{RESPONSE_URI}"));
    assert_eq!(a.response_type, "vp_token");
    assert_eq!(a.response_mode, "direct_post");
    assert!(a.nonce.len() >= 22, "at least 128 bits");
    assert!(
        a.nonce
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.state, b.state);
    let binding = a.binding();
    assert_eq!(binding.aud.as_deref(), Some(a.client_id.as_str()));
    assert_eq!(binding.nonce.as_deref(), Some(a.nonce.as_str()));

    assert!(AuthorizationRequest::direct_post("http://door.example/r", door_query()).is_err());
    assert!(AuthorizationRequest::direct_post("http://127.0.0.1:8080/r", door_query()).is_ok());
    assert!(AuthorizationRequest::direct_post("ftp://door.example/r", door_query()).is_err());
    assert!(AuthorizationRequest::direct_post("https://door.example/r#x", door_query()).is_err());

    let mut other = a.clone();
    other.client_id = "redirect_uri:https://elsewhere.example/r".into();
    assert!(protocol_error(other.validate()).contains("Response URI"));
    other.client_id = "x509_san_dns:door.example".into();
    assert!(protocol_error(other.validate()).contains("redirect_uri:"));
    let mut bad_nonce = a.clone();
    bad_nonce.nonce = "a b".into();
    assert!(bad_nonce.validate().is_err());
}

#[test]
fn requests_round_trip_as_json_and_deep_links() {
    let request = AuthorizationRequest::direct_post(RESPONSE_URI, door_query()).unwrap();
    assert_eq!(AuthorizationRequest::from_json(&request.to_json()).unwrap(), request);

    let link = request.deep_link("openid4vp://");
    assert!(link.starts_with("openid4vp://?response_type=vp_token&client_id=redirect_uri%3Ahttps%3A%2F%2F"));
    assert!(link.contains("&dcql_query=%7B%22credentials%22"));
    assert_eq!(AuthorizationRequest::from_deep_link(&link).unwrap(), request);
    let universal = request.deep_link("https://wallet.example/authorize?lang=ko");
    assert!(universal.starts_with("https://wallet.example/authorize?lang=ko&response_type="));
    assert_eq!(AuthorizationRequest::from_deep_link(&universal).unwrap(), request);

    let by_reference = request.deep_link_by_reference("openid4vp://", "https://door.example/oid4vp/request/42");
    assert_eq!(
        by_reference,
        "openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fdoor.example%2Foid4vp%2Fresponse\
         &request_uri=https%3A%2F%2Fdoor.example%2Foid4vp%2Frequest%2F42"
    );
    let DeepLink::ByReference { client_id, request_uri } = DeepLink::parse(&by_reference).unwrap() else {
        panic!("by reference");
    };
    assert_eq!(request_uri, "https://door.example/oid4vp/request/42");
    assert!(AuthorizationRequest::from_deep_link(&by_reference).is_err());
    let object = request.request_object();
    assert!(object.ends_with('.'));
    assert_eq!(
        AuthorizationRequest::from_request_object(&object, &client_id).unwrap(),
        request
    );
    assert!(AuthorizationRequest::from_request_object(&object, "redirect_uri:https://evil.example/r").is_err());
}

/// A request by reference is a Request Object signed with the door's certificate, under the
/// `x509_hash:` client id that names it: what wallets on the common libraries require (they
/// refuse an unsigned object fetched by reference). The wallet side checks the hash, the
/// signature and the client id.
#[tokio::test]
async fn signed_request_objects_round_trip_and_forgeries_are_refused() {
    use verifier::service::RequestSigner;
    let signer = RequestSigner::generate("door.example").unwrap();
    let request = AuthorizationRequest::direct_post(RESPONSE_URI, door_query())
        .unwrap()
        .for_certificate(signer.leaf());
    assert!(request.is_signed());
    assert!(request.client_id.starts_with("x509_hash:"));
    request.validate().unwrap();
    assert_eq!(request.binding().aud.as_deref(), Some(request.client_id.as_str()));
    let object = request
        .signed_request_object(signer.signer(), signer.chain())
        .await
        .unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            object.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "oauth-authz-req+jwt");
    assert_eq!(header["x5c"].as_array().unwrap().len(), 1);
    assert_eq!(
        AuthorizationRequest::from_request_object(&object, &request.client_id).unwrap(),
        request
    );
    // Another door's certificate: the hash does not match the link's client id.
    let other = RequestSigner::generate("door.example").unwrap();
    let forged = request
        .signed_request_object(other.signer(), other.chain())
        .await
        .unwrap();
    assert!(protocol_error(AuthorizationRequest::from_request_object(&forged, &request.client_id)).contains("hash"));
    // The right certificate in x5c, signed by another key.
    let mismatched = request
        .signed_request_object(other.signer(), signer.chain())
        .await
        .unwrap();
    assert!(
        protocol_error(AuthorizationRequest::from_request_object(
            &mismatched,
            &request.client_id
        ))
        .contains("signature")
    );
    // An unsigned object cannot claim an x509_hash: client id, nor a signed one a redirect_uri: one.
    assert!(AuthorizationRequest::from_request_object(&request.request_object(), &request.client_id).is_err());
    let unsigned = AuthorizationRequest::direct_post(RESPONSE_URI, door_query()).unwrap();
    assert!(AuthorizationRequest::from_request_object(&object, &unsigned.client_id).is_err());
    // A malformed hash is not a client id.
    let mut bad = request.clone();
    bad.client_id = "x509_hash:abc".into();
    assert!(bad.validate().is_err());
}

#[test]
fn hostile_requests_are_rejected() {
    let request = AuthorizationRequest::direct_post(RESPONSE_URI, door_query()).unwrap();
    let mut json: Value = serde_json::from_str(&request.to_json()).unwrap();
    for (name, value) in [
        ("redirect_uri", json!(RESPONSE_URI)),
        ("transaction_data", json!(["eyJ0eXBlIjoieCJ9"])),
        ("scope", json!("openid")),
    ] {
        let mut hostile = json.clone();
        hostile[name] = value;
        assert!(
            protocol_error(AuthorizationRequest::from_json(&hostile.to_string())).contains(name),
            "{name}"
        );
    }
    json["response_mode"] = json!("fragment");
    assert!(AuthorizationRequest::from_json(&json.to_string()).is_err());
    json["response_mode"] = json!("direct_post");
    json.as_object_mut().unwrap().remove("dcql_query");
    assert!(protocol_error(AuthorizationRequest::from_json(&json.to_string())).contains("dcql_query"));

    let link = request.deep_link("openid4vp://");
    assert!(
        protocol_error(AuthorizationRequest::from_deep_link(&format!("{link}&nonce=again"))).contains("more than once")
    );
    assert!(AuthorizationRequest::from_deep_link(&format!("{link}&x=%FF")).is_err());
    assert!(AuthorizationRequest::from_deep_link(&"a".repeat(70_000)).is_err());
    assert!(AuthorizationRequest::from_deep_link("openid4vp://").is_err());

    let object = request.request_object();
    let (_, rest) = object.split_once('.').unwrap();
    let signed_header = base64_url(r#"{"alg":"ES256","typ":"oauth-authz-req+jwt"}"#);
    assert!(AuthorizationRequest::from_request_object(&format!("{signed_header}.{rest}"), &request.client_id).is_err());
    let no_typ = base64_url(r#"{"alg":"none"}"#);
    assert!(AuthorizationRequest::from_request_object(&format!("{no_typ}.{rest}"), &request.client_id).is_err());
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

// --- Responses -----------------------------------------------------------------------------

#[test]
fn direct_post_bodies_round_trip() {
    let mut token = VpToken::new();
    token.push("employee", "eyJhbGci.eyJ.sig~WyJz~eyJ.kb.sig");
    token.push(
        "ldp",
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]}),
    );
    let body = direct_post_body(&token, Some("st-1"));
    assert!(body.starts_with("vp_token=%7B"));
    let AuthorizationResponse::Success { vp_token, state } =
        AuthorizationResponse::parse_direct_post(body.as_bytes()).unwrap()
    else {
        panic!("success");
    };
    assert_eq!(vp_token, token);
    assert_eq!(state.as_deref(), Some("st-1"));
    let texts = vp_token.presentations();
    assert_eq!(texts.len(), 2);
    assert!(texts.iter().any(|(id, t)| *id == "employee" && t.ends_with(".kb.sig")));
    assert!(texts.iter().any(|(id, t)| *id == "ldp" && t.starts_with('{')));

    let error = error_body("access_denied", Some("the holder declined"), Some("st-1"));
    let parsed = AuthorizationResponse::parse_direct_post(error.as_bytes()).unwrap();
    assert_eq!(parsed.state(), Some("st-1"));
    assert_eq!(
        parsed,
        AuthorizationResponse::Error {
            error: "access_denied".into(),
            error_description: Some("the holder declined".into()),
            state: Some("st-1".into()),
        }
    );
    // A description RFC 6749 forbids is dropped; the refusal still arrives.
    let korean = error_body("access_denied", Some("거부"), None);
    assert_eq!(
        AuthorizationResponse::parse_direct_post(korean.as_bytes()).unwrap(),
        AuthorizationResponse::Error {
            error: "access_denied".into(),
            error_description: None,
            state: None,
        }
    );
    // Unknown parameters are ignored (§8.2).
    let extra = format!("{}&iss=https%3A%2F%2Fwallet.example", direct_post_body(&token, None));
    assert!(AuthorizationResponse::parse_direct_post(extra.as_bytes()).is_ok());
}

#[test]
fn hostile_bodies_are_rejected() {
    let mut token = VpToken::new();
    token.push("employee", "a~b~");
    let good = direct_post_body(&token, Some("s"));
    let hostile: Vec<(Vec<u8>, &str)> = vec![
        (format!("{good}&{good}").into_bytes(), "more than once"),
        (format!("{good}&state=t").into_bytes(), "more than once"),
        (format!("vp_token=x{}", "y".repeat(MAX_BODY_LEN)).into_bytes(), "bytes"),
        (b"vp_token=not-json".to_vec(), "not JSON"),
        (b"vp_token=%5B%22a%22%5D".to_vec(), "not a JSON object"),
        (b"vp_token=%7B%22employee%22%3A%22a~%22%7D".to_vec(), "not an array"),
        (b"vp_token=%7B%22employee%22%3A%5B%5D%7D".to_vec(), "presentations"),
        (
            b"vp_token=%7B%22employee%22%3A%5B1%5D%7D".to_vec(),
            "not a string or an object",
        ),
        (
            b"vp_token=%7B%22bad+id%22%3A%5B%22a%22%5D%7D".to_vec(),
            "credential query id",
        ),
        (
            b"vp_token=%7B%22a%22%3A%5B%22x%22%5D%2C%22a%22%3A%5B%22y%22%5D%7D".to_vec(),
            "not JSON",
        ),
        (b"state=s".to_vec(), "neither"),
        (format!("{good}&error=access_denied").into_bytes(), "both"),
        (b"vp_token=%7B%7D&state=a%20b".to_vec(), "state"),
        (b"error=bad%22code".to_vec(), "error"),
        (b"vp_token=%FF".to_vec(), "UTF-8"),
        (vec![b'v', 0xff, b'='], "UTF-8"),
        (
            (0..40).map(|i| format!("x{i}=1&")).collect::<String>().into_bytes(),
            "parameters",
        ),
    ];
    for (body, expected) in hostile {
        let message = protocol_error(AuthorizationResponse::parse_direct_post(&body));
        assert!(
            message.contains(expected),
            "{}: {message}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        );
    }
    // Unknown credential query ids parse but do not answer the query.
    let stranger = b"vp_token=%7B%22stranger%22%3A%5B%22a~%22%5D%7D";
    let AuthorizationResponse::Success { vp_token, .. } = AuthorizationResponse::parse_direct_post(stranger).unwrap()
    else {
        panic!("success");
    };
    assert_eq!(door_query().check_response(&vp_token), Err(ReasonCode::RequestMismatch));
}

// --- End to end with real SD-JWT VCs -------------------------------------------------------

fn issuer() -> IssuerKey {
    let jwk = key_file::generate(Algorithm::Es256).unwrap();
    IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap()
}

fn verifier_for(request: &AuthorizationRequest) -> Verifier {
    Verifier {
        resolver: Arc::new(CompositeResolver::with_default_methods()),
        clock: Arc::new(FixedClock::new(SystemTime::from(now()) + Duration::from_secs(3600))),
        skew: Duration::from_secs(60),
        binding: request.binding(),
        status_source: Arc::new(MemoryStatusListSource::new()),
        status_cache: None,
        unreachable_status: verifier::verify::UnreachableStatus::Fail,
        holder_subjects: verifier::verify::HolderSubjects::MustBeHolder,
    }
}

/// An employee SD-JWT VC of type `vct` bound to `holder`, every personal claim disclosable.
fn employee_credential(vct: &str, holder: &SigningKey) -> String {
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();
    let claims = json!({
        "vct": vct,
        "sub": holder_did,
        "name": "Kim Mina",
        "department": "Research",
        "employee_id": "E-1024",
        "birthdate": "1990-01-01"
    });
    let disclose: Vec<String> = ["/name", "/department", "/employee_id", "/birthdate"]
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    issue::issue(claims, Format::SdJwt, &issuer(), &disclose, now()).unwrap()
}

/// The wallet: discloses `pointers`, binds to the request's nonce and client id, posts.
fn wallet_answer(request: &AuthorizationRequest, credential: &str, holder: &SigningKey, pointers: &[&str]) -> String {
    let kb = KeyBinding::new(
        request.client_id.clone(),
        request.nonce.clone(),
        SystemTime::from(now()) + Duration::from_secs(3590),
    );
    let presentation = SdJwt::parse(credential)
        .unwrap()
        .select(pointers)
        .unwrap()
        .bind(&kb, holder)
        .unwrap();
    // Only the chosen claims travel.
    assert_eq!(SdJwt::parse(&presentation).unwrap().disclosures().len(), pointers.len());
    let mut token = VpToken::new();
    token.push("employee", presentation);
    direct_post_body(&token, request.state.as_deref())
}

/// The door: parses the body, checks presence, verifies each presentation, matches its claims.
async fn door_decides(request: &AuthorizationRequest, body: &str) -> Result<(), ReasonCode> {
    let AuthorizationResponse::Success { vp_token, state } =
        AuthorizationResponse::parse_direct_post(body.as_bytes()).unwrap()
    else {
        panic!("success");
    };
    assert_eq!(state, request.state);
    request.dcql_query.check_response(&vp_token)?;
    for (id, presentation) in vp_token.presentations() {
        let report = verifier_for(request).verify(&presentation).await;
        if !report.verified {
            return Err(report.errors[0].reason());
        }
        let Some(Value::Object(claims)) = &report.claims else {
            panic!("claims");
        };
        request.dcql_query.check_presentation(id, "dc+sd-jwt", claims)?;
    }
    Ok(())
}

#[tokio::test]
async fn a_wallet_answers_a_door_request_end_to_end() {
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let credential = employee_credential(VCT, &holder);
    let request = AuthorizationRequest::direct_post(RESPONSE_URI, door_query()).unwrap();

    // The wallet scans the QR code, reads the request, and answers with only what is asked.
    let seen = AuthorizationRequest::from_deep_link(&request.deep_link("openid4vp://")).unwrap();
    let body = wallet_answer(&seen, &credential, &holder, &["/department", "/employee_id"]);
    assert_eq!(door_decides(&request, &body).await, Ok(()));

    // The holder withholds a requested claim.
    let body = wallet_answer(&seen, &credential, &holder, &["/department"]);
    assert_eq!(door_decides(&request, &body).await, Err(ReasonCode::ClaimMissing));

    // A credential of another type.
    let visitor = employee_credential("https://dojang.example/credentials/visitor", &holder);
    let body = wallet_answer(&seen, &visitor, &holder, &["/department", "/employee_id"]);
    assert_eq!(door_decides(&request, &body).await, Err(ReasonCode::RequestMismatch));

    // A presentation bound to another request's nonce, or to the response URI without the
    // client id prefix, is refused by the engine.
    let mut other = request.clone();
    other.nonce = AuthorizationRequest::direct_post(RESPONSE_URI, door_query())
        .unwrap()
        .nonce;
    let body = wallet_answer(&other, &credential, &holder, &["/department", "/employee_id"]);
    assert_eq!(door_decides(&request, &body).await, Err(ReasonCode::NonceMismatch));
    let mut unprefixed = request.clone();
    unprefixed.client_id = RESPONSE_URI.into();
    let body = wallet_answer(&unprefixed, &credential, &holder, &["/department", "/employee_id"]);
    assert_eq!(door_decides(&request, &body).await, Err(ReasonCode::AudienceMismatch));
}
