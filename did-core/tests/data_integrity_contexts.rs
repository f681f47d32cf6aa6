//! The shipped JSON-LD contexts are the pinned files, byte for byte, and the static
//! loader serves exactly the URLs of the index.

use std::path::PathBuf;

use did_core::data_integrity::{DataIntegrityError, DocumentLoader, StaticLoader};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn contexts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("contexts")
}

fn index() -> Value {
    serde_json::from_slice(&std::fs::read(contexts_dir().join("index.json")).unwrap()).unwrap()
}

#[test]
fn every_context_file_has_its_pinned_sha256() {
    let index = index();
    let pinned = index["sha256_of_local_files"].as_object().unwrap();
    assert_eq!(pinned.len(), 16);
    for (file, expected) in pinned {
        let bytes = std::fs::read(contexts_dir().join(file)).unwrap();
        let actual: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&actual, expected.as_str().unwrap(), "{file}");
    }
}

#[test]
fn static_loader_serves_exactly_the_indexed_urls() {
    let index = index();
    let map = index["contexts"].as_object().unwrap();
    assert_eq!(StaticLoader::urls().count(), map.len());
    for (url, file) in map {
        let served = StaticLoader.load(url).unwrap();
        let on_disk = std::fs::read(contexts_dir().join(file.as_str().unwrap())).unwrap();
        assert_eq!(served, on_disk, "{url}");
    }
}

#[test]
fn static_loader_refuses_other_urls() {
    for url in [
        "https://example.com/context.jsonld",
        "https://www.w3.org/ns/credentials/v3",
        "http://www.w3.org/ns/credentials/v2",
        "",
    ] {
        assert_eq!(
            StaticLoader.load(url).unwrap_err(),
            DataIntegrityError::UnknownContext(url.to_owned())
        );
    }
}
