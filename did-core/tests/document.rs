//! DID documents against the shared vectors: valid examples parse and round-trip, each invalid
//! file is rejected for its manifest rule, dereferencing, key extraction, generated mutations.

use std::path::{Path, PathBuf};

use did_core::did::{Did, DidError, DidUrl};
use did_core::document::{
    Document, DocumentError, Location, MAX_JSON_LEN, MethodRef, Relationship, Representation, Resource,
    VerificationMethod,
};
use did_core::key::{KeyError, KeyType, SigningKey};
use serde_json::{Value, json};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/did-core")
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(vectors_dir().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn manifest() -> Value {
    serde_json::from_str(&read("manifest.json")).unwrap()
}

fn valid_files() -> Vec<PathBuf> {
    let manifest = manifest();
    let mut files = Vec::new();
    for entry in manifest["did_documents"]["valid_dirs"].as_object().unwrap().keys() {
        let path = vectors_dir().join(entry);
        if path.is_dir() {
            files.extend(json_files(&path))
        } else {
            files.push(path)
        }
    }
    files
}

fn doc(relative: &str) -> Document {
    Document::from_json(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e:?}"))
}

const BASE: &str = "valid/AUTHORED-base-did-document.json";

#[test]
fn valid_documents_parse_and_round_trip() {
    let files = valid_files();
    assert_eq!(files.len(), 14 + 8 + 1);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();
        let document = Document::from_json(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert_eq!(document.to_value(), original, "{}", path.display());
        let reparsed = Document::from_json(&document.to_json()).unwrap();
        assert_eq!(reparsed, document);
        if original.get("@context").is_some() {
            let ld = Document::from_json_ld(&text).unwrap_or_else(|e| panic!("{} (ld): {e:?}", path.display()));
            assert_eq!(ld, document);
        } else {
            assert_eq!(
                Document::from_json_ld(&text),
                Err(DocumentError::MissingContext),
                "{}",
                path.display()
            );
        }
        // serde entry point agrees with from_json.
        assert_eq!(serde_json::from_str::<Document>(&text).unwrap(), document);
    }
}

type Matcher = fn(&DocumentError) -> bool;

/// The expected error for each invalid file, by the manifest rule it breaks.
const INVALID: &[(&str, Matcher)] = &[
    ("invalid/AUTHORED-missing-id.json", |e| {
        matches!(
            e,
            DocumentError::MissingMember {
                at: Location::Root,
                member: "id"
            }
        )
    }),
    (
        "invalid/AUTHORED-id-not-a-did.json",
        |e| matches!(e, DocumentError::InvalidId { id, source: DidError::MissingScheme } if id == "https://example.com/alice"),
    ),
    ("invalid/AUTHORED-id-not-a-string.json", |e| {
        matches!(
            e,
            DocumentError::WrongType {
                at: Location::Root,
                member: "id",
                ..
            }
        )
    }),
    (
        "invalid/AUTHORED-id-is-a-did-url-with-fragment.json",
        |e| matches!(e, DocumentError::IdIsDidUrl { id } if id == "did:example:123456789abcdefghi#frag"),
    ),
    (
        "invalid/AUTHORED-controller-not-a-did.json",
        |e| matches!(e, DocumentError::InvalidController { index: None, value, .. } if value == "alice"),
    ),
    (
        "invalid/AUTHORED-also-known-as-not-uris.json",
        |e| matches!(e, DocumentError::InvalidAlsoKnownAs { index: 0, value, .. } if value == "not a uri"),
    ),
    ("invalid/AUTHORED-verification-method-not-a-set.json", |e| {
        matches!(
            e,
            DocumentError::WrongType {
                at: Location::Root,
                member: "verificationMethod",
                ..
            }
        )
    }),
    ("invalid/AUTHORED-vm-missing-type.json", |e| {
        matches!(
            e,
            DocumentError::MissingMember {
                at: Location::VerificationMethod(0),
                member: "type"
            }
        )
    }),
    ("invalid/AUTHORED-vm-missing-controller.json", |e| {
        matches!(
            e,
            DocumentError::MissingMember {
                at: Location::VerificationMethod(0),
                member: "controller"
            }
        )
    }),
    ("invalid/AUTHORED-vm-id-not-a-did-url.json", |e| {
        matches!(
            e,
            DocumentError::InvalidVerificationMethodId {
                at: Location::VerificationMethod(0),
                ..
            }
        )
    }),
    ("invalid/AUTHORED-vm-controller-not-a-did.json", |e| {
        matches!(
            e,
            DocumentError::InvalidVerificationMethodController {
                at: Location::VerificationMethod(0),
                ..
            }
        )
    }),
    ("invalid/AUTHORED-vm-both-jwk-and-multibase.json", |e| {
        matches!(
            e,
            DocumentError::MultipleVerificationMaterial {
                first: "publicKeyJwk",
                second: "publicKeyMultibase",
                ..
            }
        )
    }),
    ("invalid/AUTHORED-public-key-jwk-contains-private-d.json", |e| {
        matches!(e, DocumentError::PrivateKeyMaterial { member: "d", .. })
    }),
    ("invalid/AUTHORED-service-missing-service-endpoint.json", |e| {
        matches!(
            e,
            DocumentError::MissingMember {
                at: Location::Service(0),
                member: "serviceEndpoint"
            }
        )
    }),
    (
        "invalid/AUTHORED-service-duplicate-ids.json",
        |e| matches!(e, DocumentError::DuplicateServiceId { id } if id == "did:example:123456789abcdefghi#linked-domain"),
    ),
    (
        "invalid/AUTHORED-jsonld-first-context-not-did-v1.json",
        |e| matches!(e, DocumentError::InvalidContext { found } if found == "\"https://w3id.org/security/multikey/v1\""),
    ),
];

const JSON_LD_ONLY: &str = "invalid/AUTHORED-jsonld-first-context-not-did-v1.json";

#[test]
fn invalid_documents_are_rejected_for_their_rule() {
    let manifest = manifest();
    let listed: Vec<&str> = manifest["did_documents"]["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            assert_eq!(case["expected"], "reject");
            case["file"].as_str().unwrap()
        })
        .collect();
    let mut table: Vec<&str> = INVALID.iter().map(|(file, _)| *file).collect();
    let mut on_disk: Vec<String> = json_files(&vectors_dir().join("invalid"))
        .iter()
        .map(|p| format!("invalid/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    table.sort();
    on_disk.sort();
    assert_eq!(table, listed_sorted, "table covers the manifest");
    assert_eq!(on_disk, listed_sorted, "manifest covers the folder");
    assert_eq!(listed.len(), 16);

    for (file, matches) in INVALID {
        let text = read(file);
        let ld = Document::from_json_ld(&text).expect_err(file);
        assert!(matches(&ld), "{file}: from_json_ld gave {ld:?}");
        let json = Document::from_json(&text);
        if *file == JSON_LD_ONLY {
            assert!(
                json.is_ok(),
                "{file}: @context is not interpreted in application/did+json"
            );
        } else {
            let e = json.expect_err(file);
            assert!(matches(&e), "{file}: from_json gave {e:?}");
            assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn spec_fragments_are_rejected() {
    let text = read("spec-fragments/20-service.json");
    let e = Document::from_json(&text).unwrap_err();
    assert!(
        matches!(&e, DocumentError::InvalidId { id, source: DidError::MissingScheme } if id.is_empty()),
        "{e:?}"
    );
    assert!(Document::from_json_ld(&text).is_err());

    // The skeleton has a real document id; its empty-string methods are what is wrong.
    let text = read("spec-fragments/12-verificationMethod.json");
    for result in [Document::from_json(&text), Document::from_json_ld(&text)] {
        let e = result.unwrap_err();
        assert!(
            matches!(&e, DocumentError::InvalidVerificationMethodController { at: Location::VerificationMethod(0), value, .. } if value.is_empty()),
            "{e:?}"
        );
    }
    // With the controllers filled in, the empty JWK and then the empty id are the next rules broken.
    let mut skeleton: Value = serde_json::from_str(&text).unwrap();
    skeleton["verificationMethod"][0]["controller"] = json!("did:example:123456789abcdefghi");
    skeleton["verificationMethod"][1]["controller"] = json!("did:example:123456789abcdefghi");
    let e = Document::from_value(skeleton.clone(), Representation::Json).unwrap_err();
    assert!(matches!(e, DocumentError::InvalidPublicKeyJwk { .. }), "{e:?}");
    skeleton["verificationMethod"].as_array_mut().unwrap().remove(0);
    let e = Document::from_value(skeleton, Representation::Json).unwrap_err();
    assert!(
        matches!(
            e,
            DocumentError::InvalidVerificationMethodId {
                source: DidError::InvalidRelativeReference { .. },
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn limits_and_json_errors() {
    let big = format!("{{\"id\":\"did:example:1\",\"x\":\"{}\"}}", "a".repeat(MAX_JSON_LEN));
    assert_eq!(
        Document::from_json(&big),
        Err(DocumentError::TooLarge {
            size: big.len(),
            limit: MAX_JSON_LEN
        })
    );
    assert!(matches!(
        Document::from_json("{"),
        Err(DocumentError::InvalidJson { line: 1, .. })
    ));
    assert!(matches!(
        Document::from_json("{} x"),
        Err(DocumentError::InvalidJson { .. })
    ));
    assert_eq!(Document::from_json("[]"), Err(DocumentError::NotAMap));
    assert_eq!(
        Document::from_json(r#"{"id": "did:example:1", "id": "did:example:2"}"#),
        Err(DocumentError::DuplicateMember { member: "id".into() })
    );
    assert_eq!(
        Document::from_json(r##"{"id": "did:example:1", "service": [{"id": "#a", "id": "#b"}]}"##),
        Err(DocumentError::DuplicateMember { member: "id".into() })
    );
    let deep = format!(
        "{{\"id\":\"did:example:1\",\"x\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(
        Document::from_json(&deep),
        Err(DocumentError::InvalidJson { .. })
    ));
}

#[test]
fn other_rules() {
    let base: Value = serde_json::from_str(&read(BASE)).unwrap();
    let with = |patch: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        patch(&mut v);
        Document::from_value(v, Representation::JsonLd)
    };
    // Duplicate verification method ids, one relative and one absolute.
    let e = with(&|v| {
        let mut second = v["verificationMethod"][0].clone();
        second["id"] = json!("#key-1");
        v["verificationMethod"].as_array_mut().unwrap().push(second);
    });
    assert_eq!(
        e,
        Err(DocumentError::DuplicateVerificationMethodId { id: "#key-1".into() })
    );
    // An embedded method may not reuse a verificationMethod id either.
    let e = with(&|v| v["authentication"] = json!([v["verificationMethod"][0].clone()]));
    assert!(matches!(e, Err(DocumentError::DuplicateVerificationMethodId { .. })));
    // A relationship reference must be a DID URL.
    let e = with(&|v| v["assertionMethod"] = json!(["#ok", "key-1"]));
    assert!(matches!(
        e,
        Err(DocumentError::InvalidReference {
            relationship: Relationship::AssertionMethod,
            index: 1,
            ..
        })
    ));
    // Controller sets.
    assert!(with(&|v| v["controller"] = json!(["did:example:a", "did:example:b"])).is_ok());
    assert!(matches!(
        with(&|v| v["controller"] = json!(["did:example:a", "did:example:b#x"])),
        Err(DocumentError::InvalidController {
            index: Some(1),
            source: DidError::NotADid { part: "fragment" },
            ..
        })
    ));
    // Context forms.
    assert!(with(&|v| v["@context"] = json!("https://www.w3.org/ns/did/v1.1")).is_ok());
    assert!(with(&|v| v["@context"] = json!(["https://www.w3.org/ns/did/v1.1", {"@vocab": "x"}])).is_ok());
    assert!(matches!(
        with(&|v| v["@context"] = json!([])),
        Err(DocumentError::InvalidContext { .. })
    ));
    assert!(matches!(
        with(&|v| v["@context"] = json!("https://www.w3.org/ns/did/v2")),
        Err(DocumentError::InvalidContext { .. })
    ));
    // alsoKnownAs.
    assert!(with(&|v| v["alsoKnownAs"] = json!(["https://example.com/alice", "did:example:other"])).is_ok());
    for bad in [
        "",
        ":x",
        "1http://x",
        "http://exa mple",
        "http://x/%zz",
        "http://x#a#b",
        "htt_p://x",
    ] {
        assert!(
            matches!(
                with(&|v| v["alsoKnownAs"] = json!([bad])),
                Err(DocumentError::InvalidAlsoKnownAs { .. })
            ),
            "{bad:?}"
        );
    }
    // Services: relative id, type set, endpoint forms.
    assert!(with(&|v| v["service"][0]["id"] = json!("#relative")).is_ok());
    assert!(with(&|v| v["service"][0]["type"] = json!(["A", "B"])).is_ok());
    assert!(with(&|v| v["service"][0]["serviceEndpoint"] = json!({"origins": ["https://a.example"]})).is_ok());
    assert!(with(&|v| v["service"][0]["serviceEndpoint"] = json!(["https://a.example", {"x": 1}])).is_ok());
    assert!(matches!(
        with(&|v| v["service"][0]["serviceEndpoint"] = json!("not a uri")),
        Err(DocumentError::InvalidServiceEndpoint {
            at: Location::Service(0),
            ..
        })
    ));
    assert!(matches!(
        with(&|v| v["service"][0]["serviceEndpoint"] = json!([])),
        Err(DocumentError::InvalidServiceEndpoint { .. })
    ));
    assert!(matches!(
        with(&|v| v["service"][0]["type"] = json!([])),
        Err(DocumentError::WrongType {
            at: Location::Service(0),
            member: "type",
            ..
        })
    ));
    assert!(matches!(
        with(&|v| v["service"][0]["id"] = json!("no scheme")),
        Err(DocumentError::InvalidServiceId {
            at: Location::Service(0),
            ..
        })
    ));
    // Duplicate services, one id relative.
    let e = with(&|v| {
        let mut second = v["service"][0].clone();
        second["id"] = json!("#linked-domain");
        v["service"].as_array_mut().unwrap().push(second);
    });
    assert!(matches!(e, Err(DocumentError::DuplicateServiceId { .. })));
    // A JWK that is not a JWK.
    let e = with(&|v| {
        let vm = v["verificationMethod"][0].as_object_mut().unwrap();
        vm.remove("publicKeyMultibase");
        vm.insert("publicKeyJwk".into(), json!({"crv": "Ed25519"}));
    });
    assert!(matches!(e, Err(DocumentError::InvalidPublicKeyJwk { .. })), "{e:?}");
    // Long offending values are truncated.
    let long = format!("https://{}", "x".repeat(1000));
    match with(&|v| v["id"] = json!(long)) {
        Err(DocumentError::InvalidId { id, .. }) => assert!(id.chars().count() <= 65),
        other => panic!("{other:?}"),
    }
}

#[test]
fn dereference_relative_and_absolute_method_ids() {
    let document = doc("valid/did-core-1.0-spec-examples/9-relative-url.json");
    let absolute = document
        .verification_method("did:example:123456789abcdefghi#key-1")
        .unwrap();
    let relative = document.verification_method("#key-1").unwrap();
    assert!(std::ptr::eq(absolute, relative));
    assert!(document.verification_method("#key-2").is_none());
    assert!(document.verification_method("did:example:other#key-1").is_none());
    assert!(document.verification_method("not a did url").is_none());
    let methods: Vec<_> = document.methods_for(Relationship::Authentication).collect();
    assert_eq!(methods.len(), 1);
    assert!(std::ptr::eq(*methods[0].as_ref().unwrap(), absolute));
    assert!(document.authorizes(Relationship::Authentication, "#key-1"));
    assert!(document.authorizes(Relationship::Authentication, "did:example:123456789abcdefghi#key-1"));
    assert!(!document.authorizes(Relationship::AssertionMethod, "#key-1"));

    // DID 1.1: the stored id itself is relative.
    let document = doc("valid/did-v1.1-spec/08-did-document-that-uses-relative-did-urls.json");
    let vm = document.verification_method("did:example:123#key-1").unwrap();
    assert_eq!(vm.id, "#key-1");
    for relationship in [
        Relationship::Authentication,
        Relationship::AssertionMethod,
        Relationship::CapabilityInvocation,
        Relationship::CapabilityDelegation,
    ] {
        let methods: Vec<_> = document.methods_for(relationship).map(Result::unwrap).collect();
        assert_eq!(methods.len(), 1);
        assert!(std::ptr::eq(methods[0], vm));
        assert!(document.authorizes(relationship, "did:example:123#key-1"));
        assert!(document.authorizes(relationship, "#key-1"));
    }
    assert!(!document.authorizes(Relationship::KeyAgreement, "#key-1"));
    assert_eq!(document.methods_for(Relationship::KeyAgreement).count(), 0);
    let url = DidUrl::parse("did:example:123#key-1").unwrap();
    assert!(matches!(document.dereference(&url), Some(Resource::VerificationMethod(m)) if std::ptr::eq(m, vm)));
}

#[test]
fn dereference_document_service_and_misses() {
    let document = doc(BASE);
    let url = |s: &str| DidUrl::parse(s).unwrap();
    match document.dereference(&url("did:example:123456789abcdefghi#linked-domain")) {
        Some(Resource::Service(service)) => assert_eq!(service.type_, json!("LinkedDomains")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        document.dereference(&url("did:example:123456789abcdefghi")),
        Some(Resource::Document(d)) if std::ptr::eq(d, &document)
    ));
    assert!(matches!(
        document.dereference(&url("did:example:123456789abcdefghi#key-1")),
        Some(Resource::VerificationMethod(_))
    ));
    assert!(
        document
            .dereference(&url("did:example:123456789abcdefghi#nothing"))
            .is_none()
    );
    assert!(document.dereference(&url("did:example:other#key-1")).is_none());
    assert!(
        document
            .dereference(&url("did:example:123456789abcdefghi?versionId=1"))
            .is_none()
    );
    assert!(
        document
            .dereference(&url("did:example:123456789abcdefghi/path#key-1"))
            .is_none()
    );
    // A relative service id is found by the absolute URL.
    let mut value: Value = serde_json::from_str(&read(BASE)).unwrap();
    value["service"][0]["id"] = json!("#linked-domain");
    let relative = Document::from_value(value, Representation::Json).unwrap();
    assert!(matches!(
        relative.dereference(&url("did:example:123456789abcdefghi#linked-domain")),
        Some(Resource::Service(_))
    ));
}

#[test]
fn embedded_methods_and_dangling_references() {
    let document = doc("valid/did-core-1.0-spec-examples/14-authentication.json");
    let methods: Vec<_> = document.methods_for(Relationship::Authentication).collect();
    assert_eq!(methods.len(), 2);
    assert_eq!(
        methods[0],
        Err(DocumentError::DanglingReference {
            relationship: Relationship::Authentication,
            reference: "did:example:123456789abcdefghi#keys-1".into(),
        })
    );
    let embedded = methods[1].as_ref().unwrap();
    assert_eq!(embedded.id, "did:example:123456789abcdefghi#keys-2");
    assert!(matches!(&document.authentication[1], MethodRef::Embedded(_)));
    assert!(std::ptr::eq(
        document.verification_method("#keys-2").unwrap(),
        *embedded
    ));
    assert!(document.authorizes(Relationship::Authentication, "#keys-2"));
    // A dangling reference to this DID authorizes nothing.
    assert!(!document.authorizes(Relationship::Authentication, "#keys-1"));
    assert!(!document.authorizes(Relationship::AssertionMethod, "#keys-2"));
    assert!(matches!(
        document.dereference(&DidUrl::parse("did:example:123456789abcdefghi#keys-2").unwrap()),
        Some(Resource::VerificationMethod(_))
    ));

    // A method embedded in one relationship does not satisfy a reference from another.
    let mut value: Value =
        serde_json::from_str(&read("valid/did-core-1.0-spec-examples/14-authentication.json")).unwrap();
    value["assertionMethod"] = json!(["#keys-2"]);
    let document = Document::from_value(value, Representation::JsonLd).unwrap();
    assert!(matches!(
        document.methods_for(Relationship::AssertionMethod).next(),
        Some(Err(DocumentError::DanglingReference { .. }))
    ));
    assert!(!document.authorizes(Relationship::AssertionMethod, "#keys-2"));

    // A reference to another DID's method is listed (the caller resolves that DID).
    let document = doc("valid/did-core-1.0-spec-examples/17-keyAgreement.json");
    assert!(document.authorizes(
        Relationship::KeyAgreement,
        "did:example:123#zC9ByQ8aJs8vrNXyDhPHHNNMSHPcaSgNpjjsBYpMMjsTdS"
    ));
    let mut value: Value = serde_json::from_str(&read(BASE)).unwrap();
    value["capabilityInvocation"] = json!(["did:example:controller#key-9"]);
    let document = Document::from_value(value, Representation::JsonLd).unwrap();
    assert!(document.authorizes(Relationship::CapabilityInvocation, "did:example:controller#key-9"));
    assert!(matches!(
        document.methods_for(Relationship::CapabilityInvocation).next(),
        Some(Err(DocumentError::DanglingReference {
            relationship: Relationship::CapabilityInvocation,
            ..
        }))
    ));
}

fn key_of(relative: &str, id: &str) -> Result<did_core::key::VerifyingKey, DocumentError> {
    let document = doc(relative);
    document
        .verification_method(id)
        .unwrap_or_else(|| panic!("{relative} {id}"))
        .verifying_key()
}

fn unsupported_key_type(result: Result<did_core::key::VerifyingKey, DocumentError>) -> bool {
    matches!(
        result,
        Err(DocumentError::InvalidKey {
            source: KeyError::UnsupportedKeyType(_),
            ..
        })
    )
}

#[test]
fn verifying_keys_of_spec_examples() {
    let ed = |r: Result<did_core::key::VerifyingKey, DocumentError>| r.unwrap().key_type() == KeyType::Ed25519;
    assert!(ed(key_of(BASE, "#key-1")));
    let v10 = "valid/did-core-1.0-spec-examples/";
    assert!(ed(key_of(
        &format!("{v10}13-verificationMethod-jwk-multibase.json"),
        "did:example:123#_Qq0UL2Fq651Q0Fjd6TvnYE-faHiOpRlPVQcY_-tA4A"
    )));
    assert!(ed(key_of(
        &format!("{v10}13-verificationMethod-jwk-multibase.json"),
        "#keys-1"
    )));
    // Legacy publicKeyBase58.
    assert!(ed(key_of(&format!("{v10}21-did-as-json.json"), "#keys-1")));
    let f26 = format!("{v10}26-different-verificationMethod-types.json");
    assert!(ed(key_of(&f26, "#key-0")));
    assert_eq!(key_of(&f26, "#key-3").unwrap().key_type(), KeyType::P256);
    for id in ["#key-1", "#key-2"] {
        assert!(
            matches!(
                key_of(&f26, id),
                Err(DocumentError::UnsupportedVerificationMaterial { .. })
            ),
            "{id}"
        );
    }
    // The same Multikey Ed25519 key written as base58 and as multibase.
    let multibase = key_of(BASE, "#key-1").unwrap();
    assert_eq!(
        multibase.to_multikey(),
        "z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu"
    );

    for file in [
        format!("{v10}25-many-key-types.json"),
        "valid/did-v1.1-spec/06-did-document-with-many-different-key-types.json".into(),
    ] {
        assert!(ed(key_of(&file, "#key-0")), "{file}");
        // X25519, secp256k1 (twice), P-521, RSA: not supported key types.
        for id in ["#key-1", "#key-2", "#key-3", "#key-6", "#key-7"] {
            assert!(
                unsupported_key_type(key_of(&file, id)),
                "{file} {id}: {:?}",
                key_of(&file, id)
            );
        }
        // The P-256 and P-384 examples are placeholders, not points on the curve.
        for id in ["#key-4", "#key-5"] {
            assert!(
                matches!(key_of(&file, id), Err(DocumentError::InvalidKey { .. })),
                "{file} {id}"
            );
        }
    }
    let f07 = "valid/did-v1.1-spec/07-did-document-with-different-verification-method-types.json";
    assert!(ed(key_of(f07, "#key-0")));
    assert!(matches!(key_of(f07, "#key-1"), Err(DocumentError::InvalidKey { .. })));
    assert!(matches!(key_of(f07, "#key-2"), Err(DocumentError::InvalidKey { .. })));
    assert_eq!(key_of(f07, "#key-3").unwrap().key_type(), KeyType::P256);
}

#[test]
fn verifying_keys_round_trip_for_every_supported_type() {
    let did = Did::parse("did:example:123").unwrap();
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let key = SigningKey::generate(key_type).unwrap().verifying_key().clone();
        let id = DidUrl::resolve_relative(&did, "#k").unwrap();
        let multikey = VerificationMethod::multikey(id.clone(), did.clone(), &key);
        assert_eq!(multikey.type_, "Multikey");
        assert_eq!(multikey.verifying_key().unwrap(), key);
        let jwk = VerificationMethod::json_web_key(id, did.clone(), &key);
        assert_eq!(jwk.type_, "JsonWebKey");
        assert_eq!(jwk.verifying_key().unwrap(), key);
    }
    let mut vm = VerificationMethod::multikey(
        DidUrl::parse("did:example:123#k").unwrap(),
        did.clone(),
        SigningKey::generate(KeyType::P256).unwrap().verifying_key(),
    );
    vm.public_key_multibase = None;
    assert_eq!(
        vm.verifying_key(),
        Err(DocumentError::UnsupportedVerificationMaterial {
            id: "did:example:123#k".into(),
            method_type: "Multikey".into()
        })
    );
    vm.type_ = "Ed25519VerificationKey2018".into();
    vm.public_key_base58 = Some("0OIl".into());
    assert!(matches!(vm.verifying_key(), Err(DocumentError::InvalidKey { .. })));
}

#[test]
fn build_a_document() {
    let did = Did::parse("did:example:builder").unwrap();
    let key = SigningKey::generate(KeyType::P256).unwrap().verifying_key().clone();
    let mut document = Document::new(did.clone());
    assert_eq!(
        document.validate(Representation::JsonLd),
        Err(DocumentError::MissingContext)
    );
    document.context = Some(json!([
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1"
    ]));
    let id = DidUrl::resolve_relative(&did, "#key-1").unwrap();
    document.add_verification_method(
        VerificationMethod::multikey(id, did.clone(), &key),
        &[Relationship::Authentication, Relationship::AssertionMethod],
    );
    document.controller = vec![did.clone()];
    document.validate(Representation::JsonLd).unwrap();
    let value = document.to_value();
    assert_eq!(value["controller"], json!("did:example:builder"));
    assert_eq!(value["authentication"], json!(["did:example:builder#key-1"]));
    assert_eq!(
        value["verificationMethod"][0]["publicKeyMultibase"],
        json!(key.to_multikey())
    );
    let parsed = Document::from_json_ld(&document.to_json()).unwrap();
    assert_eq!(parsed, document);
    assert!(parsed.authorizes(Relationship::AssertionMethod, "#key-1"));
    assert_eq!(
        parsed.verification_method("#key-1").unwrap().verifying_key().unwrap(),
        key
    );
    assert_eq!(Relationship::CapabilityDelegation.as_str(), "capabilityDelegation");
    assert_eq!(Representation::JsonLd.media_type(), "application/did+ld+json");
}

/// Every path to a member or array item in `value`.
fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(json!(key));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(json!(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at_path<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Value::String(key) => &mut v[key.as_str()],
        Value::Number(i) => &mut v[i.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

#[test]
fn mutation_every_member_with_the_wrong_type_is_rejected() {
    let base: Value = serde_json::from_str(&read(BASE)).unwrap();
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    assert!(all.len() > 15);
    let mut checked = 0;
    for path in &all {
        for replacement in [json!(42), Value::Null, json!(true)] {
            let mut mutated = base.clone();
            *at_path(&mut mutated, path) = replacement.clone();
            let text = mutated.to_string();
            let ld = Document::from_json_ld(&text);
            assert!(ld.is_err(), "{path:?} = {replacement}: accepted");
            assert!(!matches!(ld, Err(DocumentError::InvalidJson { .. })));
            if path[0] != "@context" {
                assert!(
                    Document::from_json(&text).is_err(),
                    "{path:?} = {replacement}: accepted as JSON"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, all.len() * 3);
}

#[test]
fn mutation_dropping_a_required_member_is_rejected() {
    let base: Value = serde_json::from_str(&read(BASE)).unwrap();
    let required: &[(&[Value], &str)] = &[
        (&[], "id"),
        (&[json!("verificationMethod"), json!(0)], "id"),
        (&[json!("verificationMethod"), json!(0)], "type"),
        (&[json!("verificationMethod"), json!(0)], "controller"),
        (&[json!("service"), json!(0)], "id"),
        (&[json!("service"), json!(0)], "type"),
        (&[json!("service"), json!(0)], "serviceEndpoint"),
    ];
    for (parent, member) in required {
        let mut mutated = base.clone();
        assert!(
            at_path(&mut mutated, parent)
                .as_object_mut()
                .unwrap()
                .remove(*member)
                .is_some()
        );
        for representation in [Representation::Json, Representation::JsonLd] {
            let e = Document::from_value(mutated.clone(), representation).unwrap_err();
            assert!(
                matches!(e, DocumentError::MissingMember { member: m, .. } if m == *member),
                "{parent:?}/{member}: {e:?}"
            );
        }
    }
    // Embedded methods too.
    let mut embedded = base.clone();
    embedded["authentication"] = json!([base["verificationMethod"][0].clone()]);
    embedded["verificationMethod"] = json!([]);
    Document::from_value(embedded.clone(), Representation::JsonLd).unwrap();
    for member in ["id", "type", "controller"] {
        let mut mutated = embedded.clone();
        mutated["authentication"][0].as_object_mut().unwrap().remove(member);
        let e = Document::from_value(mutated, Representation::JsonLd).unwrap_err();
        assert!(matches!(
            e,
            DocumentError::MissingMember { at: Location::Relationship(Relationship::Authentication, 0), member: m }
                if m == member
        ));
    }
}

#[test]
fn mutation_truncated_and_garbled_text_never_panics() {
    let text = read(BASE);
    let trimmed = text.trim_end();
    for k in 0..trimmed.len() {
        assert!(Document::from_json(&trimmed[..k]).is_err(), "prefix {k}");
    }
    let bytes = text.as_bytes();
    for k in 0..bytes.len() {
        for replacement in [b'"', b'{', b']', b'#', b' ', b'0', 0xff] {
            let mut mutated = bytes.to_vec();
            mutated[k] = replacement;
            if let Ok(s) = std::str::from_utf8(&mutated) {
                let _ = Document::from_json(s);
                let _ = Document::from_json_ld(s);
            }
        }
    }
}

#[test]
fn deserialize_sub_types_with_serde() {
    let vm: VerificationMethod = serde_json::from_value(json!({
        "id": "#k", "type": "Multikey", "controller": "did:example:1",
        "publicKeyMultibase": "z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu", "extraMember": [1]
    }))
    .unwrap();
    assert_eq!(vm.extra["extraMember"], json!([1]));
    assert!(serde_json::from_value::<VerificationMethod>(json!({"id": "#k", "type": "Multikey"})).is_err());
    assert!(serde_json::from_str::<Document>(r#"{"id": "did:example:1#x"}"#).is_err());
}
