//! What a run did, counted as it goes and told to the operator at the end.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::store::{OfferRecord, OfferState};

use super::output;
use super::rows::Row;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows in the file (blank ones not counted).
    pub rows: usize,
    /// Offers made now (re-offers included), or to be made (`--dry-run`).
    pub created: usize,
    /// Of those, re-offers.
    pub reoffered: usize,
    /// Subjects an earlier run offered, with the same claims.
    pub already_offered: usize,
    /// Of those, offers still waiting for their wallet.
    pub already_waiting: usize,
    /// Of those, offers redeemed (or being redeemed).
    pub already_redeemed: usize,
    /// Of those, offers that expired or were locked unredeemed (record keys).
    pub already_dead: Vec<String>,
    /// Waiting offers an earlier run made that the output list does not hold (record keys).
    pub not_listed: Vec<String>,
    /// Rows whose claims differ from their unredeemed earlier offer (left alone).
    pub changed: usize,
    /// Rows the store refused for another reason (reported with their line).
    pub failed: usize,
    /// Bad rows skipped (`--skip-invalid`).
    pub skipped_invalid: usize,
    /// Re-offers not made because the earlier offer was redeemed meanwhile.
    pub redeemed_meanwhile: usize,
    /// How long it took.
    pub elapsed: Duration,
}

impl Summary {
    /// Counts a subject an earlier run offered; `listed` tells whether the output list
    /// holds an offer (unknown: `None`).
    pub(super) fn count_already(&mut self, record_key: &str, offer: &OfferRecord, listed: Option<bool>) {
        self.already_offered += 1;
        let now = crate::store::unix_now();
        match offer.state {
            OfferState::Offered if offer.is_live(now) => {
                self.already_waiting += 1;
                if listed == Some(false) {
                    self.not_listed.push(record_key.to_owned());
                }
            }
            OfferState::Offered | OfferState::Locked => self.already_dead.push(record_key.to_owned()),
            OfferState::TokenIssued | OfferState::Issuing | OfferState::Pending | OfferState::Redeemed => {
                self.already_redeemed += 1;
            }
        }
    }

    /// Counts and reports a row whose claims changed since its offer.
    pub(super) fn changed(&mut self, err: &mut dyn Write, row: &Row, offer: &OfferRecord) {
        self.changed += 1;
        let _ = writeln!(
            err,
            "line {}: {}: offered before (offer {}, {}) with other claims; left alone (to replace that offer: \
             --reoffer {})",
            row.line,
            row.record_key,
            offer.id,
            super::rfc3339(offer.created_at),
            row.record_key
        );
    }

    /// The summary for people: counts, time, where the output is, what needs doing.
    pub fn report(&self, name: &str, csv: &Path, out_dir: Option<&Path>, public_url: &str) -> String {
        let mut text = String::new();
        let dry_run = out_dir.is_none();
        let _ = writeln!(
            text,
            "bulk-issue {name}: {} rows of {}{}",
            self.rows,
            csv.display(),
            if dry_run { " (dry run: nothing was offered)" } else { "" }
        );
        let verb = if dry_run { "would offer" } else { "offered now" };
        let reoffered = if self.reoffered > 0 {
            format!(" ({} re-offered)", self.reoffered)
        } else {
            String::new()
        };
        let _ = writeln!(text, "  {verb:<18} {}{reoffered}", self.created);
        let already = if self.already_offered > 0 {
            format!(
                " ({} waiting, {} redeemed, {} expired or locked)",
                self.already_waiting,
                self.already_redeemed,
                self.already_dead.len()
            )
        } else {
            String::new()
        };
        let _ = writeln!(text, "  already offered    {}{already}", self.already_offered);
        if self.changed > 0 {
            let _ = writeln!(text, "  changed, left      {}", self.changed);
        }
        if self.failed > 0 {
            let _ = writeln!(text, "  refused            {}", self.failed);
        }
        if self.redeemed_meanwhile > 0 {
            let _ = writeln!(text, "  redeemed meanwhile {}", self.redeemed_meanwhile);
        }
        let _ = writeln!(text, "  skipped invalid    {}", self.skipped_invalid);
        let seconds = self.elapsed.as_secs_f64();
        let rate = if seconds > 0.0 && !dry_run {
            self.created as f64 / seconds
        } else {
            0.0
        };
        let _ = writeln!(text, "  elapsed            {seconds:.2} s ({rate:.0} offers/s)");
        let _ = writeln!(text, "  offer links at     {public_url}");
        if let Some(dir) = out_dir.filter(|_| self.created > 0) {
            let _ = writeln!(
                text,
                "  written to         {} and {} (owner-only: they hold the links and PINs; delete them once handed \
                 out)",
                dir.join(output::LIST).display(),
                dir.join(output::QR_DIR).display()
            );
        }
        if !self.already_dead.is_empty() {
            let _ = writeln!(
                text,
                "note: the offers of {} expired or were locked before being redeemed: {}. Re-offer them with \
                 --reoffer.",
                self.already_dead.len(),
                some_keys(&self.already_dead, 20)
            );
        }
        if !self.not_listed.is_empty() {
            let list = out_dir.map_or_else(|| output::LIST.into(), |d| d.join(output::LIST).display().to_string());
            let _ = writeln!(
                text,
                "note: {} waiting offers are not in {list} (made with another --out folder, or a run stopped between \
                 making them and writing their lines): {}. If their links and PINs are lost, re-offer them with \
                 --reoffer-unlisted (or --reoffer KEY).",
                self.not_listed.len(),
                some_keys(&self.not_listed, 20)
            );
        }
        text.trim_end().to_owned()
    }
}

/// At most `max` keys, then how many more.
fn some_keys(keys: &[String], max: usize) -> String {
    let mut text = keys.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    if keys.len() > max {
        let _ = write!(text, " and {} more", keys.len() - max);
    }
    text
}
