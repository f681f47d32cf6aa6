//! A verified did:dojang answer as did-core's [`Resolution`], for any resolver that hands
//! did:dojang documents to code written against did-core (over HTTP, or in process).

use did_core::resolve::{DocumentMetadata, Resolution, ResolutionError, ResolutionOptions};
use serde_json::json;

use super::VerifiedResolution;

impl VerifiedResolution {
    /// The document and its metadata (`versionId`: the last operation; `deactivated`;
    /// `updated`; and the tree head it was proven against under `treeHead`), in the
    /// representation `options` ask for.
    pub fn to_resolution(&self, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let representation = options.representation()?;
        let state = self.state();
        let head = self.tree_head().head();
        let mut metadata = DocumentMetadata {
            version_id: Some(state.last_operation().to_string()),
            deactivated: Some(state.is_deactivated()),
            updated: self.response().did_document_metadata.updated.clone(),
            ..DocumentMetadata::default()
        };
        metadata.extra.insert(
            "treeHead".into(),
            json!({"log": head.log, "size": head.size, "rootHash": crate::merkle::encode_hash(&head.root_hash), "timestamp": head.timestamp_ms}),
        );
        Ok(Resolution {
            document: state.document().clone(),
            document_metadata: metadata,
            representation,
        })
    }
}
