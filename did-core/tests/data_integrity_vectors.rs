//! The vc-di-ecdsa and vc-di-eddsa test vectors, folder by folder: canonical forms,
//! hashes, signatures (re-created byte for byte), verification, and tampering.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use did_core::clock::FixedClock;
use did_core::data_integrity::{
    self, Cryptosuite, DataIntegrityError, ProofExpectations, ProofOptions, StaticLoader, canonicalize, hash_data,
};
use did_core::document::Relationship;
use did_core::key::{KeyType, SigningKey, VerifyingKey};
use serde_json::Value;

struct Folder {
    dir: &'static str,
    suffix: &'static str,
    suite: Cryptosuite,
    key_file: &'static str,
    unsigned: &'static str,
}

const FOLDERS: &[Folder] = &[
    Folder {
        dir: "vc-di-ecdsa/ecdsa-rdfc-2019-p256",
        suffix: "ECDSAP256",
        suite: Cryptosuite::EcdsaRdfc2019,
        key_file: "vc-di-ecdsa/p256KeyPair.json",
        unsigned: "vc-di-ecdsa/unsigned.json",
    },
    Folder {
        dir: "vc-di-ecdsa/ecdsa-rdfc-2019-p256/employ",
        suffix: "ECDSAP256",
        suite: Cryptosuite::EcdsaRdfc2019,
        key_file: "vc-di-ecdsa/p256KeyPair.json",
        unsigned: "vc-di-ecdsa/employmentAuth.json",
    },
    Folder {
        dir: "vc-di-ecdsa/ecdsa-rdfc-2019-p384",
        suffix: "ECDSAP384",
        suite: Cryptosuite::EcdsaRdfc2019,
        key_file: "vc-di-ecdsa/p384KeyPair.json",
        unsigned: "vc-di-ecdsa/unsigned.json",
    },
    Folder {
        dir: "vc-di-ecdsa/ecdsa-rdfc-2019-p384/employ",
        suffix: "ECDSAP384",
        suite: Cryptosuite::EcdsaRdfc2019,
        key_file: "vc-di-ecdsa/p384KeyPair.json",
        unsigned: "vc-di-ecdsa/employmentAuth.json",
    },
    Folder {
        dir: "vc-di-ecdsa/ecdsa-jcs-2019-p256",
        suffix: "JCSECDSAP256",
        suite: Cryptosuite::EcdsaJcs2019,
        key_file: "vc-di-ecdsa/p256KeyPair.json",
        unsigned: "vc-di-ecdsa/unsigned.json",
    },
    Folder {
        dir: "vc-di-ecdsa/ecdsa-jcs-2019-p384",
        suffix: "JCSECDSAP384",
        suite: Cryptosuite::EcdsaJcs2019,
        key_file: "vc-di-ecdsa/p384KeyPair.json",
        unsigned: "vc-di-ecdsa/unsigned.json",
    },
    Folder {
        dir: "vc-di-eddsa/eddsa-rdfc-2022",
        suffix: "DataInt",
        suite: Cryptosuite::EddsaRdfc2022,
        key_file: "vc-di-eddsa/keyPair.json",
        unsigned: "vc-di-eddsa/unsigned.json",
    },
    Folder {
        dir: "vc-di-eddsa/eddsa-rdfc-2022/employ",
        suffix: "DataInt",
        suite: Cryptosuite::EddsaRdfc2022,
        key_file: "vc-di-eddsa/keyPair.json",
        unsigned: "vc-di-eddsa/employmentAuth.json",
    },
    Folder {
        dir: "vc-di-eddsa/eddsa-jcs-2022",
        suffix: "JCS",
        suite: Cryptosuite::EddsaJcs2022,
        key_file: "vc-di-eddsa/keyPair.json",
        unsigned: "vc-di-eddsa/unsigned.json",
    },
];

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/data-integrity")
        .join(rel)
}

fn text(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&text(rel)).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Folder {
    fn file(&self, stem: &str, ext: &str) -> String {
        format!("{}/{stem}{}.{ext}", self.dir, self.suffix)
    }

    fn text(&self, stem: &str) -> String {
        text(&self.file(stem, "txt"))
    }

    fn key(&self) -> SigningKey {
        let pair = json(self.key_file);
        let secret = pair
            .get("secretKeyMultibase")
            .or_else(|| pair.get("privateKeyMultibase"))
            .and_then(Value::as_str)
            .unwrap();
        let key = SigningKey::from_multikey(secret).unwrap();
        assert_eq!(
            key.verifying_key().to_multikey(),
            pair["publicKeyMultibase"].as_str().unwrap()
        );
        key
    }

    fn signed(&self) -> Value {
        json(&self.file("signed", "json"))
    }

    fn options(&self) -> ProofOptions {
        let config = json(&self.file("proofConfig", "json"));
        let mut options = ProofOptions::new(config["verificationMethod"].as_str().unwrap());
        options.created = config["created"].as_str().map(str::to_owned);
        assert_eq!(config["proofPurpose"], "assertionMethod");
        options
    }
}

/// Checks `canonical`, from the public [`canonicalize`], against the folder's `canonDoc`.
///
/// `canonicalize` runs RDFC-1.0 with its default hash, SHA-256. vc-di-ecdsa names blank
/// nodes with SHA-384 for P-384 keys, which `hash_data` does (`hashes_match` checks its
/// output byte for byte against `canonDoc` through `docHash` and `combinedHash`); so for
/// the P-384 rdfc folders the text is compared here up to blank-node labels.
fn assert_canonical_doc(f: &Folder, canonical: &str) {
    let expected = f.text("canonDoc");
    if f.suite == Cryptosuite::EcdsaRdfc2019 && f.key().key_type() == KeyType::P384 {
        assert_eq!(unlabelled(canonical), unlabelled(&expected), "{}", f.dir);
    } else {
        assert_eq!(canonical, expected, "{}", f.dir);
    }
}

/// The N-Quads lines, sorted, with every `_:c14nN` label replaced by `_:`.
fn unlabelled(nquads: &str) -> Vec<String> {
    let mut lines: Vec<String> = nquads
        .lines()
        .map(|line| {
            line.split(' ')
                .map(|word| if word.starts_with("_:c14n") { "_:" } else { word })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.sort();
    lines
}

fn clock() -> FixedClock {
    FixedClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000))
}

#[test]
fn all_rdfc_and_jcs_folders_are_listed() {
    // vc-di-ecdsa: rdfc p256 (+employ), rdfc p384 (+employ), jcs p256, jcs p384;
    // vc-di-eddsa: rdfc (+employ), jcs. Ed25519Signature2020 and ecdsa-sd-2023 are out of scope.
    assert_eq!(FOLDERS.len(), 9);
    assert_eq!(FOLDERS.iter().filter(|f| f.dir.ends_with("/employ")).count(), 3);
}

/// The `employ` documents give one node two types that both carry type-scoped contexts
/// (`Person`, `EmployablePerson`): the terms of both must apply. A processor that keeps
/// only the last type's context drops `employmentAuthorizationDocument` and
/// `residentSince` (oxjsonld 0.2.7 did), which safe mode would refuse.
#[test]
fn employ_documents_apply_every_type_scoped_context() {
    for f in FOLDERS.iter().filter(|f| f.dir.ends_with("/employ")) {
        let canonical = canonicalize(f.suite, &json(f.unsigned), &StaticLoader).unwrap();
        for term in ["employmentAuthorizationDocument", "residentSince", "lprNumber"] {
            assert!(
                canonical.contains(&format!("<https://w3id.org/citizenship#{term}>")),
                "{}: {term}",
                f.dir
            );
        }
        assert_canonical_doc(f, &canonical);
        let verified = data_integrity::verify_with_key(
            &f.signed(),
            f.key().verifying_key(),
            &ProofExpectations::default(),
            &clock(),
        )
        .unwrap();
        assert_eq!(verified.len(), 1, "{}", f.dir);
    }
}

#[test]
fn canonical_document_matches() {
    for f in FOLDERS {
        let unsigned = json(f.unsigned);
        let canonical = canonicalize(f.suite, &unsigned, &StaticLoader).unwrap();
        assert_canonical_doc(f, &canonical);
    }
}

#[test]
fn canonical_proof_config_matches() {
    for f in FOLDERS {
        let config = json(&f.file("proofConfig", "json"));
        let canonical = canonicalize(f.suite, &config, &StaticLoader).unwrap();
        assert_eq!(canonical, f.text("proofCanon"), "{}", f.dir);
    }
}

#[test]
fn hashes_match() {
    for f in FOLDERS {
        let key_type = f.key().key_type();
        let doc_hash = f.suite.hash(key_type, f.text("canonDoc").as_bytes());
        assert_eq!(hex(&doc_hash), f.text("docHash").trim(), "{}", f.dir);
        let proof_hash = f.suite.hash(key_type, f.text("proofCanon").as_bytes());
        assert_eq!(hex(&proof_hash), f.text("proofHash").trim(), "{}", f.dir);
        let combined = hash_data(
            f.suite,
            key_type,
            &json(f.unsigned),
            &json(&f.file("proofConfig", "json")),
            &StaticLoader,
        )
        .unwrap();
        assert_eq!(hex(&combined), f.text("combinedHash").trim(), "{}", f.dir);
    }
}

#[test]
fn deterministic_signature_matches_sig_hex() {
    for f in FOLDERS {
        let combined: Vec<u8> = (0..f.text("combinedHash").trim().len() / 2)
            .map(|i| u8::from_str_radix(&f.text("combinedHash").trim()[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let signature = f.key().sign_deterministic(&combined).unwrap();
        assert_eq!(hex(&signature), f.text("sigHex").trim(), "{}", f.dir);
    }
}

#[test]
fn signing_reproduces_the_signed_document() {
    for f in FOLDERS {
        let signed = data_integrity::sign(&json(f.unsigned), f.suite, &f.options(), &f.key()).unwrap();
        assert_eq!(signed, f.signed(), "{}", f.dir);
        assert_eq!(signed["proof"]["proofValue"], f.text("sigBTC58").trim(), "{}", f.dir);
    }
}

#[test]
fn signed_documents_verify() {
    for f in FOLDERS {
        let key = f.key();
        let verified = data_integrity::verify_with_key(
            &f.signed(),
            key.verifying_key(),
            &ProofExpectations::default(),
            &clock(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", f.dir));
        assert_eq!(verified.len(), 1);
        assert_eq!(verified[0].cryptosuite, f.suite);
        assert_eq!(verified[0].proof_purpose, Relationship::AssertionMethod);
        assert_eq!(&verified[0].key, key.verifying_key());
        assert!(verified[0].created.is_some());
    }
}

fn verify_fails(f: &Folder, secured: &Value, key: &VerifyingKey, expected: &ProofExpectations) -> DataIntegrityError {
    data_integrity::verify_with_key(secured, key, expected, &clock())
        .map(|_| ())
        .expect_err(f.dir)
}

#[test]
fn changed_claim_fails() {
    for f in FOLDERS {
        let mut signed = f.signed();
        let subject = signed["credentialSubject"].as_object_mut().unwrap();
        let (name, _) = subject
            .iter()
            .find(|(k, v)| *k != "id" && *k != "type" && v.is_string())
            .unwrap();
        let name = name.clone();
        subject.insert(name, "tampered".into());
        let err = verify_fails(f, &signed, f.key().verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::BadSignature, "{}", f.dir);
    }
}

#[test]
fn added_claim_fails() {
    for f in FOLDERS {
        let mut signed = f.signed();
        signed["credentialSubject"]["name"] = "Mallory".into();
        let err = verify_fails(f, &signed, f.key().verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::BadSignature, "{}", f.dir);
    }
}

#[test]
fn changed_proof_field_fails() {
    for f in FOLDERS {
        let mut signed = f.signed();
        signed["proof"]["created"] = "2023-02-24T23:36:39Z".into();
        let err = verify_fails(f, &signed, f.key().verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::BadSignature, "{}", f.dir);
    }
}

#[test]
fn changed_proof_value_fails() {
    for f in FOLDERS {
        let mut signed = f.signed();
        let key = f.key();
        let other = key.sign_deterministic(b"something else").unwrap();
        signed["proof"]["proofValue"] =
            did_core::multibase::encode(did_core::multibase::Base::Base58Btc, &other).into();
        let err = verify_fails(f, &signed, key.verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::BadSignature, "{}", f.dir);
    }
}

#[test]
fn swapped_suite_fails() {
    for f in FOLDERS {
        let swapped = match f.suite {
            Cryptosuite::EcdsaRdfc2019 => Cryptosuite::EcdsaJcs2019,
            Cryptosuite::EcdsaJcs2019 => Cryptosuite::EcdsaRdfc2019,
            Cryptosuite::EddsaRdfc2022 => Cryptosuite::EddsaJcs2022,
            _ => Cryptosuite::EddsaRdfc2022,
        };
        let mut signed = f.signed();
        signed["proof"]["cryptosuite"] = swapped.name().into();
        let err = verify_fails(f, &signed, f.key().verifying_key(), &ProofExpectations::default());
        assert!(
            matches!(
                err,
                DataIntegrityError::BadSignature | DataIntegrityError::ContextMismatch
            ),
            "{}: {err}",
            f.dir
        );
    }
}

#[test]
fn wrong_key_of_the_same_type_fails() {
    for f in FOLDERS {
        let other = SigningKey::generate(f.key().key_type()).unwrap();
        let err = verify_fails(f, &f.signed(), other.verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::BadSignature, "{}", f.dir);
    }
}

#[test]
fn wrong_curve_fails() {
    for f in FOLDERS {
        let other = match f.key().key_type() {
            KeyType::P256 => KeyType::P384,
            KeyType::P384 => KeyType::P256,
            _ => KeyType::P256,
        };
        let other = SigningKey::generate(other).unwrap();
        let err = verify_fails(f, &f.signed(), other.verifying_key(), &ProofExpectations::default());
        let expected = if f.suite.accepts(other.key_type()) {
            DataIntegrityError::BadSignature
        } else {
            DataIntegrityError::KeyTypeMismatch {
                cryptosuite: f.suite.name(),
                key_type: other.key_type(),
            }
        };
        assert_eq!(err, expected, "{}", f.dir);
    }
}

#[test]
fn eddsa_proof_with_p256_key_is_refused() {
    let f = FOLDERS.iter().find(|f| f.suite == Cryptosuite::EddsaRdfc2022).unwrap();
    let p256 = SigningKey::generate(KeyType::P256).unwrap();
    let err = verify_fails(f, &f.signed(), p256.verifying_key(), &ProofExpectations::default());
    assert_eq!(
        err,
        DataIntegrityError::KeyTypeMismatch {
            cryptosuite: "eddsa-rdfc-2022",
            key_type: KeyType::P256
        }
    );
    let err = data_integrity::sign(&json(f.unsigned), Cryptosuite::EddsaJcs2022, &f.options(), &p256).unwrap_err();
    assert!(matches!(err, DataIntegrityError::KeyTypeMismatch { .. }));
    let ed = SigningKey::generate(KeyType::Ed25519).unwrap();
    let err = data_integrity::sign(&json(f.unsigned), Cryptosuite::EcdsaRdfc2019, &f.options(), &ed).unwrap_err();
    assert!(matches!(err, DataIntegrityError::KeyTypeMismatch { .. }));
}

#[test]
fn expectations_are_enforced() {
    for f in FOLDERS {
        let key = f.key();
        let err = verify_fails(
            f,
            &f.signed(),
            key.verifying_key(),
            &ProofExpectations::new(Relationship::Authentication),
        );
        assert!(matches!(err, DataIntegrityError::PurposeMismatch { .. }), "{}", f.dir);
        let err = verify_fails(
            f,
            &f.signed(),
            key.verifying_key(),
            &ProofExpectations::default().with_challenge("abc"),
        );
        assert_eq!(err, DataIntegrityError::ChallengeMismatch, "{}", f.dir);
        let err = verify_fails(
            f,
            &f.signed(),
            key.verifying_key(),
            &ProofExpectations::default().with_domain("example.com"),
        );
        assert_eq!(err, DataIntegrityError::DomainMismatch, "{}", f.dir);
    }
}

#[test]
fn rdfc_proof_context_must_equal_the_document_context() {
    for f in FOLDERS.iter().filter(|f| f.suite == Cryptosuite::EcdsaRdfc2019) {
        let mut signed = f.signed();
        signed["proof"]["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2"]);
        let err = verify_fails(f, &signed, f.key().verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::ContextMismatch, "{}", f.dir);
        // The same context as the document's is allowed.
        let mut signed = f.signed();
        signed["proof"]["@context"] = signed["@context"].clone();
        data_integrity::verify_with_key(
            &signed,
            f.key().verifying_key(),
            &ProofExpectations::default(),
            &clock(),
        )
        .unwrap();
    }
}

#[test]
fn jcs_document_context_must_start_with_the_proof_context() {
    for f in FOLDERS.iter().filter(|f| f.suite == Cryptosuite::EcdsaJcs2019) {
        let mut signed = f.signed();
        signed["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2"]);
        let err = verify_fails(f, &signed, f.key().verifying_key(), &ProofExpectations::default());
        assert_eq!(err, DataIntegrityError::ContextMismatch, "{}", f.dir);
    }
}
