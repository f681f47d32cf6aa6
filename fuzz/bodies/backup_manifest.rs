//! A backup's `manifest.json`, as `vc-issuer restore` reads it before anything else: arbitrary
//! bytes must give a manifest or a refusal, never a panic, and a manifest that parses must
//! write back to one that parses the same.
use vc_issuer::backup::Manifest;

/// Runs one input; the `backup_manifest` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(manifest) = Manifest::parse(data) else {
        return;
    };
    let written = serde_json::to_vec(&manifest).expect("a parsed manifest serializes");
    assert_eq!(Manifest::parse(&written).as_ref(), Ok(&manifest));
}
