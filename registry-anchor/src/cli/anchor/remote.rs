//! The node as `anchor` and `check-anchor` see it: an untrusted HTTP server whose tree heads
//! are checked against the registry key.

use did_core::key::VerifyingKey;
use serde_json::Value;

use super::NodeArgs;
use crate::cli::Failure;
use crate::resolution::TreeHeadView;
use crate::tree_head::SignedTreeHead;

/// The largest answer read from the node.
const MAX_ANSWER: usize = 1024 * 1024;

/// A node and the operator key its heads must carry.
pub(super) struct Node {
    base: String,
    operator: VerifyingKey,
    http: reqwest::Client,
}

/// Reads `--registry-key` (see [`crate::client::read_registry_key`]).
fn registry_key(arg: &str) -> Result<VerifyingKey, Failure> {
    crate::client::read_registry_key(arg).map_err(|e| ("invalid_registry_key", e.to_string()))
}

impl Node {
    pub(super) fn new(args: &NodeArgs) -> Result<Node, Failure> {
        Ok(Node {
            base: args.node.trim_end_matches('/').to_owned(),
            operator: registry_key(&args.registry_key)?,
            http: reqwest::Client::new(),
        })
    }

    async fn get(&self, path: &str) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| ("unreachable", e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| ("unreachable", e.to_string()))?;
        if bytes.len() > MAX_ANSWER {
            return Err(("bad_answer", format!("{url}: the answer is too large")));
        }
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| ("bad_answer", format!("{url}: not JSON: {e}")))?;
        if status != 200 {
            let code = value.get("code").and_then(Value::as_str).unwrap_or("unknown");
            let detail = value.get("detail").and_then(Value::as_str).unwrap_or_default();
            return Err(("refused", format!("{url}: HTTP {status} {code}: {detail}")));
        }
        Ok(value)
    }

    /// The node's latest tree head, signed by the registry key.
    pub(super) async fn verified_head(&self) -> Result<SignedTreeHead, Failure> {
        let view: TreeHeadView = serde_json::from_value(self.get("/tree-head").await?)
            .map_err(|e| ("bad_answer", format!("tree head: {e}")))?;
        SignedTreeHead::verify(&view.tree_head, &self.operator).map_err(|e| ("bad_tree_head", e.to_string()))
    }

    /// The node's consistency proof between two sizes.
    pub(super) async fn consistency(&self, from: u64, to: u64) -> Result<Vec<String>, Failure> {
        let answer = self.get(&format!("/consistency?from={from}&to={to}")).await?;
        serde_json::from_value(answer.get("proof").cloned().unwrap_or_default())
            .map_err(|e| ("bad_answer", format!("consistency proof: {e}")))
    }
}
