//! Logging for Dojang's three services: `tracing` events to standard error, filtered by
//! `RUST_LOG` (default `info`), as text for people or as JSON lines for a log pipeline
//! (`DOJANG_LOG_FORMAT=json`), and one span per HTTP request.
//!
//! What is logged names routes by their template (`/api/requests/{id}`), never the path as
//! sent: paths carry DIDs and request ids, and logs carry no personal data and no secret.
//!
//! ```
//! use did_core::logging::LogFormat;
//!
//! assert_eq!("json".parse::<LogFormat>(), Ok(LogFormat::Json));
//! assert_eq!("text".parse::<LogFormat>(), Ok(LogFormat::Text));
//! assert!("xml".parse::<LogFormat>().is_err());
//! ```

use std::io::IsTerminal as _;
use std::str::FromStr;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;
use tracing_subscriber::EnvFilter;

/// The variable that picks the format.
pub const FORMAT_VARIABLE: &str = "DOJANG_LOG_FORMAT";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<LogFormat, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" | "" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?}: text or json")),
        }
    }
}

/// Sends `tracing` events to standard error, filtered by `RUST_LOG` (default `info`), in the
/// format of `DOJANG_LOG_FORMAT` (default text; an unknown value is text, said once).
/// A second call does nothing.
pub fn init() {
    let (format, unknown) = match std::env::var(FORMAT_VARIABLE) {
        Ok(value) => match value.parse::<LogFormat>() {
            Ok(format) => (format, None),
            Err(why) => (LogFormat::Text, Some(why)),
        },
        Err(_) => (LogFormat::Text, None),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, never into a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        // A log line that cannot be written (a full disk under the log file) is dropped: the
        // default reports it with `eprintln!`, which panics when standard error fails, and a
        // panicking request handler drops its connection.
        .log_internal_errors(false)
        .with_target(true);
    // An error means a subscriber is already set (tests, an embedding program): keep it.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Some(why) = unknown {
        tracing::warn!("{FORMAT_VARIABLE}: {why}; logging as text");
    }
}

/// A middleware (`axum::middleware::from_fn(logging::request_span)`) that runs each request
/// in a `request` span (method and route template) and logs its status and duration when it
/// ends: server errors at `warn`, everything else at `info`.
pub async fn request_span(request: Request, next: Next) -> Response {
    // A clone of the matched path is a reference count, not a copy of the text.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("(no route)", MatchedPath::as_str);
    let span = tracing::info_span!("request", method = %request.method(), route = %route);
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    if response.status().is_server_error() {
        tracing::warn!(status, millis, "answered");
    } else {
        tracing::info!(status, millis, "answered");
    }
    response
}
