//! CI's short form of fuzzing: every input of every fuzz target's seed corpus
//! (`fuzz/seeds/<target>/`, committed: a few named inputs per target and a `regression-…` input
//! for every bug a fuzzer found) goes once through the code of its fuzz target
//! (`fuzz/bodies/<target>.rs`, which the cargo-fuzz binary in `fuzz/fuzz_targets/` calls too),
//! in this dev build: debug assertions and overflow checks on, no sanitizer, no mutation.
//! The grown corpus `scripts/fuzz` keeps in `fuzz/corpus/<target>/` (git-ignored, local to a
//! machine) is replayed too when it exists. An input that once crashed a target, or that a
//! change makes panic, fails here. `scripts/fuzz` does the coverage-guided runs.

use std::path::{Path, PathBuf};

#[path = "../../fuzz/bodies/backup_manifest.rs"]
mod backup_manifest;
#[path = "../../fuzz/bodies/bulk_csv.rs"]
mod bulk_csv;
#[path = "../../fuzz/bodies/data_integrity.rs"]
mod data_integrity;
#[path = "../../fuzz/bodies/dcql_query.rs"]
mod dcql_query;
#[path = "../../fuzz/bodies/did_url.rs"]
mod did_url;
#[path = "../../fuzz/bodies/document.rs"]
mod document;
#[path = "../../fuzz/bodies/door_policy.rs"]
mod door_policy;
#[path = "../../fuzz/bodies/issuer_config.rs"]
mod issuer_config;
#[path = "../../fuzz/bodies/issuer_template.rs"]
mod issuer_template;
#[path = "../../fuzz/bodies/jwk.rs"]
mod jwk;
#[path = "../../fuzz/bodies/jws.rs"]
mod jws;
#[path = "../../fuzz/bodies/key_roundtrip.rs"]
mod key_roundtrip;
#[path = "../../fuzz/bodies/key_transition.rs"]
mod key_transition;
#[path = "../../fuzz/bodies/merkle_proof.rs"]
mod merkle_proof;
#[path = "../../fuzz/bodies/multibase.rs"]
mod multibase;
#[path = "../../fuzz/bodies/oid4vci_request.rs"]
mod oid4vci_request;
#[path = "../../fuzz/bodies/oid4vp_request.rs"]
mod oid4vp_request;
#[path = "../../fuzz/bodies/oid4vp_response.rs"]
mod oid4vp_response;
#[path = "../../fuzz/bodies/operation.rs"]
mod operation;
#[path = "../../fuzz/bodies/qr_payload.rs"]
mod qr_payload;
#[path = "../../fuzz/bodies/resolution.rs"]
mod resolution;
#[path = "../../fuzz/bodies/sd_jwt.rs"]
mod sd_jwt;
#[path = "../../fuzz/bodies/status_list.rs"]
mod status_list;
#[path = "../../fuzz/bodies/strict_json.rs"]
mod strict_json;
#[path = "../../fuzz/bodies/tree_head.rs"]
mod tree_head;
#[path = "../../fuzz/bodies/trust_bundle.rs"]
mod trust_bundle;
#[path = "../../fuzz/bodies/vc.rs"]
mod vc;
#[path = "../../fuzz/bodies/wallet_input.rs"]
mod wallet_input;
#[path = "../../fuzz/bodies/x509_chain.rs"]
mod x509_chain;

/// What a fuzz target's binary calls on every input.
type Target = fn(&[u8]);

/// Each fuzz target by name, with the function its binary calls on every input.
const TARGETS: &[(&str, Target)] = &[
    ("backup_manifest", backup_manifest::run),
    ("bulk_csv", bulk_csv::run),
    ("data_integrity", data_integrity::run),
    ("dcql_query", dcql_query::run),
    ("did_url", did_url::run),
    ("document", document::run),
    ("door_policy", door_policy::run),
    ("issuer_config", issuer_config::run),
    ("issuer_template", issuer_template::run),
    ("jwk", jwk::run),
    ("jws", jws::run),
    ("key_roundtrip", key_roundtrip::run),
    ("key_transition", key_transition::run),
    ("merkle_proof", merkle_proof::run),
    ("multibase", multibase::run),
    ("oid4vci_request", oid4vci_request::run),
    ("oid4vp_request", oid4vp_request::run),
    ("oid4vp_response", oid4vp_response::run),
    ("operation", operation::run),
    ("qr_payload", qr_payload::run),
    ("resolution", resolution::run),
    ("sd_jwt", sd_jwt::run),
    ("status_list", status_list::run),
    ("strict_json", strict_json::run),
    ("tree_head", tree_head::run),
    ("trust_bundle", trust_bundle::run),
    ("vc", vc::run),
    ("wallet_input", wallet_input::run),
    ("x509_chain", x509_chain::run),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out; // no grown corpus on this machine (`scripts/fuzz` makes it)
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Every target in `fuzz/fuzz_targets/` is replayed here, and nothing else.
#[test]
fn every_fuzz_target_is_replayed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<String> = TARGETS.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(listed, on_disk, "add the new target to the targets! list of this test");
}

/// Every target has a committed seed corpus, so `scripts/fuzz` never starts from nothing.
#[test]
fn every_fuzz_target_has_seeds() {
    for (name, _) in TARGETS {
        let seeds = files(&fuzz_dir().join("seeds").join(name));
        assert!(
            !seeds.is_empty(),
            "fuzz/seeds/{name}/ has no inputs: add a few named seeds"
        );
    }
}

#[test]
fn seeds_and_local_corpora_replay_without_panics() {
    let (mut seeds, mut grown) = (0, 0);
    for (name, run) in TARGETS {
        let seed_inputs = files(&fuzz_dir().join("seeds").join(name));
        let corpus_inputs = files(&fuzz_dir().join("corpus").join(name));
        for path in seed_inputs.iter().chain(&corpus_inputs) {
            let data = std::fs::read(path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "fuzz target {name} panicked on {}", path.display());
        }
        println!(
            "{name}: {} seeds, {} grown corpus inputs",
            seed_inputs.len(),
            corpus_inputs.len()
        );
        seeds += seed_inputs.len();
        grown += corpus_inputs.len();
    }
    println!(
        "replayed {seeds} seeds and {grown} grown corpus inputs through {} fuzz targets",
        TARGETS.len()
    );
}
