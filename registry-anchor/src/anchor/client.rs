//! The JSON-RPC client for the `DojangAnchor` contract.

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256};
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

/// A tree head as recorded on chain.
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
}

/// What an anchoring transaction left on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorReceipt {
    /// The transaction hash.
    pub tx_hash: [u8; 32],
    /// The block it was mined in.
    pub block_number: u64,
}

/// A connection to one `DojangAnchor` contract, for one log, signing with a local key.
pub struct AnchorClient {
    provider: DynProvider,
    contract: Address,
    log: B256,
}

impl std::fmt::Debug for AnchorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorClient")
            .field("contract", &self.contract)
            .field("log", &self.log)
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

fn provider(rpc_url: &str, key_hex: &str) -> Result<DynProvider, AnchorError> {
    let url = rpc_url
        .parse()
        .map_err(|_| AnchorError::InvalidUrl(rpc_url.to_owned()))?;
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
        let contract: Address = contract
            .parse()
            .map_err(|_| AnchorError::NoContract(contract.to_owned()))?;
        let code = provider.get_code_at(contract).await.map_err(rpc)?;
        if code.is_empty() {
            return Err(AnchorError::NoContract(contract.to_string()));
        }
        Ok(AnchorClient {
            provider,
            contract,
            log: B256::from(log_key(log_id)),
        })
    }

    /// Anchors a tree head and waits for its receipt.
    pub async fn anchor(&self, size: u64, root_hash: [u8; 32]) -> Result<AnchorReceipt, AnchorError> {
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

    /// Every tree head anchored for this log, oldest first.
    pub async fn anchors(&self) -> Result<Vec<Anchored>, AnchorError> {
        let contract = DojangAnchor::new(self.contract, &self.provider);
        let count = contract.count(self.log).call().await.map_err(rpc)?;
        let count: u64 = count
            .try_into()
            .map_err(|_| AnchorError::Rpc("anchor count out of range".into()))?;
        let mut out = Vec::new();
        for index in 0..count {
            let got = contract
                .get(self.log, alloy::primitives::U256::from(index))
                .call()
                .await
                .map_err(rpc)?;
            out.push(Anchored {
                size: got.size,
                root_hash: got.rootHash.into(),
                sender: got.sender.into(),
                block_time: got.blockTime,
            });
        }
        Ok(out)
    }

    /// The latest anchored tree head of this log, if any.
    pub async fn latest(&self) -> Result<Option<Anchored>, AnchorError> {
        Ok(self.anchors().await?.pop())
    }
}
