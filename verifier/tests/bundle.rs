//! Offline trust bundles: built against an in-process registry node on 127.0.0.1, loaded by a
//! door after the node is gone, and every way a bundle can be forged or damaged refused.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser as _;
use did_core::clock::FixedClock;
use did_core::did::{Did, DidUrl};
use did_core::document::{Document, Relationship, Representation, VerificationMethod};
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, Resolution, ResolutionError, ResolutionOptions, Resolver};
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken, TokenStatus, TokenStatusList};
use registry_anchor::resolution::ResolutionVerifier;
use serde_json::{Value, json};
use verifier::Error;
use verifier::bundle::{BUNDLE_TYP, BundleBuilder, BundleError, MAX_BUNDLE_LEN, TrustBundle};

use crate::support;

use support::registry::Node;

const LIST_URL: &str = "https://status.example/lists/1";

/// What these tests need of a node besides starting it.
trait BundleNode {
    fn status_list(&self, iat: u64) -> String;
    fn bundle(&self, operator: &Arc<SigningKey>, at: SystemTime) -> String;
}

impl BundleNode for Node {
    /// A Token Status List JWT by the issuer with index 3 revoked.
    fn status_list(&self, iat: u64) -> String {
        let mut list = TokenStatusList::new(1, 16).unwrap();
        list.set(3, TokenStatus::INVALID).unwrap();
        let token = StatusListToken::new(LIST_URL, iat, StatusListClaim::from_list(&list).unwrap()).unwrap();
        token
            .sign(&self.issuer_key, Some(&format!("{}#key-1", self.did)))
            .unwrap()
    }

    /// A bundle trusting the issuer for `EmployeeIdCredential`, carrying its status list,
    /// made at `at` and valid for 24 hours.
    fn bundle(&self, operator: &Arc<SigningKey>, at: SystemTime) -> String {
        let iat = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let source = MemoryStatusListSource::new().with(LIST_URL, self.status_list(iat));
        let builder = BundleBuilder::new(
            operator.clone(),
            Arc::new(CompositeResolver::with_default_methods()),
            Arc::new(source),
        )
        .issuer("EmployeeIdCredential", self.did.clone())
        .status_list(LIST_URL)
        .registry(self.resolver())
        .valid_for(Duration::from_secs(24 * 3600))
        .clock(Arc::new(FixedClock::new(at)));
        self.rt.block_on(builder.build()).unwrap()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn p256() -> Arc<SigningKey> {
    Arc::new(SigningKey::generate(KeyType::P256).unwrap())
}

fn parts(bundle: &str) -> (Value, Value, String) {
    let mut it = bundle.split('.');
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    let payload = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (header, payload, it.next().unwrap().to_owned())
}

/// A compact JWS with exactly this header and payload, signed by `key`.
fn sign_raw(header: &Value, payload: &Value, key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn refusal(result: Result<verifier::bundle::LoadedBundle, Error>) -> verifier::bundle::BundleError {
    match result {
        Err(Error::Bundle(error)) => error,
        Err(other) => panic!("not a bundle error: {other}"),
        Ok(_) => panic!("the bundle loaded"),
    }
}

fn refused(result: Result<verifier::bundle::LoadedBundle, Error>) -> String {
    refusal(result).to_string()
}

#[test]
fn a_door_resolves_and_checks_status_offline_from_a_bundle() {
    let node = Node::start("offline", KeyType::P256);
    let operator = p256();
    let now = SystemTime::now();
    let bundle = node.bundle(&operator, now);
    let (header, payload, _) = parts(&bundle);
    assert_eq!(header["typ"], BUNDLE_TYP);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(payload["version"], 1);
    let did = node.did.clone();
    let verifier = node.verifier();
    let issuer = node.issuer_key.verifying_key().clone();
    drop(node); // the registry is gone: everything below is offline

    let loaded = TrustBundle::load(bundle.as_bytes(), operator.verifying_key(), Some(&verifier)).unwrap();
    assert_eq!(
        loaded.trusted_issuers("EmployeeIdCredential"),
        std::slice::from_ref(&did)
    );
    assert!(loaded.trusted_issuers("CitizenCard").is_empty());
    assert_eq!(loaded.dids(), std::slice::from_ref(&did));
    assert!(!loaded.is_stale(now));
    assert!(loaded.is_stale(now + Duration::from_secs(24 * 3600)));
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(secs(loaded.issued_at()), secs(now));
    assert_eq!(secs(loaded.expires_at()), secs(now) + 24 * 3600);
    assert_eq!(loaded.tree_head().unwrap().size, 1);
    assert_eq!(secs(loaded.status_fetched_at(LIST_URL).unwrap()), secs(now));
    assert!(loaded.status_fetched_at("https://other.example/list").is_none());

    runtime().block_on(async {
        let resolver = loaded.resolver();
        let result = resolver.resolve_to_result(&did).await;
        assert!(result.did_resolution_metadata.error.is_none(), "{result:?}");
        assert_eq!(result.did_document.unwrap()["id"], did.as_str());
        let method = DidUrl::parse(&format!("{did}#key-1")).unwrap();
        let key = resolver
            .resolve_verifying_key(&method, Relationship::AssertionMethod)
            .await
            .unwrap();
        assert_eq!(key, issuer);
        // did:key is computed locally; a did:web the bundle does not carry is not found.
        let did_key = format!("did:key:{}", issuer.to_multikey());
        assert!(
            resolver
                .resolve_to_result(&did_key)
                .await
                .did_resolution_metadata
                .error
                .is_none()
        );
        let web = resolver.resolve_to_result("did:web:nowhere.example").await;
        assert!(web.did_resolution_metadata.error.is_some());

        let bytes = loaded.status_source().fetch(LIST_URL).await.unwrap();
        let token = StatusListToken::verify(
            std::str::from_utf8(&bytes).unwrap(),
            &key,
            LIST_URL,
            &FixedClock::new(now),
        )
        .unwrap();
        let reference = did_core::status::StatusListReference::new(3, LIST_URL).unwrap();
        assert_eq!(token.status_of(&reference).unwrap(), TokenStatus::INVALID);
        assert!(
            loaded
                .status_source()
                .fetch("https://other.example/list")
                .await
                .is_err()
        );
    });
}

#[test]
fn wrong_keys_and_a_missing_registry_key_are_refused() {
    let node = Node::start("keys", KeyType::P256);
    let operator = p256();
    let bundle = node.bundle(&operator, SystemTime::now());
    let verifier = node.verifier();
    let wrong_key = refusal(TrustBundle::load(
        bundle.as_bytes(),
        p256().verifying_key(),
        Some(&verifier),
    ));
    assert!(
        matches!(&wrong_key, BundleError::WrongKey(m) if m.contains("signature")),
        "{wrong_key}"
    );
    // An Ed25519 operator key: the algorithm does not even match.
    let ed = SigningKey::generate(KeyType::Ed25519).unwrap();
    let wrong_key = refusal(TrustBundle::load(
        bundle.as_bytes(),
        ed.verifying_key(),
        Some(&verifier),
    ));
    assert!(matches!(wrong_key, BundleError::WrongKey(_)), "{wrong_key}");
    // The door's registry key is another: the snapshot's tree heads do not verify.
    let stranger = ResolutionVerifier::new(p256().verifying_key().clone(), node.operator_did.clone());
    let message = refused(TrustBundle::load(
        bundle.as_bytes(),
        operator.verifying_key(),
        Some(&stranger),
    ));
    assert!(message.starts_with("registry"), "{message}");
    // did:dojang answers with no registry key to check them against.
    refused(TrustBundle::load(bundle.as_bytes(), operator.verifying_key(), None));
}

#[test]
fn tampered_payloads_and_snapshot_proofs_are_refused() {
    let node = Node::start("tamper", KeyType::P256);
    let operator = p256();
    let bundle = node.bundle(&operator, SystemTime::now());
    let verifier = node.verifier();
    let (header, mut payload, signature) = parts(&bundle);

    // Another issuer slipped in, keeping the operator's signature.
    payload["issuers"]["CitizenCard"] = json!(["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]);
    let forged = format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let message = refused(TrustBundle::load(
        forged.as_bytes(),
        operator.verifying_key(),
        Some(&verifier),
    ));
    assert!(message.contains("signature"), "{message}");

    // Signed by the operator, but the snapshot's proofs were damaged: still refused.
    let (_, original, _) = parts(&bundle);
    let resolution = &original["registry"]["snapshot"]["resolutions"][0];
    let mut bad_proof = original.clone();
    bad_proof["registry"]["snapshot"]["resolutions"][0]["operations"][0]["inclusionProof"] =
        json!([URL_SAFE_NO_PAD.encode([0u8; 32])]);
    let mut bad_head = original.clone();
    let head = resolution["treeHead"].as_str().unwrap();
    let flipped = if head.ends_with('A') { "B" } else { "A" };
    bad_head["registry"]["snapshot"]["resolutions"][0]["treeHead"] =
        json!(format!("{}{flipped}", &head[..head.len() - 1]));
    let mut bad_document = original.clone();
    bad_document["registry"]["snapshot"]["resolutions"][0]["didDocument"]["assertionMethod"] = json!([]);
    for tampered in [bad_proof, bad_head, bad_document] {
        let resigned = sign_raw(&header, &tampered, &operator);
        let message = refused(TrustBundle::load(
            resigned.as_bytes(),
            operator.verifying_key(),
            Some(&verifier),
        ));
        assert!(message.starts_with("registry"), "{message}");
    }
    // The untouched content re-signed the same way loads (the helper is sound).
    let resigned = sign_raw(&header, &original, &operator);
    TrustBundle::load(resigned.as_bytes(), operator.verifying_key(), Some(&verifier)).unwrap();
}

#[test]
fn an_expired_bundle_loads_and_is_stale() {
    let node = Node::start("stale", KeyType::P256);
    let operator = p256();
    let made = SystemTime::now() - Duration::from_secs(48 * 3600);
    let bundle = node.bundle(&operator, made);
    let loaded = TrustBundle::load(bundle.as_bytes(), operator.verifying_key(), Some(&node.verifier())).unwrap();
    assert!(loaded.is_stale(SystemTime::now()));
    assert!(!loaded.is_stale(made));
    assert_eq!(loaded.trusted_issuers("EmployeeIdCredential").len(), 1);
}

#[test]
fn oversized_unsigned_and_foreign_key_bundles_are_refused() {
    let operator = p256();
    let big = vec![b'a'; MAX_BUNDLE_LEN + 1];
    let message = refused(TrustBundle::load(&big, operator.verifying_key(), None));
    assert!(message.contains("larger"), "{message}");
    refused(TrustBundle::load(b"", operator.verifying_key(), None));
    refused(TrustBundle::load(b"\xff\xfe", operator.verifying_key(), None));
    refused(TrustBundle::load(b"a.b.c.d", operator.verifying_key(), None));

    let content = json!({
        "version": 1, "issued_at": 1, "expires_at": 2, "operator": "x",
        "issuers": {"EmployeeIdCredential": ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]},
    });
    let header = json!({"alg": "ES256", "typ": BUNDLE_TYP});
    // The baseline loads.
    let good = sign_raw(&header, &content, &operator);
    TrustBundle::load(good.as_bytes(), operator.verifying_key(), None).unwrap();

    // alg: none, with and without a signature.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": BUNDLE_TYP}).to_string()),
        URL_SAFE_NO_PAD.encode(content.to_string())
    );
    refused(TrustBundle::load(none.as_bytes(), operator.verifying_key(), None));
    let (_, _, signature) = parts(&good);
    let none_signed = format!("{}{signature}", none);
    refused(TrustBundle::load(
        none_signed.as_bytes(),
        operator.verifying_key(),
        None,
    ));

    // Signed by an attacker who names their own key in the header: only the configured key counts.
    let attacker = p256();
    let with_jwk = json!({"alg": "ES256", "typ": BUNDLE_TYP, "jwk": attacker.verifying_key().to_jwk()});
    let forged = sign_raw(&with_jwk, &content, &attacker);
    let message = refused(TrustBundle::load(forged.as_bytes(), operator.verifying_key(), None));
    assert!(message.contains("signature"), "{message}");
    // The operator's own bundle naming some key in the header still loads against the operator key.
    let honest = sign_raw(&with_jwk, &content, &operator);
    TrustBundle::load(honest.as_bytes(), operator.verifying_key(), None).unwrap();

    // An unknown critical extension, another typ, a missing typ, an unknown version.
    let crit = json!({"alg": "ES256", "typ": BUNDLE_TYP, "crit": ["x-policy"], "x-policy": 1});
    let message = refused(TrustBundle::load(
        sign_raw(&crit, &content, &operator).as_bytes(),
        operator.verifying_key(),
        None,
    ));
    assert!(message.contains("critical"), "{message}");
    for header in [json!({"alg": "ES256", "typ": "JWT"}), json!({"alg": "ES256"})] {
        refused(TrustBundle::load(
            sign_raw(&header, &content, &operator).as_bytes(),
            operator.verifying_key(),
            None,
        ));
    }
    let mut v2 = content.clone();
    v2["version"] = json!(2);
    refused(TrustBundle::load(
        sign_raw(&header, &v2, &operator).as_bytes(),
        operator.verifying_key(),
        None,
    ));
    let mut backwards = content.clone();
    backwards["expires_at"] = json!(0);
    refused(TrustBundle::load(
        sign_raw(&header, &backwards, &operator).as_bytes(),
        operator.verifying_key(),
        None,
    ));
    // A did:dojang document smuggled in without proofs.
    let mut smuggled = content.clone();
    smuggled["documents"] = json!({"did:dojang:zQmX": {"id": "did:dojang:zQmX"}});
    refused(TrustBundle::load(
        sign_raw(&header, &smuggled, &operator).as_bytes(),
        operator.verifying_key(),
        None,
    ));
}

/// A did:web resolver for one DID, standing in for the network at build time.
struct OneWeb(Document);

#[async_trait]
impl Resolver for OneWeb {
    async fn resolve(&self, did: &Did, _: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        if did == &self.0.id {
            Ok(Resolution::new(self.0.clone(), Representation::Json))
        } else {
            Err(ResolutionError::NotFound)
        }
    }
}

#[test]
fn did_web_issuers_are_carried_as_documents() {
    let issuer = p256();
    let did = Did::parse("did:web:hr.example").unwrap();
    let mut document = Document::new(did.clone());
    let id = DidUrl::parse("did:web:hr.example#key-1").unwrap();
    document.add_verification_method(
        VerificationMethod::multikey(id.clone(), did.clone(), issuer.verifying_key()),
        &[Relationship::AssertionMethod],
    );
    let operator = p256();
    let rt = runtime();
    let bundle = rt
        .block_on(
            BundleBuilder::new(
                operator.clone(),
                Arc::new(OneWeb(document)),
                Arc::new(MemoryStatusListSource::new()),
            )
            .issuer("CitizenCard", "did:web:hr.example")
            .issuer(
                "CitizenCard",
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            )
            .build(),
        )
        .unwrap();
    let loaded = TrustBundle::load(bundle.as_bytes(), operator.verifying_key(), None).unwrap();
    assert_eq!(loaded.dids(), ["did:web:hr.example".to_owned()]);
    assert!(loaded.tree_head().is_none());
    let key = rt
        .block_on(
            loaded
                .resolver()
                .resolve_verifying_key(&id, Relationship::AssertionMethod),
        )
        .unwrap();
    assert_eq!(&key, issuer.verifying_key());
    // A did:dojang issuer without a registry cannot be bundled.
    let error = rt
        .block_on(
            BundleBuilder::new(
                operator,
                Arc::new(CompositeResolver::new()),
                Arc::new(MemoryStatusListSource::new()),
            )
            .issuer("CitizenCard", "did:dojang:zQmX")
            .build(),
        )
        .unwrap_err();
    assert!(matches!(error, Error::Bundle(_)));
}

fn cli(rt: &tokio::runtime::Runtime, args: &[&str]) -> (i32, Value) {
    let cli = verifier::cli::Cli::try_parse_from(std::iter::once("verifier").chain(args.iter().copied())).unwrap();
    let mut out = Vec::new();
    let code = rt.block_on(verifier::cli::run(cli, &mut out));
    (code, serde_json::from_slice(&out).unwrap_or(Value::Null))
}

#[test]
fn the_cli_builds_and_inspects_a_bundle() {
    let node = Node::start("cli", KeyType::P256);
    let dir = std::env::temp_dir().join(format!("dojang-bundle-{}-cli-files", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let operator = p256();
    let key_file = dir.join("operator.jwk");
    std::fs::write(&key_file, serde_json::to_string(&operator.to_jwk()).unwrap()).unwrap();
    let operator_did = format!("did:key:{}", operator.verifying_key().to_multikey());
    let out = dir.join("bundle.jws");

    // A status list served over plain HTTP on 127.0.0.1.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let list = node.status_list(now);
    let list_url = node.rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/lists/1", listener.local_addr().unwrap());
        let body = list.clone();
        let app = axum::Router::new().route(
            "/lists/1",
            axum::routing::get(move || async move { ([("content-type", "application/statuslist+jwt")], body) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });

    let issuer = format!("EmployeeIdCredential={}", node.did);
    let (code, json) = cli(
        &node.rt,
        &[
            "bundle",
            "build",
            "--bundle-key-file",
            key_file.to_str().unwrap(),
            "--issuer",
            &issuer,
            "--issuer",
            "CitizenCard=did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "--status-list",
            &list_url,
            "--allow-http-status",
            "--valid-for",
            "12h",
            "--out",
            out.to_str().unwrap(),
            "--registry",
            &node.url,
            "--registry-key",
            &node.operator_did,
        ],
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["ok"], true);

    let rt = runtime();
    let inspect = |operator: &str, extra: &[&str]| {
        let mut args = vec![
            "bundle",
            "inspect",
            out.to_str().unwrap(),
            "--bundle-key",
            operator,
            "--registry-key",
            &node.operator_did,
        ];
        args.extend_from_slice(extra);
        cli(&rt, &args)
    };
    let (code, json) = inspect(&operator_did, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["stale"], false);
    assert_eq!(json["issuers"]["EmployeeIdCredential"][0], node.did.as_str());
    assert_eq!(json["issuers"]["CitizenCard"].as_array().unwrap().len(), 1);
    assert_eq!(json["dids"], json!([node.did]));
    assert_eq!(json["status_lists"][0]["url"], list_url.as_str());
    assert_eq!(json["tree_head"]["size"], 1);
    let loaded = TrustBundle::load(
        &std::fs::read(&out).unwrap(),
        operator.verifying_key(),
        Some(&node.verifier()),
    )
    .unwrap();
    let bundled = rt.block_on(loaded.status_source().fetch(&list_url)).unwrap();
    assert_eq!(*bundled, *list.as_bytes());
    let expires = loaded.expires_at().duration_since(loaded.issued_at()).unwrap();
    assert_eq!(expires, Duration::from_secs(12 * 3600));

    // Judged a day later it is stale (but still valid); another operator key is refused.
    let (code, json) = inspect(&operator_did, &["--now", "2999-01-01T00:00:00Z"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["stale"], true);
    let stranger = format!("did:key:{}", p256().verifying_key().to_multikey());
    let (code, json) = inspect(&stranger, &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["ok"], false);
    assert_eq!(json["error"]["code"], "bundle_invalid", "{json}");
    let missing = dir.join("missing.jws");
    let (code, _) = cli(
        &rt,
        &[
            "bundle",
            "inspect",
            missing.to_str().unwrap(),
            "--bundle-key",
            &operator_did,
        ],
    );
    assert_eq!(code, 2);

    // Usage errors: a public key as the signing key, a malformed --issuer.
    let public_file = dir.join("public.jwk");
    std::fs::write(
        &public_file,
        serde_json::to_string(&operator.verifying_key().to_jwk()).unwrap(),
    )
    .unwrap();
    let (code, _) = cli(
        &node.rt,
        &[
            "bundle",
            "build",
            "--bundle-key-file",
            public_file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(
        verifier::cli::Cli::try_parse_from([
            "verifier",
            "bundle",
            "build",
            "--bundle-key-file",
            "k",
            "--out",
            "o",
            "--issuer",
            "nodid"
        ])
        .is_err()
    );
    drop(rt);
}
