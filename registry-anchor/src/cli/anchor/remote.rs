//! The node as `anchor` and `check-anchor` see it: an untrusted HTTP server whose tree heads
//! are checked against the registry key.

use did_core::key::VerifyingKey;
use serde_json::Value;

use super::NodeArgs;
use crate::cli::Failure;
use crate::resolution::{TreeHeadView, parse_registry_key};
use crate::tree_head::SignedTreeHead;

/// The largest answer read from the node.
const MAX_ANSWER: usize = 1024 * 1024;
/// The largest registry key file read.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// A node and the operator key its heads must carry.
pub(super) struct Node {
    base: String,
    operator: VerifyingKey,
    http: reqwest::Client,
}

/// Reads `--registry-key`: a file holding the key when the argument names one, else the key.
fn registry_key(arg: &str) -> Result<VerifyingKey, Failure> {
    let path = std::path::Path::new(arg);
    let text = if !arg.starts_with("did:") && path.is_file() {
        let len = std::fs::metadata(path)
            .map_err(|e| ("key_file", format!("{arg}: {e}")))?
            .len();
        if len > MAX_KEY_FILE {
            return Err(("key_file", format!("{arg} is larger than {MAX_KEY_FILE} bytes")));
        }
        std::fs::read_to_string(path).map_err(|e| ("key_file", format!("{arg}: {e}")))?
    } else {
        arg.to_owned()
    };
    parse_registry_key(&text).map_err(|e| ("invalid_registry_key", e.to_string()))
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
