//! An open-loop load generator: requests start at fixed intervals whatever the answers do,
//! and each latency is measured from the request's *scheduled* start, so a stalled server
//! shows as latency instead of silently lowering the rate (no coordinated omission).

use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The seconds each service is held at its rate: `DOJANG_LOAD_SECS`, default 60.
pub fn load_secs() -> u64 {
    std::env::var("DOJANG_LOAD_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(60)
}

/// A rate from the environment variable `name`, or `default`.
pub fn rate(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|r| *r > 0)
        .unwrap_or(default)
}

/// What one open-loop run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    /// Requests per second asked for.
    pub rate: u32,
    pub duration: Duration,
    /// `rate * duration`: the requests the schedule holds.
    pub planned: u64,
    /// Requests started before the window closed.
    pub sent: u64,
    pub ok: u64,
    pub errors: u64,
    /// The first few error messages.
    pub first_errors: Vec<String>,
    /// Latencies of the successful requests, sorted, from their scheduled start.
    pub latencies: Vec<Duration>,
    /// The latest any request started after its slot (the generator's own lag).
    pub max_start_lag: Duration,
    /// From the first slot until the last answer came in.
    pub wall: Duration,
}

impl Report {
    /// The `p`-quantile (0..=1) of the successful requests' latencies.
    pub fn percentile(&self, p: f64) -> Duration {
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = ((n as f64 * p).ceil() as usize).clamp(1, n);
        self.latencies[rank - 1]
    }

    /// Requests started per second of the window.
    pub fn sent_rate(&self) -> f64 {
        self.sent as f64 / self.duration.as_secs_f64()
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} req/s for {} s: {}/{} sent ({:.1}/s), {} ok, {} errors; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; generator lag max {:.2} ms",
            self.name,
            self.rate,
            self.duration.as_secs(),
            self.sent,
            self.planned,
            self.sent_rate(),
            self.ok,
            self.errors,
            ms(self.percentile(0.50)),
            ms(self.percentile(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            ms(self.max_start_lag),
        )
    }

    /// A row of [`table`].
    fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {:.1} | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
            self.name,
            self.rate,
            self.duration.as_secs(),
            self.sent,
            self.sent_rate(),
            self.ok,
            self.errors,
            ms(self.percentile(0.50)),
            ms(self.percentile(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            ms(self.max_start_lag),
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A Markdown table of `reports`, with `notes` (one per line) below it.
pub fn table(reports: &[&Report], notes: &[String]) -> String {
    let mut out = String::from(
        "| service | rate (req/s) | seconds | sent | sent/s | ok | errors | p50 | p99 | max | generator lag max |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for report in reports {
        let _ = writeln!(out, "{}", report.row());
    }
    for note in notes {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

/// Writes `text` to `<target>/<name>` (`CARGO_TARGET_DIR` or the workspace's `target/`).
pub fn write_target_file(name: &str, text: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| super::repo_root().join("target"));
    let path = target.join(name);
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `op(i)` for i = 0, 1, ... at `rate` per second for `duration`, each in its own
/// task, whether or not earlier ones have answered; then waits for every started request
/// to finish. `op` returns `Err(why)` for anything but the expected answer. A slot whose
/// time came but could not be started before the window closed (the generator starved) is
/// not sent, so `sent < planned` shows a rate that was not held.
pub async fn open_loop<F, Fut>(name: &str, rate: u32, duration: Duration, op: F) -> Report
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    assert!(rate > 0);
    let period = Duration::from_secs(1) / rate;
    let planned = u64::from(rate) * duration.as_secs();
    let start = Instant::now() + Duration::from_millis(20);
    let end = start + duration;
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(planned as usize)));
    let errors = Arc::new(Mutex::new((0u64, Vec::new())));
    let mut tasks = tokio::task::JoinSet::new();
    let mut sent = 0u64;
    let mut max_start_lag = Duration::ZERO;
    for i in 0..planned {
        let slot = start + period * u32::try_from(i).unwrap();
        tokio::time::sleep_until(slot.into()).await;
        let now = Instant::now();
        if now >= end {
            break;
        }
        max_start_lag = max_start_lag.max(now - slot);
        sent += 1;
        let request = op(i);
        let (latencies, errors) = (latencies.clone(), errors.clone());
        tasks.spawn(async move {
            let result = request.await;
            let took = slot.elapsed();
            match result {
                Ok(()) => latencies.lock().unwrap().push(took),
                Err(why) => {
                    let mut errors = errors.lock().unwrap();
                    errors.0 += 1;
                    if errors.1.len() < 5 {
                        errors.1.push(format!("request {i}: {why}"));
                    }
                }
            }
        });
        // Reap finished tasks as we go, so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let wall = start.elapsed();
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort_unstable();
    let (errors, first_errors) = std::mem::take(&mut *errors.lock().unwrap());
    Report {
        name: name.to_owned(),
        rate,
        duration,
        planned,
        sent,
        ok: latencies.len() as u64,
        errors,
        first_errors,
        latencies,
        max_start_lag,
        wall,
    }
}
