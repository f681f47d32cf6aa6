//! k-of-n witness policies.

use std::collections::{BTreeMap, BTreeSet};

use did_core::key::VerifyingKey;
use did_core::resolve::KeyResolver;

use super::error::truncated;
use super::{Cosignature, SignedTreeHead, TreeHeadError};

/// The most co-signatures [`WitnessPolicy::check`] looks at (each costs a signature check).
pub const MAX_COSIGNATURES: usize = 32;

/// Which witnesses a resolver knows, and how many of them must have co-signed a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    /// Known witnesses by `kid` (`did:key` DID URL).
    witnesses: BTreeMap<String, VerifyingKey>,
    threshold: usize,
}

/// What [`WitnessPolicy::check`] found among the co-signatures of a head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WitnessReport {
    /// `kid`s of the distinct known witnesses whose co-signature verified.
    pub valid: Vec<String>,
    /// `kid`s of co-signatures by witnesses the policy does not know (not counted).
    pub unknown: Vec<String>,
    /// `kid`s of known witnesses whose co-signature did not verify (not counted).
    pub invalid: Vec<String>,
    /// Co-signatures by a witness already counted (each witness counts once).
    pub duplicates: usize,
}

impl WitnessPolicy {
    /// A policy requiring `threshold` of `witnesses` (duplicate keys count once).
    ///
    /// Refuses a threshold above the number of distinct witnesses, which no head could meet.
    pub fn new(
        witnesses: impl IntoIterator<Item = VerifyingKey>,
        threshold: usize,
    ) -> Result<WitnessPolicy, TreeHeadError> {
        let witnesses: BTreeMap<String, VerifyingKey> = witnesses
            .into_iter()
            .map(|key| (KeyResolver::key_id_for(&key), key))
            .collect();
        if threshold > witnesses.len() {
            return Err(TreeHeadError::InvalidPolicy(
                "threshold is larger than the number of distinct witnesses",
            ));
        }
        Ok(WitnessPolicy { witnesses, threshold })
    }

    /// A policy that requires no co-signature.
    pub fn none() -> WitnessPolicy {
        WitnessPolicy {
            witnesses: BTreeMap::new(),
            threshold: 0,
        }
    }

    /// How many distinct known witnesses must co-sign.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The known witnesses' `kid`s.
    pub fn witness_kids(&self) -> impl Iterator<Item = &str> {
        self.witnesses.keys().map(String::as_str)
    }

    /// Checks that at least [`WitnessPolicy::threshold`] distinct known witnesses co-signed
    /// exactly `head`. Co-signatures by unknown witnesses, invalid ones and repeats are not
    /// counted, but reported (in the [`WitnessReport`], or in
    /// [`TreeHeadError::NotEnoughWitnesses`] when the threshold is not met).
    pub fn check(&self, head: &SignedTreeHead, cosignatures: &[Cosignature]) -> Result<WitnessReport, TreeHeadError> {
        if cosignatures.len() > MAX_COSIGNATURES {
            return Err(TreeHeadError::TooManyCosignatures {
                limit: MAX_COSIGNATURES,
            });
        }
        let mut report = WitnessReport::default();
        let mut counted = BTreeSet::new();
        for cosignature in cosignatures {
            let kid = cosignature.kid();
            let Some(key) = self.witnesses.get(kid) else {
                report.unknown.push(truncated(kid));
                continue;
            };
            if counted.contains(kid) {
                report.duplicates += 1;
                continue;
            }
            if cosignature.verify(head, key).is_ok() {
                counted.insert(kid);
                report.valid.push(kid.to_owned());
            } else {
                report.invalid.push(kid.to_owned());
            }
        }
        if report.valid.len() < self.threshold {
            return Err(TreeHeadError::NotEnoughWitnesses {
                required: self.threshold,
                valid: report.valid.len(),
                unknown: report.unknown,
                invalid: report.invalid,
            });
        }
        Ok(report)
    }
}
