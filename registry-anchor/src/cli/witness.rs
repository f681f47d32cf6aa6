//! `registry-anchor witness`: co-signs a node's tree heads, each only if it is consistent with
//! the last one this witness co-signed (kept in a state file across restarts).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use did_core::http;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Failure;
use super::keys::{read_registry_key, read_signing_key};
use crate::merkle::decode_hash;
use crate::resolution::TreeHeadView;
use did_core::key::VerifyingKey;

use crate::tree_head::{SignedTreeHead, TreeHead, UnverifiedTreeHead, Witness};

/// The largest answer read from the node.
const MAX_ANSWER: usize = 64 * 1024;

/// `witness` options.
#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// The node's URL.
    #[arg(long)]
    pub node: String,
    /// The node operator's public key (did:key, Multikey, public JWK, or a file holding one).
    #[arg(long)]
    pub registry_key: String,
    /// The log id (default: the registry key's did:key).
    #[arg(long)]
    pub log_id: Option<String>,
    /// This witness's private JWK file.
    #[arg(long)]
    pub key: PathBuf,
    /// Where the last co-signed head is kept (created on first use).
    #[arg(long, default_value = "./witness-state.jws")]
    pub state: PathBuf,
    /// Co-sign the current head once and exit (default: keep following).
    #[arg(long)]
    pub once: bool,
    /// Milliseconds between rounds when following.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
}

#[derive(Deserialize)]
struct ConsistencyAnswer {
    proof: Vec<String>,
}

struct Session {
    node: String,
    http: reqwest::Client,
    witness: Witness,
    operator: VerifyingKey,
    state: PathBuf,
}

pub(crate) async fn witness(args: WitnessArgs) -> Result<Value, Failure> {
    let operator = read_registry_key(&args.registry_key)?;
    let log_id = match &args.log_id {
        Some(id) => id.clone(),
        None => did_core::resolve::KeyResolver::did_for(&operator)
            .map_err(|e| ("invalid_key", e.to_string()))?
            .as_str()
            .to_owned(),
    };
    let session = Session {
        node: args.node.trim_end_matches('/').to_owned(),
        http: http::client(false).map_err(|e| ("http", e))?,
        witness: Witness::new(read_signing_key(&args.key)?, operator.clone(), log_id),
        operator,
        state: args.state.clone(),
    };
    loop {
        let outcome = session.round().await;
        match outcome {
            Ok(report) if args.once => return Ok(report),
            Ok(_) => {}
            // A log that is not consistent with what this witness signed is never co-signed,
            // and the witness stops so a human looks.
            Err(failure) if failure.0 == "inconsistent" || args.once => {
                eprintln!("registry-anchor witness: STOPPING: {}", failure.1);
                return Err(failure);
            }
            Err(failure) => eprintln!(
                "{}",
                json!({"witness": "round failed", "code": failure.0, "detail": failure.1})
            ),
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms.max(10))).await;
    }
}

impl Session {
    async fn get(&self, path: &str) -> Result<Vec<u8>, Failure> {
        http::get_bounded(
            &self.http,
            &format!("{}{path}", self.node),
            "application/json",
            MAX_ANSWER,
        )
        .await
        .map_err(|e| ("unreachable", format!("{path}: {e:?}")))
    }

    /// The last head this witness co-signed, from the state file.
    fn previous(&self) -> Result<Option<TreeHead>, Failure> {
        let text = match std::fs::read_to_string(&self.state) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(("state_file", format!("{}: {e}", self.state.display()))),
        };
        let head = UnverifiedTreeHead::parse(text.trim())
            .and_then(|head| head.verify(&self.operator))
            .map_err(|e| ("state_file", format!("{}: {e}", self.state.display())))?;
        Ok(Some(head.head().clone()))
    }

    async fn round(&self) -> Result<Value, Failure> {
        let view: TreeHeadView =
            serde_json::from_slice(&self.get("/tree-head").await?).map_err(|e| ("bad_answer", e.to_string()))?;
        let head =
            SignedTreeHead::verify(&view.tree_head, &self.operator).map_err(|e| ("bad_tree_head", e.to_string()))?;
        let previous = self.previous()?;
        let from = previous.as_ref().map_or(0, |p| p.size);
        let size = head.head().size;
        let proof = if from > 0 && size > from {
            let answer: ConsistencyAnswer =
                serde_json::from_slice(&self.get(&format!("/consistency?from={from}&to={size}")).await?)
                    .map_err(|e| ("bad_answer", e.to_string()))?;
            answer
                .proof
                .iter()
                .map(|h| decode_hash(h))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ("bad_answer", e.to_string()))?
        } else {
            // Equal sizes, or the first head this witness sees (every log extends the empty one).
            Vec::new()
        };
        let cosignature = self
            .witness
            .cosign(previous.as_ref(), &head, &proof)
            .map_err(|e| ("inconsistent", e.to_string()))?;
        self.publish(&head, cosignature.as_compact()).await
    }

    async fn publish(&self, head: &SignedTreeHead, cosignature: &str) -> Result<Value, Failure> {
        let response = self
            .http
            .post(format!("{}/cosignatures", self.node))
            .body(cosignature.to_owned())
            .send()
            .await
            .map_err(|e| ("unreachable", e.to_string()))?;
        let status = response.status().as_u16();
        // Record the head as co-signed before anything else: the witness's promise is made.
        std::fs::write(&self.state, head.as_compact())
            .map_err(|e| ("state_file", format!("{}: {e}", self.state.display())))?;
        if status != 202 {
            return Err(("refused", format!("the node answered {status} to the co-signature")));
        }
        Ok(json!({"ok": true, "size": head.head().size, "witness": self.witness.kid()}))
    }
}
