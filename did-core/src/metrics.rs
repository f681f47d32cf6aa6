//! What a service counts for `/metrics`: the refusals an attack causes (rate limits hit,
//! connections shed, writes refused), in the OpenMetrics text format (which Prometheus scrapes), as
//! `<prefix>_security_events_total{event="…"}`.
//!
//! ```
//! use did_core::metrics::SecurityMetrics;
//!
//! let metrics = SecurityMetrics::new("dojang_door", "Refusals an attack causes: rate_limited");
//! metrics.record("rate_limited");
//! assert!(metrics.render().contains("dojang_door_security_events_total{event=\"rate_limited\"} 1"));
//! ```

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse as _, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::server::{EventSink, ServerEvent};

/// The content type of what [`render`] writes: OpenMetrics 1.0 text (prometheus-client's
/// format: `# EOF` at the end, a counter family named without its `_total` suffix). Served
/// as the classic Prometheus text 0.0.4 instead, a scraper's parser reads the counters as
/// untyped samples of another family.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Security events counted by name, for a service that keeps other metrics too: register
/// them in its own registry.
#[derive(Debug, Clone, Default)]
pub struct SecurityEvents(Family<Vec<(String, String)>, Counter>);

impl SecurityEvents {
    /// Registers the counters in `registry` as `security_events`; `help` names the events.
    pub fn register(&self, registry: &mut Registry, help: &str) {
        registry.register("security_events", help, self.0.clone());
    }

    /// Counts one event (the routes and the accept loop also log it).
    pub fn record(&self, event: &'static str) {
        self.0
            .get_or_create(&vec![("event".to_owned(), event.to_owned())])
            .inc();
    }

    /// A sink for the accept loop's [`ServerEvent`]s, counted under their names.
    pub fn sink(&self) -> EventSink {
        let events = self.clone();
        Arc::new(move |event: ServerEvent| events.record(event.name()))
    }
}

/// A registry holding only [`SecurityEvents`]: the whole `/metrics` of a service that counts
/// nothing else (the door, the registry node). Clones share their counters.
#[derive(Clone)]
pub struct SecurityMetrics {
    registry: Arc<Registry>,
    events: SecurityEvents,
}

impl std::fmt::Debug for SecurityMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityMetrics").finish_non_exhaustive()
    }
}

impl SecurityMetrics {
    /// Counters named `<prefix>_security_events_total`; `help` names the events.
    pub fn new(prefix: &str, help: &str) -> SecurityMetrics {
        let mut registry = Registry::with_prefix(prefix);
        let events = SecurityEvents::default();
        events.register(&mut registry, help);
        SecurityMetrics {
            registry: Arc::new(registry),
            events,
        }
    }

    /// Counts one event.
    pub fn record(&self, event: &'static str) {
        self.events.record(event);
    }

    /// A sink for the accept loop's events.
    pub fn sink(&self) -> EventSink {
        self.events.sink()
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        render(&self.registry)
    }

    /// The answer to `GET /metrics`.
    pub fn answer(&self) -> Response {
        exposition(self.render())
    }
}

/// `registry` as OpenMetrics text (empty if a metric cannot be written, which only a
/// formatting failure of `String` could cause).
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    if encode(&mut out, registry).is_err() {
        out.clear();
    }
    out
}

/// `text` answered with the Prometheus content type.
pub fn exposition(text: String) -> Response {
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
