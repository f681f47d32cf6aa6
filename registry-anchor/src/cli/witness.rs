//! `registry-anchor witness`: co-signs a node's tree heads, each only if it is consistent with
//! the last one this witness co-signed (kept in a state file across restarts).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::{Value, json};

use super::keys::{read_registry_key, read_signing_key};
use super::{Failure, refused};
use crate::client::{NodeApi, WriteToken};
use crate::merkle::decode_hash;
use crate::resolution::default_log_id;
use did_core::key::VerifyingKey;

use crate::tree_head::{SignedTreeHead, TreeHead, UnverifiedTreeHead, Witness};

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
    #[arg(long = "witness-key-file", alias = "key", value_name = "FILE")]
    pub key: PathBuf,
    /// The node's write token, for a node that takes writes only with one (`serve
    /// --write-token-file`): the file's first line that is not blank or a `#` comment.
    #[arg(long)]
    pub write_token_file: Option<PathBuf>,
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

struct Session {
    node: NodeApi,
    witness: Witness,
    operator: VerifyingKey,
    state: PathBuf,
}

pub(crate) async fn witness(args: WitnessArgs) -> Result<Value, Failure> {
    let operator = read_registry_key(&args.registry_key)?;
    let log_id = args.log_id.clone().unwrap_or_else(|| default_log_id(&operator));
    let token = args
        .write_token_file
        .as_deref()
        .map(|file| WriteToken::from_file(file).map_err(|e| ("write_token_file", format!("{}: {e}", file.display()))))
        .transpose()?;
    let session = Session {
        node: NodeApi::new(&args.node).map_err(refused)?.with_write_token(token),
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
                tracing::error!(code = failure.0, error = %failure.1, "witness stopping");
                return Err(failure);
            }
            Err(failure) => tracing::warn!(code = failure.0, error = %failure.1, "witness round failed"),
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms.max(10))).await;
    }
}

impl Session {
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
        let view = self.node.tree_head().await.map_err(refused)?;
        let head =
            SignedTreeHead::verify(&view.tree_head, &self.operator).map_err(|e| ("bad_tree_head", e.to_string()))?;
        let previous = self.previous()?;
        let from = previous.as_ref().map_or(0, |p| p.size);
        let size = head.head().size;
        let proof = if from > 0 && size > from {
            self.node
                .consistency(from, size)
                .await
                .map_err(refused)?
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
        let posted = self
            .node
            .post_json("/cosignatures", "application/jose", cosignature.to_owned())
            .await;
        // Record the head as co-signed whatever the node says: the witness's promise is made.
        std::fs::write(&self.state, head.as_compact())
            .map_err(|e| ("state_file", format!("{}: {e}", self.state.display())))?;
        posted.map_err(refused)?;
        Ok(json!({"ok": true, "size": head.head().size, "witness": self.witness.kid()}))
    }
}
