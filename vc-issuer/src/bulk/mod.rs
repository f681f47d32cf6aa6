//! `vc-issuer bulk-issue`: one OpenID4VCI credential offer per row of a CSV file, made
//! directly in the store (no HTTP, no token) with the same configuration as `serve`.
//!
//! 1. [`rows`]: the file is read and every row validated with the template; bad rows are
//!    reported with their line numbers and nothing is offered unless `--skip-invalid`.
//! 2. [`plan`]: the offers earlier runs made are looked up (one query), so that a re-run
//!    offers nobody twice.
//! 3. Each new offer is committed (audited `offer.create` by `cli:bulk-issue`), then its QR
//!    code and its line in `offers.csv` are written ([`output`]).
//!
//! The credential itself is signed when the employee's wallet redeems the offer, so it is
//! bound to the wallet's key.

pub mod output;
pub mod plan;
pub mod rows;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::cli::{EXIT_FAILED, EXIT_USAGE};
use crate::config::Config;
use crate::service::oid4vci::offers::{offer_uri, offer_url};
use crate::store::{NewOffer, OfferCreation, OfferRecord, OfferState, Store};
use crate::templates::{Template, Templates};

use output::{Entry, Output};
use plan::{Earlier, Step};
use rows::Row;

/// The end of `vc-issuer bulk-issue --help`.
pub const HELP: &str = "\
The CSV file: the first line names top-level claims of the credential type (e.g. for
EmployeeIdCredential: employee_number,name_ko,name_latin,organization,department,position,
access_groups,photo_digest); each further line is one subject. Cells are trimmed; an empty
cell leaves the claim out; list claims are separated by ';' (\"hq;lab\"); numbers and
true/false are converted by the type's JSON Schema. The file must be UTF-8 (from a
spreadsheet: save as \"CSV UTF-8\"), at most 64 MiB and 1,000,000 rows.

Every row is checked first. Bad rows are listed as 'line N: /claim: problem' (the header is
line 1) and nothing is offered, unless --skip-invalid offers the valid rows. Two rows with
the same record key (e.g. employee number) are both bad.

Output (default ./offers/<TYPE>): offers.csv gets one line per offer made (line, record_key,
offer_id, offer_url, credential_offer_uri, tx_code = the PIN, qr_png, expires_at) and qr/
one PNG per offer. Both are created owner-only: they hold the links and PINs, which the
service does not keep (only their digests). Hand each employee their QR code and PIN
separately, then delete the folder. Earlier output is never truncated: re-runs append.

Re-running is safe: each subject's offer carries the idempotency key
bulk:<TYPE>:<record key>, so a subject offered by an earlier run is counted as 'already
offered' and not offered again (the summary says whether those offers are still waiting,
redeemed, or expired). A row whose claims changed since its offer is reported and left
alone. --reoffer KEY withdraws a subject's unredeemed offer and makes a new one (a lost
PIN, an expired or locked offer, changed claims); redeemed credentials are re-issued
through the admin API instead.

If the process dies (power, kill) after an offer is committed but before its line is
written, that offer exists but its link and PIN are lost: the next run counts it as
'already offered' and names it as missing from offers.csv; re-offer it with --reoffer.";

/// `vc-issuer bulk-issue` options.
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = HELP)]
pub struct BulkArgs {
    /// A TOML configuration file, as for `serve` (environment variables override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The credential type (template name).
    #[arg(long = "type", value_name = "TYPE")]
    pub credential_type: String,
    /// Where offers.csv and the QR codes go [default: ./offers/<TYPE>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Offer the valid rows even if some are bad (the bad ones are listed and skipped).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Days the offers can be redeemed [default: the configured offers.ttl_seconds].
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=365))]
    pub ttl_days: Option<u32>,
    /// Withdraw this subject's unredeemed offer and make a new one (repeatable).
    #[arg(long, value_name = "RECORD_KEY")]
    pub reoffer: Vec<String>,
    /// Check the file and say what would be offered, without offering anything.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar (it is also hidden when standard error is not a terminal).
    #[arg(long, short)]
    pub quiet: bool,
    /// The CSV file.
    #[arg(value_name = "CSV")]
    pub csv: PathBuf,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows in the file (blank ones not counted).
    pub rows: usize,
    /// Offers made now (re-offers included).
    pub created: usize,
    /// Of those, re-offers (`--reoffer`).
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
    /// Bad rows skipped (`--skip-invalid`).
    pub skipped_invalid: usize,
    /// Re-offers not made because the offer was redeemed meanwhile.
    pub redeemed_meanwhile: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// A failed run: the exit code and the message.
pub type Failure = (i32, String);

/// Runs `vc-issuer bulk-issue`: loads the configuration, runs [`run`] on a new runtime.
/// Problems with rows go to `err` as they are found; the summary is returned.
pub fn command(args: &BulkArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<String, Failure> {
    let config = Config::load(args.config.as_deref()).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| (EXIT_FAILED, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(run(args, &config, out, err))
}

/// The audit actor: `cli:bulk-issue`, with the login name when it is a plain one.
fn actor() -> String {
    match std::env::var("USER") {
        Ok(user)
            if !user.is_empty()
                && user.len() <= 32
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) =>
        {
            format!("cli:bulk-issue:{user}")
        }
        _ => "cli:bulk-issue".to_owned(),
    }
}

fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

fn failed(e: Error) -> Failure {
    (EXIT_FAILED, e.to_string())
}

/// Runs bulk issuance with a loaded configuration (see [`command`]).
pub async fn run(
    args: &BulkArgs,
    config: &Config,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<String, Failure> {
    let started = Instant::now();
    if config.public_url().ends_with(":0") {
        return Err((
            EXIT_USAGE,
            "public_url: the offer links need the URL wallets reach the service at; set public_url \
             (or DOJANG_PUBLIC_URL), as listen has port 0"
                .into(),
        ));
    }
    let templates = Templates::load(config.templates_dir.as_deref()).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let template = templates.get(&args.credential_type).map_err(|_| {
        let known: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
        (
            EXIT_USAGE,
            format!(
                "--type {}: no such credential type; known: {}",
                args.credential_type,
                known.join(", ")
            ),
        )
    })?;
    let today = OffsetDateTime::now_utc().date();
    let rows = rows::read(&args.csv, template, today).map_err(failed)?;
    let file = args.csv.display();
    if !rows.header_errors.is_empty() {
        for problem in &rows.header_errors {
            let _ = writeln!(err, "{problem}");
        }
        return Err((
            EXIT_FAILED,
            format!("{file}: the header is not usable (see above); nothing was offered"),
        ));
    }
    for problem in &rows.bad {
        let _ = writeln!(err, "{problem}");
    }
    if rows.bad_rows > 0 && !args.skip_invalid {
        return Err((
            EXIT_FAILED,
            format!(
                "{file}: {} bad rows (see above); nothing was offered. Fix them, or offer the {} valid rows with \
                 --skip-invalid",
                rows.bad_rows,
                rows.valid.len()
            ),
        ));
    }
    let reoffer: BTreeSet<String> = args.reoffer.iter().cloned().collect();
    for key in &reoffer {
        if !rows.valid.iter().any(|row| &row.record_key == key) {
            return Err((
                EXIT_USAGE,
                format!(
                    "--reoffer {key}: no valid row of {file} has {} {key}",
                    template.record_key
                ),
            ));
        }
    }

    let store = Store::open(&config.database_url()).await.map_err(failed)?;
    let result = offer_rows(args, config, template, &store, &rows.valid, &reoffer, err).await;
    store.close().await;
    let mut summary = result?;
    summary.rows = rows.valid.len() + rows.bad_rows;
    summary.skipped_invalid = rows.bad_rows;
    summary.elapsed = started.elapsed();
    let text = report(&summary, args, config, template);
    if summary.changed > 0 {
        let _ = writeln!(out, "{text}");
        return Err((
            EXIT_FAILED,
            format!(
                "{} rows differ from the offers made for them before (see above) and were left alone; re-offer \
                 them with --reoffer to replace those offers",
                summary.changed
            ),
        ));
    }
    Ok(text)
}

/// Plans and makes the offers.
async fn offer_rows(
    args: &BulkArgs,
    config: &Config,
    template: &Template,
    store: &Store,
    valid: &[Row],
    reoffer: &BTreeSet<String>,
    err: &mut dyn Write,
) -> Result<Summary, Failure> {
    let earlier = store
        .offers_by_key_prefix(&template.name, &plan::key_prefix(&template.name))
        .await
        .map_err(failed)?;
    let earlier = Earlier::new(&template.name, earlier);
    let steps = plan::plan(valid, &earlier, reoffer);
    let mut refused = 0;
    for (row, step) in valid.iter().zip(&steps) {
        if let Step::Refused(why) = step {
            refused += 1;
            let _ = writeln!(err, "line {}: {}: {why}", row.line, row.record_key);
        }
    }
    if refused > 0 {
        return Err((
            EXIT_FAILED,
            format!("{refused} subjects cannot be re-offered (see above); nothing was offered"),
        ));
    }
    let mut summary = Summary::default();
    let to_create = steps.iter().filter(|s| matches!(s, Step::Create { .. })).count();
    if args.dry_run {
        for (row, step) in valid.iter().zip(&steps) {
            match step {
                Step::Create { withdraw: Some(_), .. } => summary.reoffered += 1,
                Step::Already(offer) => summary.count_already(&row.record_key, offer, None),
                Step::Changed(offer) => summary.changed(err, row, offer),
                _ => {}
            }
        }
        summary.created = to_create;
        return Ok(summary);
    }

    let dir = out_dir(args, template);
    let mut output = Output::open(&dir).map_err(failed)?;
    let ttl_seconds = match args.ttl_days {
        Some(days) => i64::from(days) * 86_400,
        None => i64::try_from(config.offers.ttl_seconds).unwrap_or(i64::MAX / 2),
    };
    let actor = actor();
    let progress = progress_bar(to_create, args.quiet);
    let mut made = Ok(());
    for (row, step) in valid.iter().zip(steps) {
        match step {
            Step::Already(offer) => summary.count_already(&row.record_key, &offer, Some(&output)),
            Step::Changed(offer) => summary.changed(err, row, &offer),
            Step::Refused(_) => {}
            Step::Create { generation, withdraw } => {
                let new = NewOffer {
                    template: template.name.clone(),
                    record_key: row.record_key.clone(),
                    claims: row.claims.clone(),
                    tx_code_length: config.offers.pin_digits,
                    approval_required: false,
                    idempotency_key: Some(plan::idempotency_key(&template.name, &row.record_key, generation)),
                    ttl_seconds,
                };
                made = make_offer(
                    store,
                    config,
                    &mut output,
                    &mut summary,
                    row,
                    &new,
                    generation,
                    withdraw.as_deref(),
                    &actor,
                    err,
                )
                .await;
                progress.inc(1);
                if made.is_err() {
                    break;
                }
            }
        }
    }
    progress.finish_and_clear();
    let finished = output.finish();
    if let Err(e) = made {
        return Err((
            EXIT_FAILED,
            format!(
                "stopped after making {} offers (written to {}): {e}. Run the same command again to go on: \
                 subjects offered already are not offered twice",
                summary.created,
                dir.display()
            ),
        ));
    }
    finished.map_err(failed)?;
    Ok(summary)
}

/// Withdraws the earlier offer (re-offers), makes the offer, writes its QR code and line.
#[allow(clippy::too_many_arguments)]
async fn make_offer(
    store: &Store,
    config: &Config,
    output: &mut Output,
    summary: &mut Summary,
    row: &Row,
    new: &NewOffer,
    generation: u32,
    withdraw: Option<&str>,
    actor: &str,
    err: &mut dyn Write,
) -> Result<(), Error> {
    if let Some(earlier) = withdraw
        && !store.withdraw_offer(earlier, actor).await?
    {
        summary.redeemed_meanwhile += 1;
        let _ = writeln!(
            err,
            "line {}: {}: offer {earlier} was redeemed meanwhile; not re-offered",
            row.line, row.record_key
        );
        return Ok(());
    }
    let created = match store.create_offer(new, actor).await {
        Ok(OfferCreation::Created(created)) => created,
        // Another run made it between the plan and now.
        Ok(OfferCreation::Existing(offer)) => {
            summary.count_already(&row.record_key, &offer, Some(output));
            return Ok(());
        }
        Err(Error::Conflict(why)) => {
            summary.changed += 1;
            let _ = writeln!(err, "line {}: {}: {why}", row.line, row.record_key);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let uri = zeroize::Zeroizing::new(offer_uri(config.public_url(), &created.handle));
    let url = zeroize::Zeroizing::new(offer_url(&uri));
    let png = crate::offer_qr::png(&url)?;
    output.write(&Entry {
        line: row.line,
        record_key: &row.record_key,
        generation,
        offer_id: &created.offer.id,
        offer_url: &url,
        offer_uri: &uri,
        tx_code: created.tx_code.as_ref().map(|pin| pin.as_str()),
        png: &png,
        expires_at: &rfc3339(created.offer.expires_at),
    })?;
    summary.created += 1;
    if withdraw.is_some() {
        summary.reoffered += 1;
    }
    Ok(())
}

impl Summary {
    /// Counts a subject an earlier run offered; `output` tells whether its line is there.
    fn count_already(&mut self, record_key: &str, offer: &OfferRecord, output: Option<&Output>) {
        self.already_offered += 1;
        let now = crate::store::unix_now();
        match offer.state {
            OfferState::Offered if offer.expires_at > now => {
                self.already_waiting += 1;
                if output.is_some_and(|o| !o.lists(&offer.id)) {
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
    fn changed(&mut self, err: &mut dyn Write, row: &Row, offer: &OfferRecord) {
        self.changed += 1;
        let _ = writeln!(
            err,
            "line {}: {}: offered before (offer {}, {}) with other claims; left alone (to replace that offer: \
             --reoffer {})",
            row.line,
            row.record_key,
            offer.id,
            rfc3339(offer.created_at),
            row.record_key
        );
    }
}

fn out_dir(args: &BulkArgs, template: &Template) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| PathBuf::from("offers").join(&template.name))
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} offers, {per_sec}, {eta} left") {
        bar.set_style(style);
    }
    bar
}

/// At most `max` keys, then how many more.
fn some_keys(keys: &[String], max: usize) -> String {
    let mut text = keys.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    if keys.len() > max {
        let _ = write!(text, " and {} more", keys.len() - max);
    }
    text
}

/// The summary for people.
fn report(summary: &Summary, args: &BulkArgs, config: &Config, template: &Template) -> String {
    let mut text = String::new();
    let seconds = summary.elapsed.as_secs_f64();
    let verb = if args.dry_run { "would offer" } else { "offered now" };
    let _ = writeln!(
        text,
        "bulk-issue {}: {} rows of {}{}",
        template.name,
        summary.rows,
        args.csv.display(),
        if args.dry_run {
            " (dry run: nothing was offered)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        text,
        "  {verb:<18} {}{}",
        summary.created,
        if summary.reoffered > 0 {
            format!(" ({} re-offered)", summary.reoffered)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        text,
        "  already offered    {}{}",
        summary.already_offered,
        if summary.already_offered > 0 {
            format!(
                " ({} waiting, {} redeemed, {} expired or locked)",
                summary.already_waiting,
                summary.already_redeemed,
                summary.already_dead.len()
            )
        } else {
            String::new()
        }
    );
    if summary.changed > 0 {
        let _ = writeln!(text, "  changed, left     {}", summary.changed);
    }
    if summary.redeemed_meanwhile > 0 {
        let _ = writeln!(text, "  redeemed meanwhile {}", summary.redeemed_meanwhile);
    }
    let _ = writeln!(text, "  skipped invalid    {}", summary.skipped_invalid);
    let rate = if seconds > 0.0 {
        summary.created as f64 / seconds
    } else {
        0.0
    };
    let _ = writeln!(text, "  elapsed            {seconds:.2} s ({rate:.0} offers/s)");
    let _ = writeln!(text, "  offer links at     {}", config.public_url());
    if !args.dry_run {
        let dir = out_dir(args, template);
        let _ = writeln!(
            text,
            "  written to         {} and {} (owner-only: they hold the links and PINs; delete them once handed out)",
            dir.join(output::LIST).display(),
            dir.join(output::QR_DIR).display()
        );
    }
    if !summary.already_dead.is_empty() {
        let _ = writeln!(
            text,
            "note: the offers of {} expired or were locked before being redeemed: {}. Re-offer them with --reoffer.",
            summary.already_dead.len(),
            some_keys(&summary.already_dead, 20)
        );
    }
    if !summary.not_listed.is_empty() {
        let _ = writeln!(
            text,
            "note: {} waiting offers are not in {} (made with another --out folder, or a run stopped between making \
             an offer and writing its line): {}. If their links and PINs are lost, re-offer them with --reoffer.",
            summary.not_listed.len(),
            out_dir(args, template).join(output::LIST).display(),
            some_keys(&summary.not_listed, 20)
        );
    }
    text.trim_end().to_owned()
}
