//! Related resource integrity (VC Data Model 2.0 §5.3): a `relatedResource` entry whose `id`
//! is one of the document's `@context` URLs pins that context's bytes. A verifier that uses
//! the resource must compute its digest and fail on a mismatch; an `rdfc` proof uses every
//! context it loads, so each pinned one is checked against the bytes the loader gives.

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::{DataIntegrityError, DocumentLoader};
use crate::text::truncated;

/// Multihash codes of the hash functions a digest may use.
const MULTIHASH_SHA2_256: u64 = 0x12;
const MULTIHASH_SHA2_384: u64 = 0x20;
const MULTIHASH_SHA2_512: u64 = 0x13;

/// Checks each `relatedResource` digest of a context in `document`'s top-level `@context`
/// against what `loader` serves for it. Entries for other resources are not used here and are
/// left alone; a context the loader does not know fails later, when it is loaded. Signing and
/// verifying an `*-rdfc-*` proof run this, so no credential is signed that no verifier can
/// accept; an issuer can run it earlier, before it records anything.
pub fn check_pinned_contexts(
    document: &Map<String, Value>,
    loader: &dyn DocumentLoader,
) -> Result<(), DataIntegrityError> {
    let contexts: Vec<&str> = match document.get("@context") {
        Some(Value::String(url)) => vec![url.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let entries: Vec<&Map<String, Value>> = match document.get("relatedResource") {
        Some(Value::Object(entry)) => vec![entry],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    for entry in entries {
        let Some(url) = entry.get("id").and_then(Value::as_str) else {
            continue;
        };
        if !contexts.contains(&url) {
            continue;
        }
        let bytes = match loader.load(url) {
            Ok(bytes) => bytes,
            Err(DataIntegrityError::UnknownContext(_)) => continue,
            Err(other) => return Err(other),
        };
        for (member, check) in [
            (
                "digestSRI",
                sri_matches as fn(&str, &[u8]) -> Result<bool, &'static str>,
            ),
            ("digestMultibase", multibase_matches),
        ] {
            let Some(digest) = entry.get(member) else {
                continue;
            };
            let matched = digest
                .as_str()
                .ok_or("the digest is not a string")
                .and_then(|digest| check(digest, &bytes))
                .map_err(|reason| DataIntegrityError::RelatedResourceUnchecked {
                    url: truncated(url),
                    reason,
                })?;
            if !matched {
                return Err(DataIntegrityError::RelatedResourceMismatch {
                    url: truncated(url),
                    member,
                });
            }
        }
    }
    Ok(())
}

/// `sha256-`, `sha384-` or `sha512-` and the standard base64 of the digest of `bytes`.
fn sri_matches(sri: &str, bytes: &[u8]) -> Result<bool, &'static str> {
    let (algorithm, given) = sri.split_once('-').ok_or("not an SRI digest")?;
    let computed = match algorithm {
        "sha256" => Sha256::digest(bytes).to_vec(),
        "sha384" => Sha384::digest(bytes).to_vec(),
        "sha512" => Sha512::digest(bytes).to_vec(),
        _ => return Err("an SRI hash function other than sha256, sha384 or sha512"),
    };
    let given = base64::engine::general_purpose::STANDARD
        .decode(given)
        .map_err(|_| "the SRI digest is not base64")?;
    Ok(given == computed)
}

/// A multibase multihash (sha2-256, sha2-384 or sha2-512) of `bytes`.
fn multibase_matches(multibase: &str, bytes: &[u8]) -> Result<bool, &'static str> {
    let (_, decoded) = crate::multibase::decode(multibase).map_err(|_| "not a multibase string")?;
    let (code, rest) = crate::key::read_varint(&decoded).map_err(|_| "not a multihash")?;
    let (length, given) = crate::key::read_varint(rest).map_err(|_| "not a multihash")?;
    if usize::try_from(length).ok() != Some(given.len()) {
        return Err("not a multihash");
    }
    let computed = match code {
        MULTIHASH_SHA2_256 => Sha256::digest(bytes).to_vec(),
        MULTIHASH_SHA2_384 => Sha384::digest(bytes).to_vec(),
        MULTIHASH_SHA2_512 => Sha512::digest(bytes).to_vec(),
        _ => return Err("a multihash function other than sha2-256, sha2-384 or sha2-512"),
    };
    Ok(given == computed.as_slice())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use serde_json::json;

    use super::*;
    use crate::data_integrity::StaticLoader;

    const V2: &str = "https://www.w3.org/ns/credentials/v2";

    fn document(related: Value) -> Map<String, Value> {
        let Value::Object(map) = json!({"@context": [V2], "relatedResource": related}) else {
            panic!()
        };
        map
    }

    fn check(related: Value) -> Result<(), DataIntegrityError> {
        check_pinned_contexts(&document(related), &StaticLoader)
    }

    #[test]
    fn digests_of_the_shipped_context_match_and_others_do_not() {
        let bytes = StaticLoader::get(V2).unwrap();
        let sri = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
        );
        // VC Data Model 2.0's own example digest of this context (§5.3, sha2-256 multihash).
        let multibase = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA";
        check(json!({"id": V2, "digestSRI": sri, "digestMultibase": multibase})).unwrap();
        check(json!([{"id": V2, "digestMultibase": multibase}])).unwrap();

        // The VC 2.0 test suite's fixture: the SRI of an earlier version of the context.
        let stale = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg";
        match check(json!({"id": V2, "digestSRI": stale})) {
            Err(DataIntegrityError::RelatedResourceMismatch { url, member }) => {
                assert_eq!((url.as_str(), member), (V2, "digestSRI"));
            }
            other => panic!("{other:?}"),
        }
        let mut multihash = vec![0x12, 0x20];
        multihash.extend_from_slice(&Sha256::digest(b"another context"));
        let other_bytes = format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(multihash)
        );
        assert!(matches!(
            check(json!({"id": V2, "digestMultibase": other_bytes})),
            Err(DataIntegrityError::RelatedResourceMismatch {
                member: "digestMultibase",
                ..
            })
        ));
    }

    #[test]
    fn digests_that_cannot_be_computed_are_errors_and_unused_resources_are_left_alone() {
        for digest in [
            json!({"digestSRI": "md5-1B2M2Y8AsgTpgAmY7PhCfg=="}),
            json!({"digestSRI": "sha384-%%%"}),
            json!({"digestSRI": 7}),
            // identity multihash (0x00) and a bare digest without a multihash header
            json!({"digestMultibase": "uAAA"}),
            json!({"digestMultibase": "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"}),
        ] {
            let mut entry = digest.as_object().unwrap().clone();
            entry.insert("id".into(), json!(V2));
            assert!(
                matches!(
                    check(Value::Object(entry)),
                    Err(DataIntegrityError::RelatedResourceUnchecked { .. })
                ),
                "{digest}"
            );
        }
        // Not a context of the document, or not one the loader has: not used, not checked.
        check(json!({"id": "https://example.com/image.png", "digestSRI": "sha256-AAAA"})).unwrap();
        let mut unknown = document(json!({"id": "https://contexts.example/v1", "digestSRI": "sha256-AAAA"}));
        unknown.insert("@context".into(), json!([V2, "https://contexts.example/v1"]));
        check_pinned_contexts(&unknown, &StaticLoader).unwrap();
    }
}
