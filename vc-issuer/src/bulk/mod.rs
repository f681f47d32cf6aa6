//! `vc-issuer bulk-issue`: one OpenID4VCI credential offer per row of a CSV file, made
//! directly in the store (no HTTP, no token) with the same configuration as `serve`.
//!
//! 1. [`rows`]: the file is read and every row validated with the template; bad rows are
//!    reported with their line numbers and nothing is offered unless `--skip-invalid`.
//! 2. [`plan`]: the offers earlier runs made are looked up (one query), so that a re-run
//!    offers nobody twice.
//! 3. [`make`]: the offers are committed in batches (audited `offer.create` by
//!    `cli:bulk-issue`), then their QR codes and lines in `offers.csv` are written
//!    ([`output`]).
//! 4. [`summary`]: what was done, and what is left to do.
//!
//! The credential itself is signed when the employee's wallet redeems the offer, so it is
//! bound to the wallet's key.

pub mod make;
pub mod output;
pub mod plan;
pub mod rows;
pub mod summary;

use std::collections::BTreeSet;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::config::Config;
use crate::operator::{EXIT_FAILED, EXIT_USAGE};
use crate::store::Store;
use crate::templates::{Template, Templates};

use make::{Job, Maker};
use output::Output;
use plan::{Earlier, Step};
use rows::Row;
pub use summary::Summary;

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

Output (default <data_dir>/offers/<TYPE>, ./data/offers/<TYPE> without a configuration):
offers.csv gets one line per offer made (line, record_key, offer_id, offer_url,
credential_offer_uri, tx_code = the PIN, qr_png, expires_at) and qr/ one PNG per offer.
Both are owner-only (folders 0700, files 0600, whatever the umask; an existing output
folder or list is restricted): they hold the links and PINs, which the service does not
keep (only their digests). Hand each employee their QR code and PIN separately, then delete
the folder. Earlier output is never truncated: re-runs append.

Re-running is safe: each subject's offer carries the idempotency key
bulk:<TYPE>:<record key>, so a subject offered by an earlier run is counted as 'already
offered' and not offered again (the summary says whether those offers are still waiting,
redeemed, or expired). A row whose claims changed since its offer is reported and left
alone. --reoffer KEY withdraws a subject's unredeemed offer and makes a new one (a lost
PIN, an expired or locked offer, changed claims); redeemed credentials are re-issued
through the admin API instead.

Offers are committed 32 at a time, each batch before its lines are written. If the process
dies (power, kill -9) in between, up to two batches of offers exist without their lines,
and so without their links and PINs: the next run counts them as 'already offered' and
names them as missing from offers.csv; --reoffer-unlisted replaces them. Ctrl-C is safe: it
stops between batches, after the committed offers are written.";

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
    /// Where offers.csv and the QR codes go [default: <data_dir>/offers/<TYPE>].
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
    /// Re-offer every subject whose waiting offer is not in this output's offers.csv (after
    /// a run was killed between making offers and writing them).
    #[arg(long)]
    pub reoffer_unlisted: bool,
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
    crate::operator::actor("bulk-issue")
}

/// Unix seconds as RFC 3339.
fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

fn failed(e: Error) -> Failure {
    (EXIT_FAILED, e.to_string())
}

/// Runs bulk issuance with a loaded configuration (see [`command`]): checks the file,
/// then offers. Bad rows and refusals go to `err`; the summary is returned (and, when the
/// run fails after offering, written to `out` first).
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
    let rows = checked_rows(args, template, err)?;
    let store = Store::open(&config.database_url())
        .await
        .map_err(failed)?
        .with_pin_key(crate::pin_key::load_or_create(&config.pin_key_path()).map_err(failed)?);
    let result = offer_rows(args, config, template, &store, &rows.valid, err).await;
    store.close().await;
    let mut summary = result?;
    summary.rows = rows.valid.len() + rows.bad_rows;
    summary.skipped_invalid = rows.bad_rows;
    summary.elapsed = started.elapsed();
    let dir = out_dir(args, config, template);
    let text = summary.report(
        &template.name,
        &args.csv,
        (!args.dry_run).then_some(dir.as_path()),
        config.public_url(),
    );
    if summary.changed + summary.failed > 0 {
        let _ = writeln!(out, "{text}");
        return Err((
            EXIT_FAILED,
            format!(
                "{} rows were not offered (see above); rows whose claims changed since their offer are re-offered \
                 with --reoffer",
                summary.changed + summary.failed
            ),
        ));
    }
    Ok(text)
}

/// Reads and checks the file; reports every bad row; fails unless they may be skipped.
fn checked_rows(args: &BulkArgs, template: &Template, err: &mut dyn Write) -> Result<rows::Rows, Failure> {
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
        let skip = match rows.valid.len() {
            0 => String::new(),
            n => format!(", or offer the {n} valid rows with --skip-invalid"),
        };
        return Err((
            EXIT_FAILED,
            format!(
                "{file}: {} bad rows (see above); nothing was offered. Fix them{skip}",
                rows.bad_rows
            ),
        ));
    }
    for key in &args.reoffer {
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
    Ok(rows)
}

/// Plans and makes the offers.
async fn offer_rows(
    args: &BulkArgs,
    config: &Config,
    template: &Template,
    store: &Store,
    valid: &[Row],
    err: &mut dyn Write,
) -> Result<Summary, Failure> {
    let earlier = store
        .offers_by_key_prefix(&template.name, &plan::key_prefix(&template.name))
        .await
        .map_err(failed)?;
    let earlier = Earlier::new(&template.name, earlier);
    let dir = out_dir(args, config, template);
    let listed = output::listed(&dir).map_err(failed)?;
    let reoffer: BTreeSet<String> = args.reoffer.iter().cloned().collect();
    let unlisted = args.reoffer_unlisted.then_some(&listed);
    let steps = plan::plan(valid, &earlier, &reoffer, unlisted, crate::store::unix_now());
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
    let mut jobs = Vec::new();
    for (index, (row, step)) in valid.iter().zip(steps).enumerate() {
        match step {
            Step::Create { generation, withdraw } => jobs.push(Job {
                index,
                generation,
                withdraw,
            }),
            Step::Already(offer) => {
                let on_list = listed.contains(&offer.id);
                summary.count_already(&row.record_key, &offer, Some(on_list));
            }
            Step::Changed(offer) => summary.changed(err, row, &offer),
            Step::Refused(_) => {}
        }
    }
    if args.dry_run {
        summary.created = jobs.len();
        summary.reoffered = jobs.iter().filter(|j| j.withdraw.is_some()).count();
        return Ok(summary);
    }
    if jobs.is_empty() && !dir.join(output::LIST).exists() {
        return Ok(summary);
    }

    let mut output = Output::open(&dir).map_err(failed)?;
    let ttl_seconds = match args.ttl_days {
        Some(days) => i64::from(days) * 86_400,
        None => i64::try_from(config.offers.ttl_seconds).unwrap_or(i64::MAX / 2),
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let watcher = {
        let flag = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        })
    };
    let progress = progress_bar(jobs.len(), args.quiet);
    let actor = actor();
    let mut maker = Maker {
        store,
        rows: valid,
        template: &template.name,
        public_url: config.public_url(),
        pin_digits: config.offers.pin_digits,
        ttl_seconds,
        actor: &actor,
        err,
        summary: &mut summary,
        progress: &progress,
    };
    let made = maker.make_all(&jobs, &mut output, &interrupted).await;
    watcher.abort();
    progress.finish_and_clear();
    let finished = output.finish();
    if let Err(e) = made {
        let why = if interrupted.load(Ordering::Relaxed) {
            "interrupted".to_owned()
        } else {
            e.to_string()
        };
        return Err((
            EXIT_FAILED,
            format!(
                "stopped after making {} offers (written to {}): {why}. Run the same command again to go on: \
                 subjects offered already are not offered twice",
                summary.created,
                dir.display()
            ),
        ));
    }
    finished.map_err(failed)?;
    Ok(summary)
}

/// `--out`, or `<data_dir>/offers/<TYPE>`: beside the database, in the owner-only data folder
/// (which the repository's `.gitignore` leaves out), not in the folder the command runs in.
fn out_dir(args: &BulkArgs, config: &Config, template: &Template) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| config.data_dir.join("offers").join(&template.name))
}

/// A progress bar on standard error, hidden with `--quiet` or when that is no terminal.
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
