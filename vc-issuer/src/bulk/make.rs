//! Making the offers: [`BATCH`] offers committed per transaction (with per-offer
//! idempotency), their QR codes rendered on every core while the next batch is committed,
//! and their lines written in file order once rendered.
//!
//! An offer is always committed before its line is written, so if the process dies the
//! offers of at most two batches may be in the store without a line: the next run names
//! them (`--reoffer-unlisted` replaces them). Ctrl-C stops between batches, after the
//! committed offers are written.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::ProgressBar;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use crate::Error;
use crate::offer_link::{offer_uri, offer_url};
use crate::store::{NewOffer, OfferCreation, Store};

use super::output::{Entry, Output};
use super::rows::Row;
use super::summary::Summary;

/// Offers committed per transaction.
pub const BATCH: usize = 32;

/// One offer to make.
#[derive(Debug, Clone)]
pub struct Job {
    /// The row's index among the valid rows.
    pub index: usize,
    /// The offer's generation (1, or more for a re-offer).
    pub generation: u32,
    /// The earlier offer to withdraw first (re-offers).
    pub withdraw: Option<String>,
}

/// What every offer of a run shares.
pub struct Maker<'a> {
    /// The database.
    pub store: &'a Store,
    /// The valid rows.
    pub rows: &'a [Row],
    /// The template name.
    pub template: &'a str,
    /// The service's public URL (offer links).
    pub public_url: &'a str,
    /// PIN digits.
    pub pin_digits: u8,
    /// Offer lifetime.
    pub ttl_seconds: i64,
    /// The audit actor.
    pub actor: &'a str,
    /// Where refusals are reported.
    pub err: &'a mut dyn Write,
    /// The counts.
    pub summary: &'a mut Summary,
    /// The progress bar.
    pub progress: &'a ProgressBar,
}

/// A committed offer, its secrets held until its line is written.
struct Made {
    index: usize,
    generation: u32,
    reoffer: bool,
    offer_id: String,
    expires_at: i64,
    uri: Zeroizing<String>,
    url: Zeroizing<String>,
    tx_code: Option<Zeroizing<String>>,
}

/// A committed batch whose QR codes are being rendered.
struct Rendering {
    made: Vec<Made>,
    parts: Vec<JoinHandle<Result<Vec<Vec<u8>>, Error>>>,
}

impl Maker<'_> {
    /// Makes every job, in order; stops early when `interrupted` is set or the store fails.
    pub async fn make_all(&mut self, jobs: &[Job], output: &mut Output, interrupted: &AtomicBool) -> Result<(), Error> {
        let mut previous: Option<Rendering> = None;
        let mut result = Ok(());
        for batch in jobs.chunks(BATCH) {
            if interrupted.load(Ordering::Relaxed) {
                result = Err(Error::io("bulk issuance", std::io::ErrorKind::Interrupted.into()));
                break;
            }
            let made = match self.commit(batch).await {
                Ok(made) => made,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if let Some(done) = previous.replace(render(made))
                && let Err(e) = self.write(done, output).await
            {
                result = Err(e);
                break;
            }
        }
        // What is committed is written, whatever stopped the loop.
        if let Some(done) = previous {
            let written = self.write(done, output).await;
            if result.is_ok() {
                result = written;
            }
        }
        result
    }

    /// Withdraws the earlier offers of re-offers, then commits the batch.
    async fn commit(&mut self, batch: &[Job]) -> Result<Vec<Made>, Error> {
        let mut jobs = Vec::with_capacity(batch.len());
        let mut offers = Vec::with_capacity(batch.len());
        for job in batch {
            let row = row_at(self.rows, job.index)?;
            if let Some(earlier) = &job.withdraw
                && !self.store.withdraw_offer(earlier, self.actor).await?
            {
                self.summary.redeemed_meanwhile += 1;
                self.progress.inc(1);
                let _ = writeln!(
                    self.err,
                    "line {}: {}: offer {earlier} was redeemed meanwhile; not re-offered",
                    row.line, row.record_key
                );
                continue;
            }
            offers.push(NewOffer {
                template: self.template.to_owned(),
                record_key: row.record_key.clone(),
                claims: row.claims.clone(),
                tx_code_length: self.pin_digits,
                approval_required: false,
                idempotency_key: Some(super::plan::idempotency_key(
                    self.template,
                    &row.record_key,
                    job.generation,
                )),
                ttl_seconds: self.ttl_seconds,
            });
            jobs.push(job);
        }
        if offers.is_empty() {
            return Ok(Vec::new());
        }
        let results = match self.store.create_offers(&offers, self.actor).await {
            Ok(results) => results,
            // A statement failed, e.g. another run inserted one of these keys meanwhile
            // (PostgreSQL): nothing of the batch was made; make them one by one.
            Err(_) => {
                let mut results = Vec::with_capacity(offers.len());
                for offer in &offers {
                    results.push(match self.store.create_offer(offer, self.actor).await {
                        Ok(made) => Ok(made),
                        Err(e @ (Error::Conflict(_) | Error::InvalidInput { .. })) => Err(e),
                        Err(e) => return Err(e),
                    });
                }
                results
            }
        };
        let mut made = Vec::with_capacity(results.len());
        for (job, result) in jobs.into_iter().zip(results) {
            let row = row_at(self.rows, job.index)?;
            match result {
                Ok(OfferCreation::Created(created)) => {
                    let uri = Zeroizing::new(offer_uri(self.public_url, &created.handle));
                    let url = Zeroizing::new(offer_url(&uri));
                    let created = *created;
                    made.push(Made {
                        index: job.index,
                        generation: job.generation,
                        reoffer: job.withdraw.is_some(),
                        offer_id: created.offer.id,
                        expires_at: created.offer.expires_at,
                        uri,
                        url,
                        tx_code: created.tx_code,
                    });
                }
                // Another run made it between the plan and now.
                Ok(OfferCreation::Existing(offer)) => {
                    self.summary.count_already(&row.record_key, &offer, None);
                    self.progress.inc(1);
                }
                Err(e) => {
                    if matches!(e, Error::Conflict(_)) {
                        self.summary.changed += 1;
                    } else {
                        self.summary.failed += 1;
                    }
                    self.progress.inc(1);
                    let _ = writeln!(self.err, "line {}: {}: {e}", row.line, row.record_key);
                }
            }
        }
        Ok(made)
    }

    /// Waits for a batch's QR codes and writes them and its lines.
    async fn write(&mut self, rendering: Rendering, output: &mut Output) -> Result<(), Error> {
        let mut made = rendering.made.into_iter();
        for part in rendering.parts {
            let images = part
                .await
                .map_err(|e| Error::Unsupported(format!("rendering QR codes: {e}")))??;
            // `images` first: zip asks it first, so `made` is not advanced past this part.
            for (png, offer) in images.into_iter().zip(made.by_ref()) {
                let row = row_at(self.rows, offer.index)?;
                output.write(&Entry {
                    line: row.line,
                    record_key: &row.record_key,
                    generation: offer.generation,
                    offer_id: &offer.offer_id,
                    offer_url: &offer.url,
                    offer_uri: &offer.uri,
                    tx_code: offer.tx_code.as_ref().map(|pin| pin.as_str()),
                    png: &png,
                    expires_at: &super::rfc3339(offer.expires_at),
                })?;
                self.summary.created += 1;
                if offer.reoffer {
                    self.summary.reoffered += 1;
                }
                self.progress.inc(1);
            }
        }
        match made.next() {
            None => Ok(()),
            Some(offer) => Err(Error::Unsupported(format!(
                "offer {} was made but its QR code was not rendered",
                offer.offer_id
            ))),
        }
    }
}

/// The row at `index`.
fn row_at(rows: &[Row], index: usize) -> Result<&Row, Error> {
    rows.get(index)
        .ok_or_else(|| Error::Unsupported("bulk issuance lost track of a row".into()))
}

/// Starts rendering the QR codes of `made`, split over the cores, in order.
fn render(made: Vec<Made>) -> Rendering {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let per_part = made.len().div_ceil(cores).max(1);
    let parts = made
        .chunks(per_part)
        .map(|chunk| {
            let urls: Vec<Zeroizing<String>> = chunk.iter().map(|m| m.url.clone()).collect();
            tokio::task::spawn_blocking(move || urls.iter().map(|url| crate::offer_qr::png(url)).collect())
        })
        .collect();
    Rendering { made, parts }
}
