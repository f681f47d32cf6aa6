//! `registry-anchor anchor` and `check-anchor`, and the node's periodic anchoring task.
//!
//! `anchor` writes a node's latest verified tree head to the `DojangAnchor` contract;
//! `check-anchor` reads an anchored head back and proves, with a consistency proof from the
//! node, that the node's log still extends it (no rollback, no rewrite).

mod periodic;
mod remote;

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use super::Failure;
use crate::anchor::{AnchorClient, AnchorError, Anchored};
use crate::merkle::encode_hash;
use crate::tree_head::{SignedTreeHead, TreeHead};

pub(crate) use periodic::start_periodic;

/// `serve` options for periodic anchoring.
#[derive(Debug, Args)]
pub struct AnchoringArgs {
    /// JSON-RPC URL of an EVM chain to anchor tree heads to (periodic anchoring is off without it).
    #[arg(long, requires_all = ["anchor_contract", "anchor_key_file"])]
    pub anchor_rpc: Option<String>,
    /// Address (0x hex) of the `DojangAnchor` contract.
    #[arg(long, requires = "anchor_rpc")]
    pub anchor_contract: Option<String>,
    /// File holding the hex EVM private key that sends the anchoring transactions.
    #[arg(long, requires = "anchor_rpc")]
    pub anchor_key_file: Option<PathBuf>,
    /// Seconds between two anchoring rounds (a round anchors only when the log grew).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub anchor_every_secs: u64,
}

/// Where the anchors are: the chain and the contract.
#[derive(Debug, Args)]
pub struct ChainArgs {
    /// JSON-RPC URL of the EVM chain.
    #[arg(long)]
    pub rpc: String,
    /// Address (0x hex) of the `DojangAnchor` contract.
    #[arg(long)]
    pub contract: String,
}

/// The node and the key its tree heads must be signed by.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's URL.
    #[arg(long)]
    pub node: String,
    /// The registry's operator key: a did:key (DID or DID URL), a Multikey, or a file holding
    /// the public JWK.
    #[arg(long)]
    pub registry_key: String,
}

/// `anchor` options.
#[derive(Debug, Args)]
pub struct AnchorArgs {
    /// The node whose latest tree head is anchored.
    #[command(flatten)]
    pub node: NodeArgs,
    /// The chain and contract.
    #[command(flatten)]
    pub chain: ChainArgs,
    /// File holding the hex EVM private key that sends the transaction.
    #[arg(long)]
    pub key_file: PathBuf,
}

/// `check-anchor` options.
#[derive(Debug, Args)]
pub struct CheckAnchorArgs {
    /// The node whose log is checked against the chain.
    #[command(flatten)]
    pub node: NodeArgs,
    /// The chain and contract.
    #[command(flatten)]
    pub chain: ChainArgs,
    /// Check the anchor of this tree size instead of the latest anchor.
    #[arg(long)]
    pub size: Option<u64>,
}

/// A failure code for an anchoring client error.
fn chain_failure(e: AnchorError) -> Failure {
    let code = match e {
        AnchorError::InvalidUrl(_) => "invalid_rpc_url",
        AnchorError::InvalidKey => "invalid_key",
        AnchorError::KeyFile(_) => "key_file",
        AnchorError::Refused(_) => "anchor_refused",
        AnchorError::Reverted { .. } => "anchor_reverted",
        AnchorError::NoContract(_) => "no_contract",
        _ => "chain",
    };
    (code, e.to_string())
}

/// Checks that the node's log at `head` extends the anchored head: not smaller (a rollback),
/// and an RFC 9162 consistency proof from the anchored size (a rewrite cannot produce one).
async fn check_extends(node: &remote::Node, anchored: &Anchored, head: &SignedTreeHead) -> Result<(), Failure> {
    let head = head.head();
    if anchored.size > head.size {
        return Err((
            "anchor_ahead",
            format!(
                "size {} is anchored but the node's log has only {} entries: the log was rolled back",
                anchored.size, head.size
            ),
        ));
    }
    let proof = node.consistency(anchored.size, head.size).await?;
    let seen = TreeHead::new(head.log.clone(), anchored.size, anchored.root_hash, 0);
    crate::resolution::check_consistency(&seen, head, &proof).map_err(|e| {
        (
            "anchor_mismatch",
            format!(
                "the node's log is not consistent with the head anchored at size {}: {e}",
                anchored.size
            ),
        )
    })
}

fn anchored_json(a: &Anchored) -> Value {
    json!({
        "size": a.size,
        "rootHash": encode_hash(&a.root_hash),
        "block": a.block_number,
        "time": a.block_time,
        "transaction": format!("0x{}", alloy::hex::encode(a.tx_hash)),
        "sender": format!("0x{}", alloy::hex::encode(a.sender)),
    })
}

pub(crate) async fn anchor(args: AnchorArgs) -> Result<Value, Failure> {
    let key = crate::anchor::read_key_file(&args.key_file).map_err(chain_failure)?;
    let node = remote::Node::new(&args.node)?;
    let head = node.verified_head().await?;
    let (log, size, root) = (&head.head().log, head.head().size, head.head().root_hash);
    let client = AnchorClient::connect(&args.chain.rpc, &key, &args.chain.contract, log)
        .await
        .map_err(chain_failure)?;
    drop(key);
    let done = json!({"ok": true, "logId": log, "size": size, "rootHash": encode_hash(&root)});
    if let Some(latest) = client.latest().await.map_err(chain_failure)? {
        check_extends(&node, &latest, &head).await?;
        if latest.size == size {
            let mut done = done;
            if let Some(out) = done.as_object_mut() {
                out.insert("alreadyAnchored".into(), true.into());
                out.insert("anchored".into(), anchored_json(&latest));
            }
            return Ok(done);
        }
    }
    let receipt = client.anchor(size, root).await.map_err(chain_failure)?;
    let mut done = done;
    if let Some(out) = done.as_object_mut() {
        out.insert(
            "transaction".into(),
            format!("0x{}", alloy::hex::encode(receipt.tx_hash)).into(),
        );
        out.insert("block".into(), receipt.block_number.into());
    }
    Ok(done)
}

pub(crate) async fn check_anchor(args: CheckAnchorArgs) -> Result<Value, Failure> {
    let node = remote::Node::new(&args.node)?;
    let head = node.verified_head().await?;
    let log = &head.head().log;
    let client = AnchorClient::connect_read_only(&args.chain.rpc, &args.chain.contract, log)
        .await
        .map_err(chain_failure)?;
    let anchored = match args.size {
        Some(size) => client.at_size(size).await,
        None => client.latest().await,
    }
    .map_err(chain_failure)?
    .ok_or_else(|| {
        let what = args
            .size
            .map_or_else(|| "no tree head".to_owned(), |s| format!("no tree head of size {s}"));
        (
            "not_anchored",
            format!("{what} of the log {log} is anchored on this contract"),
        )
    })?;
    check_extends(&node, &anchored, &head).await?;
    Ok(json!({
        "ok": true,
        "logId": log,
        "anchored": anchored_json(&anchored),
        "treeHead": {"size": head.head().size, "rootHash": encode_hash(&head.head().root_hash)},
        "consistent": true,
    }))
}
