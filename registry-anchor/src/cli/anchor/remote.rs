//! The node as `anchor` and `check-anchor` see it: an untrusted HTTP server whose tree heads
//! are checked against the registry key.

use did_core::key::VerifyingKey;

use super::NodeArgs;
use crate::cli::{Failure, refused};
use crate::client::NodeApi;
use crate::tree_head::SignedTreeHead;

/// A node and the operator key its heads must carry.
pub(super) struct Node {
    api: NodeApi,
    operator: VerifyingKey,
}

impl Node {
    pub(super) fn new(args: &NodeArgs) -> Result<Node, Failure> {
        Ok(Node {
            api: NodeApi::new(&args.node).map_err(refused)?,
            operator: crate::client::read_registry_key(&args.registry_key)
                .map_err(|e| ("invalid_registry_key", e.to_string()))?,
        })
    }

    /// The node's latest tree head, signed by the registry key.
    pub(super) async fn verified_head(&self) -> Result<SignedTreeHead, Failure> {
        let view = self.api.tree_head().await.map_err(refused)?;
        SignedTreeHead::verify(&view.tree_head, &self.operator).map_err(|e| ("bad_tree_head", e.to_string()))
    }

    /// The node's consistency proof between two sizes.
    pub(super) async fn consistency(&self, from: u64, to: u64) -> Result<Vec<String>, Failure> {
        self.api.consistency(from, to).await.map_err(refused)
    }
}
