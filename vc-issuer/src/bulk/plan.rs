//! What to do with each valid row, decided from the offers earlier runs made.
//!
//! Each offer made by bulk issuance carries the idempotency key `bulk:{type}:{record key}`
//! (the first offer) or `bulk:{type}:{record key}#{n}` (the `n`-th, made by `--reoffer`).
//! The store refuses a second offer with the same key, so a re-run, a run after a crash, or
//! two runs at once never make two offers of the same generation for one subject.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::store::{OfferRecord, OfferState};

use super::rows::Row;

/// The idempotency key prefix of a template's bulk offers.
pub fn key_prefix(template: &str) -> String {
    format!("bulk:{template}:")
}

/// The idempotency key of `record_key`'s offer number `generation` (1 for the first).
pub fn idempotency_key(template: &str, record_key: &str, generation: u32) -> String {
    if generation <= 1 {
        format!("bulk:{template}:{record_key}")
    } else {
        format!("bulk:{template}:{record_key}#{generation}")
    }
}

/// The generation of a bulk offer, if `key` is one of `record_key`'s bulk keys.
fn generation_of(template: &str, record_key: &str, key: &str) -> Option<u32> {
    let base = idempotency_key(template, record_key, 1);
    if key == base {
        return Some(1);
    }
    let n: u32 = key.strip_prefix(&base)?.strip_prefix('#')?.parse().ok()?;
    (n >= 2 && key == idempotency_key(template, record_key, n)).then_some(n)
}

/// The newest bulk offer of each record key.
#[derive(Debug, Default)]
pub struct Earlier {
    latest: HashMap<String, (u32, OfferRecord)>,
}

impl Earlier {
    /// From the offers found by [`crate::store::Store::offers_by_key_prefix`].
    pub fn new(template: &str, offers: Vec<(String, OfferRecord)>) -> Earlier {
        let mut latest: HashMap<String, (u32, OfferRecord)> = HashMap::new();
        for (record_key, offer) in offers {
            let Some(generation) = offer
                .idempotency_key
                .as_deref()
                .and_then(|key| generation_of(template, &record_key, key))
            else {
                continue;
            };
            match latest.get(&record_key) {
                Some((seen, _)) if *seen >= generation => {}
                _ => {
                    latest.insert(record_key, (generation, offer));
                }
            }
        }
        Earlier { latest }
    }
}

/// What happens to one valid row.
#[derive(Debug)]
pub enum Step {
    /// Make offer number `generation`, first withdrawing `withdraw` (an earlier offer).
    Create {
        /// The generation of the new offer.
        generation: u32,
        /// The earlier offer to withdraw first (`--reoffer`).
        withdraw: Option<String>,
    },
    /// An earlier run offered it with the same claims (or the offer was redeemed since).
    Already(Box<OfferRecord>),
    /// An earlier run offered it with other claims and the offer is not redeemed: left as
    /// it is unless `--reoffer` names it.
    Changed(Box<OfferRecord>),
    /// `--reoffer` names it but its offer was redeemed or is being redeemed.
    Refused(String),
}

/// Decides each row's step. `reoffer` are the record keys to offer anew; with `unlisted`
/// (the offer IDs an output list holds), so is every subject whose live offer it lacks.
pub fn plan(
    rows: &[Row],
    earlier: &Earlier,
    reoffer: &BTreeSet<String>,
    unlisted: Option<&HashSet<String>>,
    now: i64,
) -> Vec<Step> {
    rows.iter()
        .map(|row| {
            let Some((generation, offer)) = earlier.latest.get(&row.record_key) else {
                return Step::Create {
                    generation: 1,
                    withdraw: None,
                };
            };
            let lost = unlisted.is_some_and(|listed| offer.is_live(now) && !listed.contains(&offer.id));
            if reoffer.contains(&row.record_key) || lost {
                return match offer.state {
                    OfferState::Offered | OfferState::Locked => Step::Create {
                        generation: generation.saturating_add(1),
                        withdraw: Some(offer.id.clone()),
                    },
                    state => Step::Refused(format!(
                        "cannot re-offer: offer {} is {}{}; re-issue the credential through the admin API instead",
                        offer.id,
                        state.as_str(),
                        offer
                            .credential_id
                            .as_deref()
                            .map(|id| format!(" (credential {id})"))
                            .unwrap_or_default()
                    )),
                };
            }
            if offer.credential_id.is_none() && offer.claims != row.claims {
                Step::Changed(Box::new(offer.clone()))
            } else {
                Step::Already(Box::new(offer.clone()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_read_back_exactly() {
        assert_eq!(generation_of("T", "E-1", "bulk:T:E-1"), Some(1));
        assert_eq!(generation_of("T", "E-1", "bulk:T:E-1#3"), Some(3));
        assert_eq!(generation_of("T", "E-1", "bulk:T:E-1#03"), None);
        assert_eq!(generation_of("T", "E-1", "bulk:T:E-1#1"), None);
        assert_eq!(generation_of("T", "E-1", "bulk:T:E-10"), None);
        assert_eq!(generation_of("T", "E-1#2", "bulk:T:E-1#2"), Some(1));
    }
}
