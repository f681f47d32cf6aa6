//! The JSON-RPC client for the `DojangAnchor` contract.

use alloy::network::EthereumWallet;
use std::path::Path;

use alloy::eips::BlockNumberOrTag;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::AnchorError;

alloy::sol!(
    #[sol(rpc)]
    #[allow(missing_docs)]
    DojangAnchor,
    "contracts/DojangAnchor.json"
);

/// The on-chain name of a log: SHA-256 of its log id string.
pub fn log_key(log_id: &str) -> [u8; 32] {
    Sha256::digest(log_id.as_bytes()).into()
}

/// The largest anchoring key file read, in bytes (a hex key is 64 characters).
const MAX_KEY_FILE: u64 = 1024;

/// A tree head as recorded on chain (read from the contract's `Anchored` events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchored {
    /// The tree size.
    pub size: u64,
    /// The RFC 9162 root hash at that size.
    pub root_hash: [u8; 32],
    /// The account that sent it (the log's operator on this contract).
    pub sender: [u8; 20],
    /// The block time, seconds since the Unix epoch.
    pub block_time: u64,
    /// The block it was recorded in.
    pub block_number: u64,
    /// The transaction that recorded it.
    pub tx_hash: [u8; 32],
}

/// What an anchoring transaction left on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorReceipt {
    /// The transaction hash.
    pub tx_hash: [u8; 32],
    /// The block it was mined in.
    pub block_number: u64,
}

/// A connection to one `DojangAnchor` contract, for one log, signing with a local key (or
/// read-only, see [`AnchorClient::connect_read_only`]).
pub struct AnchorClient {
    provider: DynProvider,
    contract: Address,
    log: B256,
    can_sign: bool,
}

impl std::fmt::Debug for AnchorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorClient")
            .field("contract", &self.contract)
            .field("log", &self.log)
            .field("can_sign", &self.can_sign)
            .finish_non_exhaustive()
    }
}

fn rpc(e: impl std::fmt::Display) -> AnchorError {
    AnchorError::Rpc(e.to_string())
}

/// A contract call that failed: the contract's own refusal when the node reports one.
fn refused(e: alloy::contract::Error) -> AnchorError {
    use DojangAnchor::DojangAnchorErrors as Refusal;
    match e.as_decoded_interface_error::<Refusal>() {
        Some(Refusal::NotOperator(r)) => AnchorError::Refused(format!("the log is anchored by {}", r.operator)),
        Some(Refusal::SizeShrinks(r)) => AnchorError::Refused(format!(
            "size {} is below the latest anchored size {}",
            r.size, r.latestSize
        )),
        Some(Refusal::RootChanged(r)) => {
            AnchorError::Refused(format!("size {} is already anchored with another root", r.size))
        }
        None => rpc(e),
    }
}

/// Reads a hex EVM private key (optionally `0x`-prefixed, surrounding whitespace ignored).
pub(crate) fn parse_key(hex: &str) -> Result<PrivateKeySigner, AnchorError> {
    let hex = Zeroizing::new(hex.trim().trim_start_matches("0x").to_owned());
    hex.parse::<PrivateKeySigner>().map_err(|_| AnchorError::InvalidKey)
}

/// Reads an anchoring key file: a hex EVM private key (optionally `0x`-prefixed). The text is
/// zeroized when dropped.
pub fn read_key_file(path: &Path) -> Result<Zeroizing<String>, AnchorError> {
    let len = std::fs::metadata(path).map_err(AnchorError::KeyFile)?.len();
    if len > MAX_KEY_FILE {
        return Err(AnchorError::InvalidKey);
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(AnchorError::KeyFile)?);
    parse_key(&text)?;
    Ok(text)
}

/// Checks that `contract` is a 0x-prefixed 20-byte hex address.
pub fn parse_contract(contract: &str) -> Result<(), AnchorError> {
    contract_address(contract).map(|_| ())
}

fn contract_address(contract: &str) -> Result<Address, AnchorError> {
    if !contract.starts_with("0x") {
        return Err(AnchorError::NoContract(contract.chars().take(64).collect()));
    }
    contract
        .parse()
        .map_err(|_| AnchorError::NoContract(contract.chars().take(64).collect()))
}

fn rpc_url(rpc_url: &str) -> Result<alloy::transports::http::reqwest::Url, AnchorError> {
    rpc_url
        .parse()
        .map_err(|_| AnchorError::InvalidUrl(rpc_url.chars().take(256).collect()))
}

fn provider(rpc_url_text: &str, key_hex: &str) -> Result<DynProvider, AnchorError> {
    let url = rpc_url(rpc_url_text)?;
    let wallet = EthereumWallet::from(parse_key(key_hex)?);
    Ok(ProviderBuilder::new().wallet(wallet).connect_http(url).erased())
}

impl AnchorClient {
    /// Deploys a new `DojangAnchor` contract with the given key and returns its address
    /// (0x-prefixed hex).
    pub async fn deploy(rpc_url: &str, key_hex: &str) -> Result<String, AnchorError> {
        let provider = provider(rpc_url, key_hex)?;
        let instance = DojangAnchor::deploy(provider).await.map_err(rpc)?;
        Ok(instance.address().to_string())
    }

    /// Connects to the contract at `contract` (0x-prefixed hex) for the log `log_id`,
    /// checking that the address holds code.
    pub async fn connect(rpc_url: &str, key_hex: &str, contract: &str, log_id: &str) -> Result<Self, AnchorError> {
        let provider = provider(rpc_url, key_hex)?;
        Self::with_provider(provider, contract, log_id, true).await
    }

    /// Connects without a key, to read anchors only ([`AnchorClient::anchor`] then fails with
    /// [`AnchorError::ReadOnly`]).
    pub async fn connect_read_only(rpc_url_text: &str, contract: &str, log_id: &str) -> Result<Self, AnchorError> {
        let provider = ProviderBuilder::new().connect_http(rpc_url(rpc_url_text)?).erased();
        Self::with_provider(provider, contract, log_id, false).await
    }

    async fn with_provider(
        provider: DynProvider,
        contract: &str,
        log_id: &str,
        can_sign: bool,
    ) -> Result<Self, AnchorError> {
        let contract = contract_address(contract)?;
        let code = provider.get_code_at(contract).await.map_err(rpc)?;
        if code.is_empty() {
            return Err(AnchorError::NoContract(contract.to_string()));
        }
        Ok(AnchorClient {
            provider,
            contract,
            log: B256::from(log_key(log_id)),
            can_sign,
        })
    }

    /// Anchors a tree head and waits for its receipt.
    pub async fn anchor(&self, size: u64, root_hash: [u8; 32]) -> Result<AnchorReceipt, AnchorError> {
        if !self.can_sign {
            return Err(AnchorError::ReadOnly);
        }
        let contract = DojangAnchor::new(self.contract, &self.provider);
        let pending = contract
            .anchor(self.log, size, B256::from(root_hash))
            .send()
            .await
            .map_err(refused)?;
        let receipt = pending.get_receipt().await.map_err(rpc)?;
        let tx_hash: [u8; 32] = receipt.transaction_hash.into();
        if !receipt.status() {
            return Err(AnchorError::Reverted {
                tx_hash: receipt.transaction_hash.to_string(),
            });
        }
        Ok(AnchorReceipt {
            tx_hash,
            block_number: receipt.block_number.unwrap_or_default(),
        })
    }

    /// Every tree head anchored for this log, oldest first: one `eth_getLogs` over the whole
    /// chain for the contract's `Anchored` events of this log, checked against the contract's
    /// count so that a node that silently drops logs (or caps block ranges) is noticed.
    pub async fn anchors(&self) -> Result<Vec<Anchored>, AnchorError> {
        let contract = DojangAnchor::new(self.contract, &self.provider);
        let events = contract
            .Anchored_filter()
            .topic1(self.log)
            .from_block(BlockNumberOrTag::Earliest)
            .to_block(BlockNumberOrTag::Latest)
            .query()
            .await
            .map_err(rpc)?;
        // Read the count after the events: anchors only accumulate, so fewer events than the
        // count then means missing events, never a race.
        let count = contract.count(self.log).call().await.map_err(rpc)?;
        if count > U256::from(events.len()) {
            return Err(AnchorError::Rpc(format!(
                "the contract holds {count} anchors of this log but the node returned {} events \
                 (does it limit eth_getLogs ranges?)",
                events.len()
            )));
        }
        events
            .into_iter()
            .map(|(event, log)| {
                let (Some(block_number), Some(tx_hash)) = (log.block_number, log.transaction_hash) else {
                    return Err(AnchorError::Rpc("an anchor event without block or transaction".into()));
                };
                Ok(Anchored {
                    size: event.size,
                    root_hash: event.rootHash.into(),
                    sender: event.sender.into(),
                    block_time: event.blockTime,
                    block_number,
                    tx_hash: tx_hash.into(),
                })
            })
            .collect()
    }

    /// The latest anchored tree head of this log, if any.
    pub async fn latest(&self) -> Result<Option<Anchored>, AnchorError> {
        Ok(self.anchors().await?.pop())
    }

    /// The latest anchor of this log at exactly `size`, if any.
    pub async fn at_size(&self, size: u64) -> Result<Option<Anchored>, AnchorError> {
        Ok(self.anchors().await?.into_iter().rev().find(|a| a.size == size))
    }
}
