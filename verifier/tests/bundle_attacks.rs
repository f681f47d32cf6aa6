//! The trust bundle's negative suite: crafted bundles shown to a door that decides offline.
//!
//! A bundle is refused when it loads (`TrustBundle::load` gives `Error::Bundle`: the bundle
//! proves nothing, the door keeps no offline trust from it) or, once loaded, the door's decision
//! on an honest presentation names the reason (`BUNDLE_STALE`, `STATUS_STALE`, ...). The load
//! refusal does not fit the decision suite's `Attempt` model (`tests/attacks.rs`), so this is
//! its own table. Each case differs from a passing control in exactly the attacked way; the
//! controls come first.
//!
//! The door never tracks the bundles it loaded before, so a rolled-back (older, unexpired)
//! bundle is limited only by its own age: `bundle_rollback_stale_status` shows the status age
//! rule refusing one whose status list is older than the policy allows.
//!
//! Run with `cargo test -p verifier --test integration every_crafted_bundle -- --nocapture` to see the table.

use crate::support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::FixedClock;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support::*;
use verifier::Error;
use verifier::bundle::{BundleBuilder, MAX_BUNDLE_LEN, TrustBundle};
use verifier::decision::{Engine, OfflineTrust};
use verifier::policy::Policy;
use verifier::reason::ReasonCode;

/// What a case must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A control: the bundle loads and the door allows.
    Allowed,
    /// `TrustBundle::load` refuses the bundle (`Error::Bundle`).
    LoadRefused,
    /// The bundle loads and the door denies with this reason.
    Denied(ReasonCode),
}

impl Expect {
    fn text(self) -> String {
        match self {
            Expect::Allowed => "ALLOWED".into(),
            Expect::LoadRefused => "Error::Bundle".into(),
            Expect::Denied(code) => code.code().into(),
        }
    }
}

/// The door: its operator key (the only key a bundle is checked with), its policy, and when it
/// decides.
struct Door {
    operator: Arc<SigningKey>,
    policy: Policy,
    now: SystemTime,
}

/// One row of the table: builds the bundle bytes from a fresh world and door.
struct Case {
    name: &'static str,
    attacks: &'static str,
    expect: Expect,
    build: fn(&mut World, &mut Door) -> Vec<u8>,
}

const fn case(
    name: &'static str,
    attacks: &'static str,
    expect: Expect,
    build: fn(&mut World, &mut Door) -> Vec<u8>,
) -> Case {
    Case {
        name,
        attacks,
        expect,
        build,
    }
}

/// A bundle made by `BundleBuilder` with `operator`, at `made` (the world's now unless given),
/// valid for `valid_for`, trusting `issuer` for the credential type and carrying the status
/// list `source` serves.
fn build_bundle(
    world: &World,
    operator: &Arc<SigningKey>,
    made: SystemTime,
    valid_for: Duration,
    issuer: &str,
    source: MemoryStatusListSource,
) -> String {
    let builder = BundleBuilder::new(
        operator.clone(),
        Arc::new(CompositeResolver::with_default_methods()),
        Arc::new(source),
    )
    .issuer(VCT, issuer)
    .status_list(LIST_URL)
    .valid_for(valid_for)
    .clock(Arc::new(FixedClock::new(made)));
    let _ = world;
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(builder.build())
        .unwrap()
}

/// The honest bundle: made ten minutes ago by the door's operator, valid for a day.
fn honest(world: &World, door: &Door) -> String {
    build_bundle(
        world,
        &door.operator,
        world.now() - Duration::from_secs(600),
        Duration::from_secs(24 * 3600),
        &world.issuer_did,
        world.status_source(),
    )
}

/// The header and payload of a compact JWS, decoded.
fn parts(bundle: &str) -> (Value, Value) {
    let mut it = bundle.split('.');
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    let payload = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (header, payload)
}

/// A compact JWS with exactly these header and payload bytes, signed by `key`.
fn sign_raw(header: &str, payload: &[u8], key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    format!("{input}.{}", b64(key.sign(input.as_bytes()).unwrap()))
}

const HEADER: &str = r#"{"alg":"ES256","typ":"dojang-trust-bundle+jwt"}"#;

/// The honest bundle's content with `change` applied, re-signed by the door's operator.
fn resigned(world: &World, door: &Door, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let (_, mut content) = parts(&honest(world, door));
    change(&mut content);
    sign_raw(HEADER, content.to_string().as_bytes(), &door.operator).into_bytes()
}

/// The honest bundle's content, serialized, with `from` replaced by `to` once, re-signed by
/// the door's operator (for shapes a JSON value cannot hold, like a member twice).
fn resigned_text(world: &World, door: &Door, from: &str, to: &str) -> Vec<u8> {
    let (_, content) = parts(&honest(world, door));
    let text = content.to_string();
    let changed = text.replacen(from, to, 1);
    assert_ne!(changed, text, "{from} not found in the content");
    sign_raw(HEADER, changed.as_bytes(), &door.operator).into_bytes()
}

/// The honest bundle with its payload part replaced by `content` and the operator's signature
/// kept (tampering after signing).
fn tampered(world: &World, door: &Door, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let bundle = honest(world, door);
    let (_, mut content) = parts(&bundle);
    change(&mut content);
    let mut it = bundle.split('.');
    let header = it.next().unwrap();
    let signature = it.nth(1).unwrap();
    format!("{header}.{}.{signature}", b64(content.to_string())).into_bytes()
}

/// A did:key issuer the door never heard of, and its key.
fn rogue() -> (SigningKey, String, String) {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let did = KeyResolver::did_for(key.verifying_key()).unwrap().into_string();
    let kid = KeyResolver::key_id_for(key.verifying_key());
    (key, did, kid)
}

/// A policy trusting for the credential type only the issuers a bundle lists.
fn bundle_trust_policy() -> Policy {
    Policy::from_toml(&format!(
        r#"
        door = "east"
        audience = "{AUD}"
        [[accept]]
        type = "{VCT}"
        claims = [{{ path = "department", in = ["IT", "Security"] }}]
        "#
    ))
    .unwrap()
}

/// HMAC-SHA256 (RFC 2104), for the algorithm-confusion case.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new().chain_update(&inner).chain_update(message).finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .to_vec()
}

fn controls() -> Vec<Case> {
    vec![
        case(
            "control_bundle",
            "nothing: the operator's bundle, made 10 minutes ago, loaded by the door offline",
            Expect::Allowed,
            |w, d| honest(w, d).into_bytes(),
        ),
        case(
            "control_bundle_raw",
            "nothing: the same content re-signed byte by byte by this suite's raw signer",
            Expect::Allowed,
            |w, d| resigned(w, d, |_| {}),
        ),
        case(
            "control_bundle_trust_list",
            "nothing: a door whose policy trusts only the issuers the bundle lists",
            Expect::Allowed,
            |w, d| {
                d.policy = bundle_trust_policy();
                honest(w, d).into_bytes()
            },
        ),
        case(
            "control_bundle_trailing_newline",
            "nothing: the bundle file ends with a newline",
            Expect::Allowed,
            |w, d| format!("{}\n", honest(w, d)).into_bytes(),
        ),
    ]
}

fn attacks() -> Vec<Case> {
    vec![
        // --- who signed it ---
        case(
            "bundle_unknown_key",
            "a well-formed bundle signed by a key the door does not know",
            Expect::LoadRefused,
            |w, _| {
                let other = Arc::new(SigningKey::generate(KeyType::P256).unwrap());
                build_bundle(
                    w,
                    &other,
                    w.now(),
                    Duration::from_secs(3600),
                    &w.issuer_did,
                    w.status_source(),
                )
                .into_bytes()
            },
        ),
        case(
            "bundle_header_jwk_injection",
            "signed by the attacker, whose public key rides in the header's jwk",
            Expect::LoadRefused,
            |w, d| {
                let (attacker, _, _) = rogue();
                let jwk = serde_json::to_string(&attacker.verifying_key().to_jwk()).unwrap();
                let header = format!(r#"{{"alg":"ES256","jwk":{jwk},"typ":"dojang-trust-bundle+jwt"}}"#);
                let (_, content) = parts(&honest(w, d));
                sign_raw(&header, content.to_string().as_bytes(), &attacker).into_bytes()
            },
        ),
        case(
            "bundle_kid_of_operator",
            "signed by the attacker under a kid naming the door's operator key",
            Expect::LoadRefused,
            |w, d| {
                let (attacker, _, _) = rogue();
                let kid = KeyResolver::key_id_for(d.operator.verifying_key());
                let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"dojang-trust-bundle+jwt"}}"#);
                let (_, content) = parts(&honest(w, d));
                sign_raw(&header, content.to_string().as_bytes(), &attacker).into_bytes()
            },
        ),
        // --- changed after signing ---
        case(
            "bundle_tampered_issuers",
            "a rogue issuer added to the trust list after signing",
            Expect::LoadRefused,
            |w, d| {
                let (_, did, _) = rogue();
                tampered(w, d, |c| c["issuers"][VCT].as_array_mut().unwrap().push(json!(did)))
            },
        ),
        case(
            "bundle_tampered_expiry",
            "expires_at pushed a year later after signing",
            Expect::LoadRefused,
            |w, d| {
                tampered(w, d, |c| {
                    c["expires_at"] = json!(c["expires_at"].as_u64().unwrap() + 365 * 86400);
                })
            },
        ),
        case(
            "bundle_tampered_status_list",
            "the carried status list's fetched_at moved to now after signing",
            Expect::LoadRefused,
            |w, d| {
                tampered(w, d, |c| {
                    c["status_lists"][LIST_URL]["fetched_at"] = json!(T0 + 3600);
                })
            },
        ),
        case(
            "bundle_signature_truncated",
            "the operator's signature cut to 63 bytes",
            Expect::LoadRefused,
            |w, d| {
                let bundle = honest(w, d);
                let (input, signature) = bundle.rsplit_once('.').unwrap();
                let sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
                format!("{input}.{}", b64(&sig[..63])).into_bytes()
            },
        ),
        // --- the JOSE header ---
        case(
            "bundle_alg_none",
            "alg none, no signature",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                format!(
                    "{}.{}.",
                    b64(r#"{"alg":"none","typ":"dojang-trust-bundle+jwt"}"#),
                    b64(content.to_string())
                )
                .into_bytes()
            },
        ),
        case(
            "bundle_alg_hs256_public_key_as_secret",
            "HS256 with the operator's public JWK as the HMAC secret",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                let input = format!(
                    "{}.{}",
                    b64(r#"{"alg":"HS256","typ":"dojang-trust-bundle+jwt"}"#),
                    b64(content.to_string())
                );
                let secret = serde_json::to_vec(&d.operator.verifying_key().to_jwk()).unwrap();
                format!("{input}.{}", b64(hmac_sha256(&secret, input.as_bytes()))).into_bytes()
            },
        ),
        case(
            "bundle_wrong_alg",
            "ES384 in the header over the P-256 operator's signature",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                let header = r#"{"alg":"ES384","typ":"dojang-trust-bundle+jwt"}"#;
                sign_raw(header, content.to_string().as_bytes(), &d.operator).into_bytes()
            },
        ),
        case(
            "bundle_wrong_typ",
            "typ JWT (another kind of token signed by the operator key)",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                sign_raw(
                    r#"{"alg":"ES256","typ":"JWT"}"#,
                    content.to_string().as_bytes(),
                    &d.operator,
                )
                .into_bytes()
            },
        ),
        case(
            "bundle_crit_unknown",
            "a crit extension the door does not understand",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                let header = r#"{"alg":"ES256","crit":["x-scope"],"typ":"dojang-trust-bundle+jwt","x-scope":"all"}"#;
                sign_raw(header, content.to_string().as_bytes(), &d.operator).into_bytes()
            },
        ),
        case(
            "bundle_unencoded_payload",
            "b64: false (RFC 7797) in the header",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                let header = r#"{"alg":"ES256","b64":false,"crit":["b64"],"typ":"dojang-trust-bundle+jwt"}"#;
                sign_raw(header, content.to_string().as_bytes(), &d.operator).into_bytes()
            },
        ),
        case(
            "bundle_duplicate_header_member",
            "the header with alg twice",
            Expect::LoadRefused,
            |w, d| {
                let (_, content) = parts(&honest(w, d));
                let header = r#"{"alg":"ES256","alg":"ES256","typ":"dojang-trust-bundle+jwt"}"#;
                sign_raw(header, content.to_string().as_bytes(), &d.operator).into_bytes()
            },
        ),
        // --- size and encoding ---
        case(
            "bundle_oversized",
            "one byte over the 32 MiB limit",
            Expect::LoadRefused,
            |w, d| {
                let mut bytes = honest(w, d).into_bytes();
                bytes.resize(MAX_BUNDLE_LEN + 1, b'A');
                bytes
            },
        ),
        case(
            "bundle_not_utf8",
            "an invalid UTF-8 byte appended",
            Expect::LoadRefused,
            |w, d| {
                let mut bytes = honest(w, d).into_bytes();
                bytes.push(0xff);
                bytes
            },
        ),
        // --- the content, signed by the operator ---
        case(
            "bundle_unknown_field",
            "content with a member version 1 does not define",
            Expect::LoadRefused,
            |w, d| resigned(w, d, |c| c["revocation_override"] = json!(true)),
        ),
        case(
            "bundle_duplicate_member",
            "content with expires_at twice (the second a year later)",
            Expect::LoadRefused,
            |w, d| {
                resigned_text(
                    w,
                    d,
                    "\"expires_at\":",
                    &format!("\"expires_at\":{},\"expires_at\":", T0 + 400 * 86400),
                )
            },
        ),
        case(
            "bundle_duplicate_issuer_type",
            "the issuers map names the credential type twice, the second with a rogue issuer",
            Expect::LoadRefused,
            |w, d| {
                let (_, did, _) = rogue();
                d.policy = bundle_trust_policy();
                resigned_text(
                    w,
                    d,
                    &format!("\"{VCT}\":"),
                    &format!("\"{VCT}\":[\"{did}\"],\"{VCT}\":"),
                )
            },
        ),
        case("bundle_version_2", "content version 2", Expect::LoadRefused, |w, d| {
            resigned(w, d, |c| c["version"] = json!(2))
        }),
        case(
            "bundle_expires_before_issued",
            "expires_at before issued_at",
            Expect::LoadRefused,
            |w, d| {
                resigned(w, d, |c| {
                    c["expires_at"] = json!(c["issued_at"].as_u64().unwrap() - 1);
                })
            },
        ),
        case(
            "bundle_document_for_did_key",
            "a carried document overriding the issuer's did:key (computed locally)",
            Expect::LoadRefused,
            |w, d| {
                let (_, _, rogue_kid) = rogue();
                let issuer = w.issuer_did.clone();
                resigned(w, d, |c| {
                    c["documents"][issuer.as_str()] = json!({
                        "id": issuer,
                        "verificationMethod": [{"id": rogue_kid, "type": "Multikey", "controller": issuer,
                            "publicKeyMultibase": rogue_kid.split('#').nth(1).unwrap()}],
                        "assertionMethod": [rogue_kid],
                    });
                })
            },
        ),
        case(
            "bundle_document_wrong_id",
            "a carried did:web document whose id is another DID",
            Expect::LoadRefused,
            |w, d| {
                resigned(w, d, |c| {
                    c["documents"]["did:web:hr.example"] = json!({"id": "did:web:evil.example"});
                })
            },
        ),
        case(
            "bundle_status_bytes_not_base64",
            "a carried status list whose bytes are not base64url",
            Expect::LoadRefused,
            |w, d| resigned(w, d, |c| c["status_lists"][LIST_URL]["bytes"] = json!("not base64url!")),
        ),
        case(
            "bundle_registry_without_key",
            "did:dojang answers in a bundle for a door with no registry key configured",
            Expect::LoadRefused,
            |w, d| {
                resigned(w, d, |c| {
                    c["registry"] = json!({"snapshot": {
                        "format": "dojang-registry-snapshot/1", "log": "did:web:registry.example",
                        "exported": 0, "resolutions": [],
                    }});
                })
            },
        ),
        // --- loaded, then the door's decision ---
        case(
            "bundle_expired",
            "a genuine bundle past its expires_at (made 2 days ago, valid for 1)",
            Expect::Denied(ReasonCode::BundleStale),
            |w, d| {
                build_bundle(
                    w,
                    &d.operator,
                    w.now() - Duration::from_secs(2 * 86400),
                    Duration::from_secs(86400),
                    &w.issuer_did,
                    w.status_source(),
                )
                .into_bytes()
            },
        ),
        case(
            "bundle_rollback_stale_status",
            "an older genuine, unexpired bundle (2 days old, valid 7) replayed after the credential was revoked",
            Expect::Denied(ReasonCode::StatusStale),
            |w, d| {
                let old = build_bundle(
                    w,
                    &d.operator,
                    w.now() - Duration::from_secs(2 * 86400),
                    Duration::from_secs(7 * 86400),
                    &w.issuer_did,
                    w.status_source(),
                );
                w.set_status(1);
                old.into_bytes()
            },
        ),
        case(
            "bundle_revoked_offline",
            "the holder presents a credential the bundle's status list revokes",
            Expect::Denied(ReasonCode::Revoked),
            |w, d| {
                w.set_status(1);
                honest(w, d).into_bytes()
            },
        ),
        case(
            "bundle_forged_status_list",
            "the operator signs a bundle carrying a status list token signed by a rogue key",
            Expect::Denied(ReasonCode::StatusInvalid),
            |w, d| {
                let (key, _, kid) = rogue();
                let claim = StatusListClaim::from_list(&w.statuses).unwrap();
                let token = StatusListToken::new(LIST_URL, T0, claim)
                    .unwrap()
                    .sign(&key, Some(&kid))
                    .unwrap();
                w.set_status(1);
                build_bundle(
                    w,
                    &d.operator,
                    w.now() - Duration::from_secs(600),
                    Duration::from_secs(86400),
                    &w.issuer_did,
                    MemoryStatusListSource::new().with(LIST_URL, token),
                )
                .into_bytes()
            },
        ),
        case(
            "bundle_trusts_another_issuer",
            "a genuine bundle trusting only another issuer for the type, door trusting the bundle's list",
            Expect::Denied(ReasonCode::UntrustedIssuer),
            |w, d| {
                let (_, did, _) = rogue();
                d.policy = bundle_trust_policy();
                build_bundle(
                    w,
                    &d.operator,
                    w.now() - Duration::from_secs(600),
                    Duration::from_secs(86400),
                    &did,
                    w.status_source(),
                )
                .into_bytes()
            },
        ),
    ]
}

/// Loads the bundle as the door does and, if it loads, decides on the holder's honest
/// presentation offline. Returns the codes: the error variant, or the decision's reasons.
async fn attempt(world: &World, door: &Door, bundle: &[u8]) -> (Option<&'static str>, Vec<ReasonCode>, String) {
    let loaded = match TrustBundle::load(bundle, door.operator.verifying_key(), None) {
        Ok(loaded) => loaded,
        Err(error) => {
            let variant = match &error {
                Error::Bundle(_) => "Error::Bundle",
                _ => "another Error variant",
            };
            return (Some(variant), Vec::new(), error.to_string());
        }
    };
    let engine = Engine::offline(OfflineTrust::from_bundle(&loaded));
    let clock = FixedClock::new(door.now);
    let nonce = engine.issue_nonce(&door.policy, &clock);
    let input = world.present(&world.issue(&world.claims()), &nonce);
    let decision = engine.verify(&input, &door.policy, &clock).await.unwrap();
    let detail = format!("{decision:?}");
    (None, decision.codes(), detail)
}

#[test]
fn every_crafted_bundle_is_refused_with_its_code() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut cases = controls();
    cases.extend(attacks());
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let (mut controls_ok, mut refused_ok) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let mut world = World::new();
        let mut door = Door {
            operator: Arc::new(SigningKey::generate(KeyType::P256).unwrap()),
            policy: world.policy(),
            now: world.now(),
        };
        let bundle = (case.build)(&mut world, &mut door);
        let (error, codes, detail) = rt.block_on(attempt(&world, &door, &bundle));
        let got = match error {
            Some(variant) => variant.to_owned(),
            None => codes.iter().map(|c| c.code()).collect::<Vec<_>>().join(","),
        };
        let ok = match case.expect {
            Expect::Allowed => error.is_none() && codes == [ReasonCode::Allowed],
            Expect::LoadRefused => error == Some("Error::Bundle"),
            Expect::Denied(code) => error.is_none() && codes.contains(&code),
        };
        if ok {
            if case.expect == Expect::Allowed {
                controls_ok += 1;
            } else {
                refused_ok += 1;
            }
        } else {
            failures.push(format!(
                "{}: expected {}, got {got} ({detail})",
                case.name,
                case.expect.text()
            ));
        }
        rows.push(format!(
            "{i:>3} | {:<38} | {:<16} | {:<40} | {}",
            case.name,
            case.expect.text(),
            got,
            if ok { "ok" } else { "FAIL" }
        ));
        if error.is_some() {
            rows.push(format!("    |   {}", detail.chars().take(110).collect::<String>()));
        }
    }
    println!(
        "{} bundle cases: {controls_ok} controls allowed, {refused_ok} attacks refused with the expected code",
        cases.len()
    );
    println!("  # | {:<38} | {:<16} | {:<40} |", "case", "expected", "got");
    for row in &rows {
        println!("{row}");
    }
    for case in &cases {
        println!("{:<38} {}", case.name, case.attacks);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
