//! DID and DID URL syntax (DID Core 1.0 §3) against the shared vectors, plus accessors,
//! relative DID URL resolution and generated mutations.

use std::collections::HashSet;
use std::path::PathBuf;

use did_core::did::{Did, DidError, DidUrl, MAX_LEN};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/did-core")
}

struct SyntaxCase {
    file: Option<String>,
    input: String,
    is_did: bool,
    is_did_url: bool,
}

fn syntax_cases() -> Vec<SyntaxCase> {
    let text = std::fs::read_to_string(vectors_dir().join("manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["did_syntax"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| SyntaxCase {
            file: case.get("file").map(|f| f.as_str().unwrap().to_owned()),
            input: case["input"].as_str().unwrap().to_owned(),
            is_did: case["is_did"].as_bool().unwrap(),
            is_did_url: case["is_did_url"].as_bool().unwrap(),
        })
        .collect()
}

#[test]
fn manifest_did_syntax_cases() {
    let cases = syntax_cases();
    assert_eq!(cases.len(), 28, "manifest did_syntax entries");
    for case in &cases {
        let did = Did::parse(&case.input);
        let url = DidUrl::parse(&case.input);
        assert_eq!(did.is_ok(), case.is_did, "Did::parse({:?}) = {did:?}", case.input);
        assert_eq!(
            url.is_ok(),
            case.is_did_url,
            "DidUrl::parse({:?}) = {url:?}",
            case.input
        );
        if let Ok(url) = &url {
            assert_eq!(url.is_did(), case.is_did, "{:?}.is_did()", case.input);
            assert_eq!(url.as_str(), case.input);
        }
        if let Ok(did) = &did {
            assert_eq!(did.as_str(), case.input);
        }
    }
}

#[test]
fn ccg_files_match_manifest_inputs() {
    let cases = syntax_cases();
    let mut listed = HashSet::new();
    for case in cases.iter().filter(|c| c.file.is_some()) {
        let file = case.file.as_deref().unwrap();
        let text = std::fs::read_to_string(vectors_dir().join(file)).unwrap();
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        assert_eq!(text, case.input, "{file}");
        listed.insert(file.to_owned());
    }
    // Every .did file on disk is covered by the manifest.
    let on_disk: HashSet<String> = std::fs::read_dir(vectors_dir().join("syntax/ccg-2019"))
        .unwrap()
        .map(|e| format!("syntax/ccg-2019/{}", e.unwrap().file_name().to_str().unwrap()))
        .collect();
    assert_eq!(on_disk, listed);
    assert_eq!(listed.len(), 12);
}

#[test]
fn errors_name_the_rule() {
    use DidError::*;
    let cases: &[(&str, DidError)] = &[
        ("", MissingScheme),
        ("urn:uuid:123", MissingScheme),
        ("dID:uuid:0d2bae3e", SchemeNotLowercase),
        ("DID:example:123", SchemeNotLowercase),
        ("did:", EmptyMethodName),
        ("did::0d2bae3e", EmptyMethodName),
        ("did:UUID:0d2bae3e", InvalidMethodName { position: 4, ch: 'U' }),
        ("did:ex-ample:123", InvalidMethodName { position: 6, ch: '-' }),
        ("did:example", EmptyMethodSpecificId),
        ("did:example:", EmptyMethodSpecificId),
        ("did:example:/path", EmptyMethodSpecificId),
        ("did:example:abc:", TrailingColon),
        ("did:example::", TrailingColon),
        ("did:example:abc%2", InvalidPercentEncoding { position: 15 }),
        ("did:example:abc%zz", InvalidPercentEncoding { position: 15 }),
        ("did:example:abc def", InvalidIdChar { position: 15, ch: ' ' }),
        (
            "did:foo:21tDAKCERh95uGgKbJNHYp;foo:bar=high",
            InvalidIdChar { position: 30, ch: ';' },
        ),
        ("did:example:abcé", InvalidIdChar { position: 15, ch: 'é' }),
        ("did:example:abc/pa th", InvalidPathChar { position: 18, ch: ' ' }),
        ("did:example:abc/p%", InvalidPercentEncoding { position: 17 }),
        (
            "did:urn:toaster:server:action:camera/capture?query=@!\"]]",
            InvalidQueryChar { position: 53, ch: '"' },
        ),
        (
            "did:example:abc#frag#more",
            InvalidFragmentChar { position: 20, ch: '#' },
        ),
        ("did:example:abc#a b", InvalidFragmentChar { position: 17, ch: ' ' }),
    ];
    for (input, expected) in cases {
        assert_eq!(DidUrl::parse(input).as_ref(), Err(expected), "DidUrl::parse({input:?})");
        assert_eq!(Did::parse(input).as_ref(), Err(expected), "Did::parse({input:?})");
    }
}

#[test]
fn did_url_is_not_a_did() {
    let cases = [
        ("did:example:123/path", "path"),
        ("did:example:123?versionId=1", "query"),
        ("did:example:123#key-1", "fragment"),
        ("did:example:abc?", "query"),
        ("did:example:abc#", "fragment"),
        ("did:example:abc/p?q#f", "path"),
    ];
    for (input, part) in cases {
        assert_eq!(Did::parse(input), Err(DidError::NotADid { part }), "{input}");
        assert!(DidUrl::parse(input).is_ok(), "{input}");
    }
}

#[test]
fn length_limit() {
    let at_limit = format!("did:example:{}", "a".repeat(MAX_LEN - 12));
    assert_eq!(at_limit.len(), MAX_LEN);
    assert!(Did::parse(&at_limit).is_ok());
    let over = format!("{at_limit}a");
    assert_eq!(
        Did::parse(&over),
        Err(DidError::TooLong {
            len: MAX_LEN + 1,
            max: MAX_LEN
        })
    );
    assert_eq!(
        DidUrl::parse(&over),
        Err(DidError::TooLong {
            len: MAX_LEN + 1,
            max: MAX_LEN
        })
    );
}

#[test]
fn did_accessors() {
    let did = Did::parse("did:example:a:b:c").unwrap();
    assert_eq!(did.method(), "example");
    assert_eq!(did.method_specific_id(), "a:b:c");
    assert_eq!(did.as_str(), "did:example:a:b:c");
    assert_eq!(did.to_string(), "did:example:a:b:c");
    assert_eq!(AsRef::<str>::as_ref(&did), "did:example:a:b:c");
    let did = Did::parse("did:web:example.com%3A8443").unwrap();
    assert_eq!(did.method(), "web");
    assert_eq!(did.method_specific_id(), "example.com%3A8443");
}

#[test]
fn did_url_accessors() {
    let url =
        DidUrl::parse("did:example:123/path/to/rsrc?service=agent&relativeRef=/credentials%23degree#frag").unwrap();
    assert_eq!(url.did_str(), "did:example:123");
    assert_eq!(url.did(), Did::parse("did:example:123").unwrap());
    assert_eq!(url.method(), "example");
    assert_eq!(url.method_specific_id(), "123");
    assert_eq!(url.path(), Some("/path/to/rsrc"));
    assert_eq!(url.query(), Some("service=agent&relativeRef=/credentials%23degree"));
    assert_eq!(url.fragment(), Some("frag"));
    assert!(!url.is_did());

    let url = DidUrl::parse("did:example:123#public-key-0").unwrap();
    assert_eq!(
        (url.path(), url.query(), url.fragment()),
        (None, None, Some("public-key-0"))
    );

    let url = DidUrl::parse("did:example:123?versionId=1").unwrap();
    assert_eq!(
        (url.path(), url.query(), url.fragment()),
        (None, Some("versionId=1"), None)
    );

    let url = DidUrl::parse("did:example:abc?").unwrap();
    assert_eq!((url.path(), url.query(), url.fragment()), (None, Some(""), None));
    let url = DidUrl::parse("did:example:abc#").unwrap();
    assert_eq!((url.path(), url.query(), url.fragment()), (None, None, Some("")));

    let url = DidUrl::parse("did:urn:toaster:myserver:action:camera////").unwrap();
    assert_eq!(url.method_specific_id(), "toaster:myserver:action:camera");
    assert_eq!(url.path(), Some("////"));

    let url = DidUrl::parse("did:example:123#a?b/c").unwrap();
    assert_eq!((url.query(), url.fragment()), (None, Some("a?b/c")));

    let bare = DidUrl::parse("did:example:123").unwrap();
    assert!(bare.is_did());
    assert_eq!((bare.path(), bare.query(), bare.fragment()), (None, None, None));
}

#[test]
fn conversions_between_did_and_did_url() {
    let did = Did::parse("did:example:123").unwrap();
    let url = DidUrl::from(did.clone());
    assert_eq!(url, DidUrl::parse("did:example:123").unwrap());
    assert_eq!(url.method(), "example");
    assert_eq!(did.to_did_url(), url);
    assert_eq!(Did::try_from(url).unwrap(), did);
    let with_fragment = DidUrl::parse("did:example:123#k").unwrap();
    assert_eq!(
        Did::try_from(with_fragment),
        Err(DidError::NotADid { part: "fragment" })
    );
}

#[test]
fn std_traits() {
    let did: Did = "did:example:123".parse().unwrap();
    assert_eq!(Did::try_from("did:example:123".to_owned()).unwrap(), did);
    assert!(Did::try_from("did:example:".to_owned()).is_err());
    assert!("nope".parse::<Did>().is_err());
    let url: DidUrl = "did:example:123#k".parse().unwrap();
    assert_eq!(DidUrl::try_from("did:example:123#k".to_owned()).unwrap(), url);
    assert_eq!(format!("{did:?}"), "Did(\"did:example:123\")");
    assert_eq!(format!("{url}"), "did:example:123#k");

    let mut sorted = [Did::parse("did:b:1").unwrap(), Did::parse("did:a:2").unwrap()];
    sorted.sort();
    assert_eq!(sorted[0].as_str(), "did:a:2");
    let set: HashSet<DidUrl> = ["did:a:1#x", "did:a:1#x", "did:a:1#y"]
        .iter()
        .map(|s| DidUrl::parse(s).unwrap())
        .collect();
    assert_eq!(set.len(), 2);
}

#[test]
fn serde_round_trip_and_validating_deserialize() {
    let did = Did::parse("did:example:123").unwrap();
    assert_eq!(serde_json::to_string(&did).unwrap(), "\"did:example:123\"");
    assert_eq!(serde_json::from_str::<Did>("\"did:example:123\"").unwrap(), did);
    assert!(serde_json::from_str::<Did>("\"did:example:123#frag\"").is_err());
    assert!(serde_json::from_str::<Did>("\"did:UUID:1\"").is_err());
    assert!(serde_json::from_str::<Did>("42").is_err());

    let url = DidUrl::parse("did:example:123/p?q#f").unwrap();
    assert_eq!(
        serde_json::to_value(&url).unwrap(),
        Value::String("did:example:123/p?q#f".into())
    );
    assert_eq!(
        serde_json::from_str::<DidUrl>("\"did:example:123/p?q#f\"").unwrap(),
        url
    );
    assert!(serde_json::from_str::<DidUrl>("\"did:example:123/p?q#f#g\"").is_err());
}

#[test]
fn resolve_relative_did_urls() {
    let base = Did::parse("did:example:123").unwrap();
    let cases = [
        ("#key-1", "did:example:123#key-1"),
        ("?x=y#f", "did:example:123?x=y#f"),
        ("/path#f", "did:example:123/path#f"),
        ("/a/b/../c/./d?q", "did:example:123/a/c/d?q"),
        ("/a/..", "did:example:123/"),
        ("/", "did:example:123/"),
        ("did:other:456#k", "did:other:456#k"),
        ("did:example:123#key-1", "did:example:123#key-1"),
    ];
    for (reference, expected) in cases {
        let resolved = DidUrl::resolve_relative(&base, reference).unwrap();
        assert_eq!(resolved.as_str(), expected, "{reference:?}");
    }
    let key = DidUrl::resolve_relative(&base, "#key-1").unwrap();
    assert_eq!(key.did(), base);
    assert_eq!(key.fragment(), Some("key-1"));
}

#[test]
fn resolve_relative_rejects_what_cannot_name_a_did_resource() {
    let base = Did::parse("did:example:123").unwrap();
    for reference in ["", "key-1", "//authority/x", "a/b:c", "urn"] {
        assert!(
            matches!(
                DidUrl::resolve_relative(&base, reference),
                Err(DidError::InvalidRelativeReference { .. })
            ),
            "{reference:?}"
        );
    }
    assert_eq!(
        DidUrl::resolve_relative(&base, "https://example.com/keys/1"),
        Err(DidError::MissingScheme)
    );
    assert_eq!(
        DidUrl::resolve_relative(&base, "DID:example:1"),
        Err(DidError::SchemeNotLowercase)
    );
    assert!(matches!(
        DidUrl::resolve_relative(&base, "#a b"),
        Err(DidError::InvalidFragmentChar { ch: ' ', .. })
    ));
    let long = format!("#{}", "a".repeat(MAX_LEN));
    assert!(matches!(
        DidUrl::resolve_relative(&base, &long),
        Err(DidError::TooLong { .. })
    ));
    match DidUrl::resolve_relative(&base, &"x".repeat(500)) {
        Err(DidError::InvalidRelativeReference { reference }) => assert!(reference.chars().count() <= 65),
        other => panic!("{other:?}"),
    }
}

/// The valid DID URLs of the manifest, plus a few with every component.
fn valid_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = syntax_cases()
        .into_iter()
        .filter(|c| c.is_did_url)
        .map(|c| c.input)
        .collect();
    inputs.push("did:web:example.com%3A8443:user:alice/p/q?x=1&y=%2F#frag/ment?".to_owned());
    inputs
}

/// The offset where the DID part of a valid DID URL ends.
fn did_end(url: &DidUrl) -> usize {
    url.did_str().len()
}

/// Whether byte `k` falls strictly inside a `%XX` triplet of `s` (so cutting there breaks it).
fn inside_pct(s: &str, k: usize) -> bool {
    let b = s.as_bytes();
    (k >= 1 && b[k - 1] == b'%') || (k >= 2 && b[k - 2] == b'%')
}

fn check_consistent(s: &str) -> (Result<Did, DidError>, Result<DidUrl, DidError>) {
    let did = Did::parse(s);
    let url = DidUrl::parse(s);
    if let Ok(did) = &did {
        assert_eq!(did.as_str(), s);
    }
    match &url {
        Ok(url) => {
            assert_eq!(url.as_str(), s);
            assert_eq!(url.is_did(), did.is_ok(), "{s:?}");
        }
        Err(e) => assert_eq!(did.as_ref().err(), Some(e), "same error for {s:?}"),
    }
    (did, url)
}

#[test]
fn mutation_insert_forbidden_and_sub_delim_characters() {
    let mut checked = 0;
    for input in valid_inputs() {
        let url = DidUrl::parse(&input).unwrap();
        let did_end = did_end(&url);
        for k in 0..=input.len() {
            for ch in [' ', '"', ';'] {
                let mut mutated = input.clone();
                mutated.insert(k, ch);
                let (_, result) = check_consistent(&mutated);
                // ' ' and '"' are allowed nowhere; ';' is a sub-delim, allowed only after the DID
                // (and not inside a %XX triplet).
                let expect_ok = ch == ';' && k > did_end && !inside_pct(&input, k);
                assert_eq!(result.is_ok(), expect_ok, "{mutated:?}: {result:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 1000);
}

#[test]
fn mutation_truncate_at_every_position() {
    for input in valid_inputs() {
        let url = DidUrl::parse(&input).unwrap();
        let did_end = did_end(&url);
        let id_start = 4 + url.method().len() + 1;
        for k in 0..=input.len() {
            let prefix = &input[..k];
            let (did, result) = check_consistent(prefix);
            // Reference rule: the prefix must contain a non-empty method-specific-id that does
            // not end in ':', and must not cut a %XX triplet.
            let expect_ok = k > id_start && !inside_pct(&input, k) && (k > did_end || !prefix.ends_with(':'));
            assert_eq!(result.is_ok(), expect_ok, "{prefix:?}: {result:?}");
            assert_eq!(did.is_ok(), expect_ok && k <= did_end, "{prefix:?}");
        }
    }
}

#[test]
fn mutation_substitute_every_byte_never_panics() {
    let replacements = ['%', ':', '/', '?', '#', '@', '[', 'é', '\u{0}', 'A', '~'];
    for input in valid_inputs() {
        for (k, _) in input.char_indices() {
            for ch in replacements {
                let mut mutated = input.clone();
                mutated.replace_range(k..k + 1, ch.encode_utf8(&mut [0; 4]));
                let _ = check_consistent(&mutated);
                let base = Did::parse("did:example:1").unwrap();
                let _ = DidUrl::resolve_relative(&base, &mutated);
                let _ = DidUrl::resolve_relative(&base, &mutated[k..]);
            }
        }
    }
}
