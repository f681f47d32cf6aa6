//! The wire form of a resolution response (`docs/did-dojang.md` §10) and of a tree-head answer.

use serde::{Deserialize, Serialize};

/// One operation of a DID with its inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedOperation {
    /// The entry's index in the log.
    pub index: u64,
    /// The operation (compact JWS).
    pub operation: String,
    /// The RFC 9162 audit path of the entry in the tree of the response's tree head.
    #[serde(rename = "inclusionProof")]
    pub inclusion_proof: Vec<String>,
}

/// DID document metadata of a resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolutionMetadata {
    /// The hash of the DID's latest operation.
    #[serde(rename = "versionId")]
    pub version_id: String,
    /// When the log first covered the latest operation (RFC 3339, UTC), as the node recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Whether the DID is deactivated.
    pub deactivated: bool,
}

/// The resolution response of `docs/did-dojang.md` §10: what `GET /dids/{did}` answers.
///
/// Nothing in it is trusted until [`ResolutionVerifier::verify`](super::ResolutionVerifier::verify)
/// has checked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    /// The DID document the chain yields.
    #[serde(rename = "didDocument")]
    pub did_document: serde_json::Value,
    /// Its metadata.
    #[serde(rename = "didDocumentMetadata")]
    pub did_document_metadata: ResolutionMetadata,
    /// The DID's operations in chain order, each with its inclusion proof.
    pub operations: Vec<ResolvedOperation>,
    /// The signed tree head the proofs lead to.
    #[serde(rename = "treeHead")]
    pub tree_head: String,
    /// Witness co-signatures of that head.
    #[serde(default)]
    pub cosignatures: Vec<String>,
}

/// The latest signed tree head with its co-signatures: what `GET /tree-head` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHeadView {
    /// The tree size the head covers (not on the wire: read it from the verified head).
    #[serde(skip)]
    pub size: u64,
    /// The signed tree head (compact JWS).
    #[serde(rename = "treeHead")]
    pub tree_head: String,
    /// Witness co-signatures over the same payload (compact JWSs).
    #[serde(default)]
    pub cosignatures: Vec<String>,
}

/// A consistency proof between two sizes: what `GET /consistency?from&to` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyAnswer {
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
    /// The RFC 9162 consistency proof (base64url node hashes).
    pub proof: Vec<String>,
}

/// One log entry: an element of what `GET /entries?start&end` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry's index in the log.
    pub index: u64,
    /// The operation (compact JWS).
    pub operation: String,
}

/// A range of log entries: what `GET /entries?start&end` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntriesAnswer {
    /// The entries, in index order (a node may return fewer than asked for).
    pub entries: Vec<Entry>,
}
