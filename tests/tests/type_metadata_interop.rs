//! The issuer's SD-JWT VC Type Metadata (`<public_url>/vct/<name>`, draft-ietf-oauth-sd-jwt-vc
//! "SD-JWT VC Type Metadata") read by a third-party library: `@sd-jwt/sd-jwt-vc` 0.19.0
//! (`interop/node/sd_jwt_vc.mjs`, op `verify_with_type_metadata`, pinned in
//! `interop/node/package-lock.json`) verifies an SD-JWT VC of each shipped template with its
//! type metadata loading on (`loadTypeMetadataFormat`): it fetches the `vct` URL from the live
//! issuer and parses the document with its zod schema `TypeMetadataFormatSchema`. The bridge
//! also checks the document strictly against that schema (no member it does not name), the
//! draft's rules the schema leaves out, and the draft's claim metadata validation of the issued
//! credential (`sd` of each `path` against how the claim is issued).
//!
//! `vct#integrity`: the issuer sets none. A credential the bridge signs with the live `vct`
//! and the W3C SRI of the served octets shows the octets check out under the draft's rule; the
//! library's own check compares the digest in hex, not base64 (a finding: it rejects the
//! draft's SRI string and accepts `sha256-<hex>`), so that credential is verified with the
//! bridge's SRI check in its place (`"integrity": "draft"`).

use crate::common;

use serde_json::{Value, json};

async fn call(request: Value) -> Value {
    common::issuer::node_bridge_async("sd_jwt_vc.mjs", request).await
}

fn employee() -> Value {
    json!({
        "employee_number": "E-4410",
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gangwon Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main", "lab-2"],
        "photo_digest": "sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    })
}

fn citizen() -> Value {
    json!({
        "name_ko": "이서연",
        "name_latin": "Lee Seoyeon",
        "birth_date": "1990-03-01",
        "resident_district": "Jung-gu",
        "card_number": "1234-5678-9012"
    })
}

/// The claim metadata entry the bridge evaluated for `path`.
fn selected<'a>(answer: &'a Value, path: &Value) -> &'a Value {
    answer["claim_metadata"]["selected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["path"] == *path)
        .unwrap_or_else(|| panic!("no claim metadata for {path}: {answer:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn sd_jwt_js_accepts_the_type_metadata_of_both_templates() {
    let dir = common::scratch("type-metadata-interop");
    let running = common::issuer::start_key_issuer(&dir).await;
    let url = running.url();
    let admin = running.admin_token.as_ref().unwrap().to_string();
    let http = reqwest::Client::new();

    let mut documents = Vec::new();
    for (template, claims) in [
        ("EmployeeIdCredential", employee()),
        ("CitizenCardCredential", citizen()),
    ] {
        let response = http
            .post(format!("{url}/admin/credentials"))
            .bearer_auth(&admin)
            .json(&json!({"type": template, "claims": claims}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{template}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["format"], "sd-jwt", "{template}: {body:#}");
        let sd_jwt = body["credential"].as_str().unwrap().to_owned();

        let answer = call(json!({"op": "verify_with_type_metadata", "sd_jwt": sd_jwt, "allow_http": true})).await;
        assert_eq!(answer["ok"], true, "{template}: {answer:#}");
        // The library: signature, status list, and the type metadata fetched and parsed.
        assert_eq!(answer["accepted"], true, "{template}: {answer:#}");
        let vct = format!("{url}/vct/{template}");
        assert_eq!(answer["vct"], vct.as_str());
        assert_eq!(
            answer["type_metadata"]["vctValues"],
            json!([vct]),
            "{template}: {answer:#}"
        );
        let document = &answer["fetched"]["document"];
        assert_eq!(
            answer["type_metadata"]["mergedTypeMetadata"], *document,
            "{template}: the library read the document as served"
        );
        assert_eq!(answer["fetched"]["status"], 200);
        assert!(
            answer["fetched"]["content_type"]
                .as_str()
                .unwrap()
                .starts_with("application/json"),
            "{answer:#}"
        );
        assert_eq!(answer["vct_matches"], true, "{template}: {answer:#}");
        // Strictly the library's schema, and the draft's rules it leaves out.
        assert_eq!(
            answer["schema"],
            json!({"valid": true, "issues": []}),
            "{template}: {answer:#}"
        );
        assert_eq!(answer["strict"]["unknown"], json!([]), "{template}: {answer:#}");
        assert_eq!(answer["draft"]["errors"], json!([]), "{template}: {answer:#}");
        assert_eq!(answer["draft"]["notes"], json!([]), "{template}: {answer:#}");
        // The type's names by locale.
        let locales: Vec<&str> = document["display"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["locale"].as_str().unwrap())
            .collect();
        assert_eq!(locales, ["ko-KR", "en-US"], "{template}");
        // Claim metadata against the credential as issued: every `sd` rule holds, and every
        // subject claim issued is described by a `path` that selects it.
        assert_eq!(answer["claim_metadata"]["errors"], json!([]), "{template}: {answer:#}");
        for name in body["record"]["claims"].as_object().unwrap().keys() {
            let entry = selected(&answer, &json!([name]));
            assert_eq!(entry["selected"], 1, "{template} {name}: {answer:#}");
        }
        // No `vct#integrity` from this issuer (it would be checked with `integrity` below).
        assert_eq!(answer["vct_integrity"], Value::Null, "{template}: {answer:#}");
        documents.push((template, vct, sd_jwt, answer));
    }

    // The array of access groups is in clear; each group is disclosable on its own.
    let (_, _, employee_sd_jwt, employee_answer) = &documents[0];
    let groups = selected(employee_answer, &json!(["access_groups"]));
    assert_eq!(
        (groups["sd"].clone(), groups["disclosable"].clone()),
        (json!("never"), json!(0))
    );
    let elements = selected(employee_answer, &json!(["access_groups", null]));
    assert_eq!(
        (
            elements["sd"].clone(),
            elements["selected"].clone(),
            elements["disclosable"].clone()
        ),
        (json!("always"), json!(2), json!(2)),
        "{employee_answer:#}"
    );

    // The checks are live: the library's schema refuses a display without `locale` and an
    // unknown `sd` value; the strict walk names a member the schema does not; the claim
    // metadata validation refuses `sd` rules the credential does not follow.
    let document = employee_answer["fetched"]["document"].clone();
    let mut no_locale = document.clone();
    no_locale["display"][0].as_object_mut().unwrap().remove("locale");
    let mut bad_sd = document.clone();
    bad_sd["claims"][0]["sd"] = json!("sometimes");
    let mut extra = document.clone();
    extra["schema_uri"] = json!(format!("{url}/schemas/EmployeeIdCredential"));
    let mut flipped = document.clone();
    for claim in flipped["claims"].as_array_mut().unwrap() {
        let sd = if claim["sd"] == "always" { "never" } else { "always" };
        claim["sd"] = json!(sd);
    }
    for (what, document, schema_valid, unknown, claim_errors) in [
        ("no locale", no_locale, false, json!([]), false),
        ("sd sometimes", bad_sd, false, json!([]), false),
        ("schema_uri", extra, true, json!(["/schema_uri"]), false),
        ("sd flipped", flipped, true, json!([]), true),
    ] {
        let answer = call(json!({"op": "check_type_metadata", "document": document, "sd_jwt": employee_sd_jwt})).await;
        assert_eq!(answer["ok"], true, "{what}: {answer:#}");
        assert_eq!(answer["schema"]["valid"], schema_valid, "{what}: {answer:#}");
        assert_eq!(answer["strict"]["unknown"], unknown, "{what}: {answer:#}");
        assert_eq!(
            !answer["claim_metadata"]["errors"].as_array().unwrap().is_empty(),
            claim_errors,
            "{what}: {answer:#}"
        );
    }

    // `vct#integrity` over the octets the issuer serves: a credential the bridge signs with the
    // live `vct` and the draft's SRI string of that document.
    let (template, vct, _, answer) = &documents[1];
    let probe = &answer["integrity_probe"];
    let sri = probe["sri"].as_str().unwrap().to_owned();
    assert!(sri.starts_with("sha256-") && sri.ends_with('='), "{probe:#}");
    // The library's finding: its check wants the digest in hex.
    assert_eq!(
        (
            probe["library_accepts_sri"].clone(),
            probe["library_accepts_hex"].clone()
        ),
        (json!(false), json!(true)),
        "{probe:#}"
    );
    let key = call(json!({"op": "generate", "alg": "ES256"})).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let issued = call(json!({
        "op": "issue", "issuer_jwk": key["jwk"],
        "claims": {"iss": key["did"], "vct": vct, "vct#integrity": sri, "iat": now, "age_over_19": true},
        "disclosure_frame": {"_sd": ["age_over_19"]}
    }))
    .await;
    assert_eq!(issued["ok"], true, "{issued:#}");
    let answer = call(json!({
        "op": "verify_with_type_metadata", "sd_jwt": issued["sd_jwt"], "allow_http": true, "integrity": "draft"
    }))
    .await;
    assert_eq!(answer["ok"], true, "{template} with vct#integrity: {answer:#}");
    assert_eq!(answer["integrity"]["draft_ok"], true, "{answer:#}");
    assert_eq!(answer["accepted"], true, "{template} with vct#integrity: {answer:#}");
    assert_eq!(answer["type_metadata"]["vctValues"], json!([vct]));
    // A wrong digest is refused.
    let wrong = format!("sha256-{}=", "A".repeat(43));
    let issued = call(json!({
        "op": "issue", "issuer_jwk": key["jwk"],
        "claims": {"iss": key["did"], "vct": vct, "vct#integrity": wrong, "iat": now}
    }))
    .await;
    let answer = call(json!({
        "op": "verify_with_type_metadata", "sd_jwt": issued["sd_jwt"], "allow_http": true, "integrity": "draft"
    }))
    .await;
    assert_eq!(answer["ok"], true, "{answer:#}");
    assert_eq!(answer["integrity"]["draft_ok"], false, "{answer:#}");
    assert_eq!(answer["accepted"], false, "a wrong vct#integrity: {answer:#}");

    running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
