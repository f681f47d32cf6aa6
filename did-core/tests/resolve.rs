//! DID resolution: did:key against the shared vectors, did:jwk, did:web against a
//! real HTTP server on 127.0.0.1, the composite resolver and the TTL cache.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use did_core::clock::FixedClock;
use did_core::did::{Did, DidUrl};
use did_core::document::{Relationship, Representation};
use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::{
    CachingResolver, CompositeResolver, JwkResolver, KeyResolver, Resolution, ResolutionError, ResolutionOptions,
    Resolver, WebResolver, did_web_url,
};
use serde_json::Value;

fn vector(path: &str) -> Value {
    let path = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn did(s: &str) -> Did {
    Did::parse(s).unwrap()
}

fn base58(s: &str) -> Vec<u8> {
    did_core::multibase::decode(&format!("z{s}")).unwrap().1
}

async fn resolve(resolver: &dyn Resolver, s: &str) -> Result<Resolution, ResolutionError> {
    resolver.resolve(&did(s), &ResolutionOptions::default()).await
}

#[tokio::test]
async fn nist_curve_did_keys_resolve_to_their_keys() {
    let file = vector("did-key/nist-curves.json");
    let mut resolved = 0;
    for (id, entry) in file.as_object().unwrap() {
        let vm = &entry["verificationMethod"];
        let expected = if let Some(jwk) = vm.get("publicKeyJwk") {
            let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
            if jwk.crv.as_deref() == Some("P-521") {
                assert_eq!(
                    resolve(&KeyResolver, id).await.unwrap_err().code(),
                    "unsupportedPublicKeyType"
                );
                continue;
            }
            VerifyingKey::from_jwk(&jwk).unwrap()
        } else {
            // P256Key2021 with publicKeyBase58 (compressed SEC1).
            VerifyingKey::from_bytes(KeyType::P256, &base58(vm["publicKeyBase58"].as_str().unwrap())).unwrap()
        };
        let resolution = resolve(&KeyResolver, id).await.unwrap_or_else(|e| panic!("{id}: {e}"));
        let document = &resolution.document;
        assert_eq!(document.id.as_str(), id);
        assert_eq!(document.verification_method.len(), 1);
        assert_eq!(document.verification_method[0].verifying_key().unwrap(), expected);
        // The vector documents list the key under these relationships; so do we.
        let kid = format!("{id}#{}", &id["did:key:".len()..]);
        for relationship in [
            Relationship::Authentication,
            Relationship::AssertionMethod,
            Relationship::KeyAgreement,
        ] {
            assert!(document.authorizes(relationship, &kid), "{id} {relationship:?}");
        }
        let key = KeyResolver
            .resolve_verifying_key(&DidUrl::parse(&kid).unwrap(), Relationship::AssertionMethod)
            .await;
        assert_eq!(key.unwrap(), expected);
        resolved += 1;
    }
    assert_eq!(resolved, 5, "3 P-256 and 2 P-384 DIDs");
}

#[tokio::test]
async fn ed25519_did_keys_resolve_with_their_x25519_key_agreement_keys() {
    let file = vector("did-key/ed25519-x25519.json");
    assert_eq!(file.as_object().unwrap().len(), 5);
    for (id, entry) in file.as_object().unwrap() {
        let document = resolve(&KeyResolver, id).await.unwrap().document;
        let signing = &document.verification_method[0];
        let pair = &entry["verificationKeyPair"];
        let expected = match pair.get("publicKeyBase58") {
            Some(b58) => VerifyingKey::from_bytes(KeyType::Ed25519, &base58(b58.as_str().unwrap())).unwrap(),
            None => VerifyingKey::from_jwk(&serde_json::from_value(pair["publicKeyJwk"].clone()).unwrap()).unwrap(),
        };
        assert_eq!(signing.verifying_key().unwrap(), expected);
        assert_eq!(document.verification_method.len(), 1);
        let Some(did_core::document::MethodRef::Embedded(agreement)) = document.key_agreement.first() else {
            panic!("{id}: keyAgreement must embed the X25519 method")
        };
        let ours = did_core::multibase::decode(agreement.public_key_multibase.as_deref().unwrap())
            .unwrap()
            .1;
        let their_pair = &entry["keyAgreementKeyPair"];
        let theirs = match their_pair.get("publicKeyBase58") {
            Some(b58) => base58(b58.as_str().unwrap()),
            None => {
                use base64::Engine as _;
                let x = their_pair["publicKeyJwk"]["x"].as_str().unwrap();
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(x).unwrap()
            }
        };
        assert_eq!(&ours[2..], theirs.as_slice(), "{id}: X25519 from Edwards→Montgomery");
        let their_id = DidUrl::resolve_relative(&did(id), their_pair["id"].as_str().unwrap()).unwrap();
        assert_eq!(agreement.id, their_id.as_str());
        assert!(document.authorizes(Relationship::KeyAgreement, &agreement.id));
        assert!(!document.authorizes(Relationship::AssertionMethod, &agreement.id));
    }
}

#[tokio::test]
async fn matches_the_did_key_spec_example_document() {
    let example = vector("did-key/example-ed25519-multikey-did-document.json");
    let id = example["id"].as_str().unwrap();
    let ours = resolve(&KeyResolver, id).await.unwrap().document.to_value();
    for member in [
        "id",
        "verificationMethod",
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
        "keyAgreement",
    ] {
        assert_eq!(ours[member], example[member], "{member}");
    }
}

#[tokio::test]
async fn spec_appendix_dids_resolve_or_name_the_unsupported_key_type() {
    let list = vector("did-key/appendix-test-vector-dids.json");
    for id in list["dids"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        let outcome = resolve(&KeyResolver, id).await;
        let supported = ["did:key:z6Mk", "did:key:zDna", "did:key:z82L"]
            .iter()
            .any(|p| id.starts_with(p));
        match outcome {
            Ok(_) => assert!(supported, "{id} resolved but is not a supported key type"),
            Err(e) => {
                assert!(!supported, "{id}: {e}");
                assert_eq!(e.code(), "unsupportedPublicKeyType", "{id}");
            }
        }
    }
}

#[tokio::test]
async fn malformed_did_keys_are_invalid_dids() {
    for bad in [
        "did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", // not 'z'
        "did:key:z0OIl",                                           // not base58
        "did:key:1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", // version prefix
        "did:key:uAQID",                                           // base64url
    ] {
        let e = resolve(&KeyResolver, bad).await.unwrap_err();
        assert_eq!(e.code(), "invalidDid", "{bad}: {e}");
    }
    // Truncation changes the base58 value, so the multicodec prefix may no longer be one we know.
    for changed in [
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doKK",
    ] {
        let e = resolve(&KeyResolver, changed).await.unwrap_err();
        assert!(["invalidDid", "unsupportedPublicKeyType"].contains(&e.code()), "{e}");
    }
}

#[tokio::test]
async fn did_jwk_round_trips_every_key_type() {
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let key = SigningKey::generate(key_type).unwrap();
        let id = JwkResolver::did_for(key.verifying_key()).unwrap();
        let resolution = JwkResolver.resolve(&id, &ResolutionOptions::default()).await.unwrap();
        let vm = &resolution.document.verification_method[0];
        assert_eq!(vm.id, format!("{id}#0"));
        assert_eq!(vm.verifying_key().unwrap(), *key.verifying_key());
        let url = DidUrl::parse(&format!("{id}#0")).unwrap();
        assert_eq!(
            JwkResolver
                .resolve_verifying_key(&url, Relationship::AssertionMethod)
                .await
                .unwrap(),
            *key.verifying_key()
        );
    }
}

#[tokio::test]
async fn did_jwk_spec_example_and_rules() {
    // The P-256 example of the did:jwk specification.
    let example = "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9";
    let document = resolve(&JwkResolver, example).await.unwrap().document;
    assert_eq!(document.verification_method[0].type_, "JsonWebKey2020");
    assert_eq!(
        document.verification_method[0].verifying_key().unwrap().key_type(),
        KeyType::P256
    );

    let encode = |jwk: &Jwk| {
        use base64::Engine as _;
        format!(
            "did:jwk:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_string(jwk).unwrap())
        )
    };
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let e = resolve(&JwkResolver, &encode(&key.to_jwk())).await.unwrap_err();
    assert_eq!(e.code(), "invalidDid", "private JWK: {e}");

    let mut enc = key.verifying_key().to_jwk();
    enc.use_ = Some("enc".into());
    let document = resolve(&JwkResolver, &encode(&enc)).await.unwrap().document;
    assert_eq!(document.key_agreement.len(), 1);
    assert!(document.assertion_method.is_empty());

    let secp = Jwk {
        kty: "EC".into(),
        crv: Some("secp256k1".into()),
        x: Some("AA".into()),
        y: Some("AA".into()),
        ..Jwk::default()
    };
    assert_eq!(
        resolve(&JwkResolver, &encode(&secp)).await.unwrap_err().code(),
        "unsupportedPublicKeyType"
    );
    assert_eq!(
        resolve(&JwkResolver, "did:jwk:A").await.unwrap_err().code(),
        "invalidDid"
    );
    assert_eq!(
        resolve(&JwkResolver, "did:jwk:eyJ").await.unwrap_err().code(),
        "invalidDid"
    );
}

#[tokio::test]
async fn composite_routes_by_method_and_reports_standard_codes() {
    let resolver = CompositeResolver::with_default_methods();
    assert_eq!(resolver.methods().collect::<Vec<_>>(), ["jwk", "key", "web"]);
    let ok = resolver
        .resolve_to_result("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
        .await;
    let json = serde_json::to_value(&ok).unwrap();
    assert_eq!(json["didResolutionMetadata"]["contentType"], "application/did+ld+json");
    assert_eq!(
        json["didDocument"]["id"],
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    );
    assert!(json["didResolutionMetadata"].get("error").is_none());

    for (input, code) in [
        ("did:example:123", "methodNotSupported"),
        ("not a did", "invalidDid"),
        (
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#frag",
            "invalidDid",
        ),
        (
            "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
            "unsupportedPublicKeyType",
        ),
    ] {
        let result = resolver.resolve_to_result(input).await;
        assert_eq!(result.did_resolution_metadata.error.as_deref(), Some(code), "{input}");
        assert!(result.did_document.is_none());
    }

    let options = ResolutionOptions::default().with_accept("application/did+json");
    let plain = resolver
        .resolve(
            &did("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            &options,
        )
        .await
        .unwrap();
    assert_eq!(plain.representation, Representation::Json);
    assert!(plain.document.context.is_none());
    let options = ResolutionOptions::default().with_accept("text/html");
    let e = resolver
        .resolve(
            &did("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            &options,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "representationNotSupported");
}

#[tokio::test]
async fn verifying_key_lookup_checks_the_fragment_and_the_relationship() {
    let id = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let resolution = resolve(&KeyResolver, id).await.unwrap();
    let x25519 = resolution.document.key_agreement[0].id().to_owned();
    let e = KeyResolver
        .resolve_verifying_key(
            &DidUrl::parse(&format!("{id}#nope")).unwrap(),
            Relationship::AssertionMethod,
        )
        .await;
    assert_eq!(e.unwrap_err().code(), "notFound");
    let e = KeyResolver
        .resolve_verifying_key(&DidUrl::parse(&x25519).unwrap(), Relationship::AssertionMethod)
        .await;
    assert!(matches!(e, Err(ResolutionError::NotAuthorized { .. })), "{e:?}");
}

/// Counts the calls that reach the inner resolver.
struct Counting(AtomicUsize);

#[async_trait]
impl Resolver for Counting {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        if did.method_specific_id() == "missing" {
            return Err(ResolutionError::NotFound);
        }
        KeyResolver.resolve(did, options).await
    }
}

#[tokio::test]
async fn cache_honours_ttl_size_and_never_caches_failures() {
    let inner = Arc::new(Counting(AtomicUsize::new(0)));
    let clock = Arc::new(FixedClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000)));
    let cache = CachingResolver::with_clock(inner.clone(), Duration::from_secs(60), 2, clock.clone());
    let a = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let b = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
    let c = "did:key:z82LkvCwHNreneWpsgPEbV3gu1C6NFJEBg4srfJ5gdxEsMGRJUz2sG9FE42shbn2xkZJh54";
    let calls = || inner.0.load(Ordering::SeqCst);

    let first = resolve(&cache, a).await.unwrap();
    assert_eq!(resolve(&cache, a).await.unwrap(), first);
    assert_eq!(calls(), 1, "second lookup served from cache");

    clock.advance(Duration::from_secs(61));
    resolve(&cache, a).await.unwrap();
    assert_eq!(calls(), 2, "expired entry fetched again");

    let no_cache = ResolutionOptions::default().with_no_cache();
    cache.resolve(&did(a), &no_cache).await.unwrap();
    assert_eq!(calls(), 3, "no_cache bypasses");

    for _ in 0..2 {
        assert!(resolve(&cache, "did:key:missing").await.is_err());
    }
    assert_eq!(calls(), 5, "failures are not cached");

    resolve(&cache, b).await.unwrap();
    resolve(&cache, c).await.unwrap();
    assert_eq!(cache.len(), 2, "bounded");
    resolve(&cache, c).await.unwrap();
    assert_eq!(calls(), 7);
}

#[tokio::test]
async fn did_web_resolves_from_a_local_server() {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let public = key.verifying_key().clone();
    let doc = move |id: &str| {
        let mut d = did_core::document::Document::new(did(id));
        let vm = did_core::document::VerificationMethod::multikey(
            DidUrl::parse(&format!("{id}#key-1")).unwrap(),
            did(id),
            &public,
        );
        d.add_verification_method(vm, &[Relationship::AssertionMethod]);
        d.to_json()
    };
    let (port, server) = common::serve(|port| {
        let root = format!("did:web:127.0.0.1%3A{port}");
        let alice = format!("{root}:users:alice");
        vec![
            ("/.well-known/did.json".to_owned(), 200, doc(&root)),
            ("/users/alice/did.json".to_owned(), 200, doc(&alice)),
            ("/users/mallory/did.json".to_owned(), 200, doc(&alice)),
            ("/users/big/did.json".to_owned(), 200, " ".repeat(300 * 1024)),
            ("/users/broken/did.json".to_owned(), 200, "{\"id\": 5}".to_owned()),
            ("/users/down/did.json".to_owned(), 500, String::new()),
        ]
    })
    .await;
    let root = format!("did:web:127.0.0.1%3A{port}");
    let alice = format!("{root}:users:alice");
    run_web_checks(server, &root, &alice, key.verifying_key()).await;
}

async fn run_web_checks(handle: tokio::task::JoinHandle<()>, root: &str, alice: &str, key: &VerifyingKey) {
    let web = WebResolver::danger_plain_http_for_testing().unwrap();
    let document = resolve(&web, root).await.unwrap().document;
    assert_eq!(document.id.as_str(), root);
    let kid = DidUrl::parse(&format!("{alice}#key-1")).unwrap();
    assert_eq!(
        web.resolve_verifying_key(&kid, Relationship::AssertionMethod)
            .await
            .unwrap(),
        *key
    );

    let base = root.to_owned();
    let code = |r: Result<Resolution, ResolutionError>| r.map(|_| "ok").unwrap_or_else(|e| e.code());
    assert_eq!(
        code(resolve(&web, &format!("{base}:users:mallory")).await),
        "invalidDidDocument",
        "id mismatch"
    );
    assert_eq!(code(resolve(&web, &format!("{base}:users:nobody")).await), "notFound");
    assert_eq!(
        code(resolve(&web, &format!("{base}:users:big")).await),
        "invalidDidDocument",
        "size limit"
    );
    assert_eq!(
        code(resolve(&web, &format!("{base}:users:broken")).await),
        "invalidDidDocument"
    );
    assert_eq!(
        code(resolve(&web, &format!("{base}:users:down")).await),
        "internalError"
    );

    // The production resolver speaks HTTPS only: it never downgrades to the plain server.
    let secure = WebResolver::new().unwrap();
    assert_eq!(code(resolve(&secure, root).await), "internalError");
    handle.abort();
}

#[test]
fn did_web_urls_follow_the_method_spec() {
    for (id, url) in [
        (
            "did:web:w3c-ccg.github.io",
            "https://w3c-ccg.github.io/.well-known/did.json",
        ),
        (
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
        (
            "did:web:example.com%3A3000:user:alice",
            "https://example.com:3000/user/alice/did.json",
        ),
        ("did:web:Example.COM", "https://example.com/.well-known/did.json"),
    ] {
        assert_eq!(did_web_url(&did(id)).unwrap(), url);
    }
    for bad in [
        "did:web:exa_mple.com",
        "did:web:example.com%3Aabc",
        "did:web:example.com:..:x",
        "did:web:-a.com",
        "did:web:a%2Fb",
    ] {
        assert_eq!(did_web_url(&did(bad)).unwrap_err().code(), "invalidDid", "{bad}");
    }
}

/// A resolver that only knows how to build documents, so `resolve_verifying_key` takes the
/// general path: the reference the did:key shortcut must agree with.
struct DocumentOnly;

#[async_trait::async_trait]
impl did_core::resolve::Resolver for DocumentOnly {
    async fn resolve(
        &self,
        did: &did_core::did::Did,
        options: &did_core::resolve::ResolutionOptions,
    ) -> Result<did_core::resolve::Resolution, did_core::resolve::ResolutionError> {
        did_core::resolve::KeyResolver.resolve(did, options).await
    }
}

#[tokio::test]
async fn the_did_key_shortcut_agrees_with_the_document_path() {
    use did_core::document::Relationship;
    use did_core::key::{KeyType, SigningKey};
    use did_core::resolve::{CompositeResolver, KeyResolver, Resolver};

    let mut methods = Vec::new();
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let key = SigningKey::generate(key_type).unwrap();
        let kid = KeyResolver::key_id_for(key.verifying_key());
        let did = kid.split('#').next().unwrap().to_owned();
        methods.push(kid.clone());
        methods.push(format!("{did}#other"));
        methods.push(format!("{kid}x"));
    }
    // secp256k1 (unsupported type) and a broken multikey.
    methods.push(
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme#zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
            .into(),
    );
    methods.push("did:key:z6Mk#z6Mk".into());
    let composite = CompositeResolver::with_default_methods();
    for method in &methods {
        let url = did_core::did::DidUrl::parse(method).unwrap();
        for relationship in Relationship::ALL {
            let reference = DocumentOnly.resolve_verifying_key(&url, relationship).await;
            let shortcut = KeyResolver.resolve_verifying_key(&url, relationship).await;
            let via_composite = composite.resolve_verifying_key(&url, relationship).await;
            match (&reference, &shortcut) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{method} {relationship:?}"),
                (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{method} {relationship:?}"),
                _ => panic!("{method} {relationship:?}: {reference:?} vs {shortcut:?}"),
            }
            assert_eq!(
                shortcut.as_ref().ok(),
                via_composite.as_ref().ok(),
                "{method} {relationship:?}"
            );
        }
    }
}

/// `KeyResolver` remembers decoded keys for the process: every DID must still get its own
/// key, on the first call and the next, past the memo's capacity and after it
/// starts over; a Multikey that fails to decode fails every time.
#[tokio::test]
async fn remembered_did_keys_stay_their_own_keys_past_the_memo_capacity() {
    use did_core::resolve::KeyResolver;

    let keys: Vec<VerifyingKey> = (0..KeyResolver::REMEMBERED_KEYS + 76)
        .map(|i| {
            let key_type = [KeyType::P256, KeyType::P384, KeyType::Ed25519][i % 3];
            SigningKey::generate(key_type).unwrap().verifying_key().clone()
        })
        .collect();
    let lookup = |key: &VerifyingKey| DidUrl::parse(&KeyResolver::key_id_for(key)).unwrap();
    for round in 0..2 {
        for (i, key) in keys.iter().enumerate() {
            let found = KeyResolver
                .resolve_verifying_key(&lookup(key), Relationship::AssertionMethod)
                .await
                .unwrap();
            assert_eq!(&found, key, "round {round}, key {i}");
            let document = KeyResolver
                .resolve(&KeyResolver::did_for(key).unwrap(), &Default::default())
                .await;
            let from_document = document
                .unwrap()
                .document
                .verification_method
                .first()
                .unwrap()
                .verifying_key();
            assert_eq!(&from_document.unwrap(), key, "round {round}, key {i} (document)");
        }
    }
    // The same bytes with one character changed: off the curve (or another key), never
    // the remembered one.
    let id = KeyResolver::key_id_for(&keys[0]);
    let multikey = id.split('#').nth(1).unwrap();
    let tampered = format!(
        "{}{}",
        &multikey[..multikey.len() - 1],
        if multikey.ends_with('A') { 'B' } else { 'A' }
    );
    let url = DidUrl::parse(&format!("did:key:{tampered}#{tampered}")).unwrap();
    let first = KeyResolver
        .resolve_verifying_key(&url, Relationship::AssertionMethod)
        .await;
    let second = KeyResolver
        .resolve_verifying_key(&url, Relationship::AssertionMethod)
        .await;
    match (first, second) {
        (Ok(a), Ok(b)) => assert!(a == b && a != keys[0]),
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
        other => panic!("the same Multikey decoded differently: {other:?}"),
    }
}

#[tokio::test]
async fn cache_keeps_parsed_keys_for_the_ttl_and_never_caches_failures() {
    let inner = Arc::new(Counting(AtomicUsize::new(0)));
    let clock = Arc::new(FixedClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000)));
    let cache = CachingResolver::with_clock(inner.clone(), Duration::from_secs(60), 2, clock.clone());
    let calls = || inner.0.load(Ordering::SeqCst);
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let kid = DidUrl::parse(&KeyResolver::key_id_for(key.verifying_key())).unwrap();

    let first = cache
        .resolve_verifying_key(&kid, Relationship::AssertionMethod)
        .await
        .unwrap();
    assert_eq!(&first, key.verifying_key());
    let again = cache
        .resolve_verifying_key(&kid, Relationship::AssertionMethod)
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(calls(), 1, "second lookup served from the key cache");

    // Another relationship is its own entry, and a refusal is not cached.
    let c0 = calls();
    let mut ok = false;
    for _ in 0..2 {
        let other = cache.resolve_verifying_key(&kid, Relationship::KeyAgreement).await;
        assert!(other.is_ok() || matches!(other, Err(ResolutionError::NotAuthorized { .. })));
        ok = other.is_ok();
    }
    assert_eq!(calls(), c0 + if ok { 1 } else { 2 });
    let missing = DidUrl::parse("did:key:missing#missing").unwrap();
    let c1 = calls();
    for _ in 0..2 {
        assert!(
            cache
                .resolve_verifying_key(&missing, Relationship::AssertionMethod)
                .await
                .is_err()
        );
    }
    assert_eq!(calls(), c1 + 2, "failures are not cached");
    let before = calls();
    clock.advance(Duration::from_secs(61));
    cache
        .resolve_verifying_key(&kid, Relationship::AssertionMethod)
        .await
        .unwrap();
    assert_eq!(calls(), before + 1, "expired key fetched again");
    cache.clear();
    cache
        .resolve_verifying_key(&kid, Relationship::AssertionMethod)
        .await
        .unwrap();
    assert_eq!(calls(), before + 2, "clear drops keys too");
}

/// A did:web a stranger chose (a wallet's key id) must not make a service reach its own
/// network: the public-only resolver refuses a loopback address, written in the DID or
/// behind a name (`localhost`), before any connection; the resolver for configured issuers
/// does connect.
#[tokio::test]
async fn the_public_only_did_web_resolver_never_connects_inward() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let public = WebResolver::public_only().unwrap();
    for (did, why) in [
        (format!("did:web:127.0.0.1%3A{port}"), "not a public address"),
        (format!("did:web:localhost%3A{port}:alice"), "no public address"),
    ] {
        let error = resolve(&public, &did).await.unwrap_err();
        assert!(error.to_string().contains(why), "{did}: {error}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
    // The ordinary resolver connects (and fails, the listener speaks no TLS).
    let any = WebResolver::new().unwrap();
    assert!(resolve(&any, &format!("did:web:127.0.0.1%3A{port}")).await.is_err());
    assert!(accepted.load(Ordering::SeqCst) >= 1);
    server.abort();
}

/// A DID whose document gained `#key-2` (a key rotation); answers from a "cache" (the old
/// document) unless asked past caches.
struct Rotated {
    did: Did,
    old: VerifyingKey,
    new: VerifyingKey,
}

#[async_trait]
impl Resolver for Rotated {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        use did_core::document::{Document, VerificationMethod};
        assert_eq!(did, &self.did);
        let mut document = Document::new(self.did.clone());
        let method = |fragment: &str, key: &VerifyingKey| {
            let id = DidUrl::parse(&format!("{}#{fragment}", self.did.as_str())).unwrap();
            VerificationMethod::multikey(id, self.did.clone(), key)
        };
        document.add_verification_method(method("key-1", &self.old), &[Relationship::AssertionMethod]);
        if options.no_cache {
            document.add_verification_method(method("key-2", &self.new), &[Relationship::AssertionMethod]);
        }
        Ok(Resolution::new(document, Representation::Json))
    }
}

#[tokio::test]
async fn a_method_missing_from_a_cached_document_is_looked_for_past_the_cache() {
    let old = SigningKey::generate(KeyType::P256).unwrap();
    let new = SigningKey::generate(KeyType::P256).unwrap();
    let rotated = Rotated {
        did: did("did:example:rotated"),
        old: old.verifying_key().clone(),
        new: new.verifying_key().clone(),
    };
    let key_2 = DidUrl::parse("did:example:rotated#key-2").unwrap();
    let found = rotated
        .resolve_verifying_key(&key_2, Relationship::AssertionMethod)
        .await
        .unwrap();
    assert_eq!(&found, new.verifying_key());
    // A method in neither document is still not found.
    let key_3 = DidUrl::parse("did:example:rotated#key-3").unwrap();
    let missing = rotated
        .resolve_verifying_key(&key_3, Relationship::AssertionMethod)
        .await;
    assert!(
        matches!(missing, Err(ResolutionError::MethodNotFound(_))),
        "{missing:?}"
    );
}
