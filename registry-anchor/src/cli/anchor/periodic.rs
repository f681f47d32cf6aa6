//! The node's periodic anchoring task: every interval, anchor the latest tree head when the
//! log grew since the last anchor. Failures are reported on stderr (one JSON line each) and
//! retried at the next tick; they never stop the node.

use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{AnchoringArgs, chain_failure};
use crate::anchor::{AnchorClient, parse_contract, read_key_file};
use crate::cli::Failure;
use crate::merkle::{self, Hash, encode_hash};
use crate::node::Registry;
use crate::tree_head::UnverifiedTreeHead;

/// What the task needs: the chain, the contract and the key (zeroized on drop).
struct Config {
    rpc: String,
    contract: String,
    key: Zeroizing<String>,
    every: Duration,
}

/// The task's view of the chain: a connection and the last head anchored for the log.
#[derive(Default)]
struct State {
    client: Option<AnchorClient>,
    anchored: Option<(u64, Hash)>,
}

/// Starts the periodic anchoring task when `--anchor-rpc` is given, after checking the
/// contract address and the key file so that a misconfigured node does not start.
pub(crate) fn start_periodic(args: &AnchoringArgs, registry: Arc<Registry>) -> Result<(), Failure> {
    let Some(rpc) = args.anchor_rpc.clone() else {
        return Ok(());
    };
    let (Some(contract), Some(key_file)) = (args.anchor_contract.clone(), args.anchor_key_file.as_ref()) else {
        return Err((
            "usage",
            "--anchor-rpc needs --anchor-contract and --anchor-key-file".into(),
        ));
    };
    parse_contract(&contract).map_err(chain_failure)?;
    let key = read_key_file(key_file).map_err(chain_failure)?;
    let config = Config {
        rpc,
        contract,
        key,
        every: Duration::from_secs(args.anchor_every_secs),
    };
    tokio::spawn(run(config, registry));
    Ok(())
}

async fn run(config: Config, registry: Arc<Registry>) {
    let mut ticker = tokio::time::interval(config.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut state = State::default();
    loop {
        ticker.tick().await;
        if let Err((code, message)) = round(&config, &registry, &mut state).await {
            // Start afresh next time: reconnect and re-read the chain.
            state = State::default();
            tracing::warn!(code, error = %message, "anchor failed");
        }
    }
}

/// One round: anchor the latest head if the log grew past the last anchor and extends it.
async fn round(config: &Config, registry: &Registry, state: &mut State) -> Result<(), Failure> {
    let view = registry.tree_head().map_err(|e| ("node", e.to_string()))?;
    let head = UnverifiedTreeHead::parse(&view.tree_head)
        .map_err(|e| ("node", e.to_string()))?
        .head()
        .clone();
    if head.size == 0 {
        return Ok(());
    }
    let client = match state.client.take() {
        Some(client) => client,
        None => AnchorClient::connect(&config.rpc, &config.key, &config.contract, &head.log)
            .await
            .map_err(chain_failure)?,
    };
    let client = state.client.insert(client);
    let (size, root) = match state.anchored {
        Some(anchored) => anchored,
        None => {
            let latest = client.latest().await.map_err(chain_failure)?;
            *state
                .anchored
                .insert(latest.map_or((0, merkle::EMPTY_ROOT), |a| (a.size, a.root_hash)))
        }
    };
    if head.size < size {
        return Err((
            "anchor_ahead",
            format!("size {size} is anchored but the log has only {} entries", head.size),
        ));
    }
    // The log must extend the anchored head; anchoring a head that does not would put two
    // inconsistent histories of one log on chain.
    let proof = registry
        .consistency(size, head.size)
        .map_err(|e| ("node", e.to_string()))?;
    merkle::verify_consistency(size, head.size, &root, &head.root_hash, &proof).map_err(|e| {
        (
            "anchor_mismatch",
            format!("the log is not consistent with the head anchored at size {size}: {e}"),
        )
    })?;
    if head.size == size {
        return Ok(());
    }
    let receipt = client.anchor(head.size, head.root_hash).await.map_err(chain_failure)?;
    state.anchored = Some((head.size, head.root_hash));
    tracing::info!(
        log_id = %head.log,
        size = head.size,
        root_hash = %encode_hash(&head.root_hash),
        transaction = %format_args!("0x{}", alloy::hex::encode(receipt.tx_hash)),
        block = receipt.block_number,
        "anchored"
    );
    Ok(())
}
