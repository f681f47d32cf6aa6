//! Quotas on a node's writes: operations per client (an IP address; an IPv6 client by its
//! /64) and per DID, per hour. An open registry where wallets register their own DIDs cannot
//! ask for a token; the quotas bound what one client, or one DID's controller, can add to a
//! log that keeps everything for ever.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use did_core::budget::{Budget, ClientBudget, OverBudget};

/// How many operations a node takes per client and per DID each hour (`None`: no limit).
#[derive(Debug, Default)]
pub struct WriteQuota {
    per_client: Option<ClientBudget>,
    per_did: Option<Budget<String>>,
}

/// An hour: the quotas' window.
const HOUR: Duration = Duration::from_secs(3600);

impl WriteQuota {
    /// No quota (a node behind its own authorization, the issuer's in-process registry).
    pub fn unlimited() -> WriteQuota {
        WriteQuota::default()
    }

    /// At most `per_client` operations per client and `per_did` per DID each hour; 0 is no
    /// limit.
    pub fn per_hour(per_client: u32, per_did: u32) -> WriteQuota {
        WriteQuota {
            per_client: (per_client > 0).then(|| ClientBudget::new(per_client, HOUR)),
            per_did: (per_did > 0).then(|| Budget::new(per_did, HOUR)),
        }
    }

    /// Spends one of `client`'s operations (a request with no known client is not counted).
    pub(crate) fn spend_client(&self, client: Option<IpAddr>) -> Result<(), OverBudget> {
        match (&self.per_client, client) {
            (Some(budget), Some(client)) => budget.spend(client, Instant::now()),
            _ => Ok(()),
        }
    }

    /// Spends one of `did`'s operations.
    pub(crate) fn spend_did(&self, did: &str) -> Result<(), OverBudget> {
        match &self.per_did {
            Some(budget) => budget.spend(did.to_owned(), Instant::now()),
            None => Ok(()),
        }
    }
}
