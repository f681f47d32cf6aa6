//! Fixed-window budgets per client (an IP address; an IPv6 client by its /64) or per any other
//! key a cost is counted by (an offer, a DID): what the services' rate limits and quotas are
//! made of. A budget over its limit answers 429 `rate_limited` with `Retry-After` as
//! problem+json ([`OverBudget::into_response`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// The most clients a budget tracks; past it, expired windows are dropped first, and a new
/// client is refused while every tracked one is still inside its window.
pub const MAX_CLIENTS: usize = 100_000;

/// A fixed-window budget per client (an IP address: [`ClientBudget`]) or per anything else a
/// cost is counted by (an offer: `Budget<String>`).
#[derive(Debug)]
pub struct Budget<K> {
    limit: u32,
    window: Duration,
    clients: Mutex<HashMap<K, Window>>,
}

/// A budget per client address (an IPv6 client by its /64).
pub type ClientBudget = Budget<IpAddr>;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    used: u32,
}

/// A client over its budget, with when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    /// Seconds until the client's window ends (at least 1).
    pub retry_after: u64,
}

impl<K: Hash + Eq + Normalize> Budget<K> {
    /// `limit` uses per `window` for each key.
    pub fn new(limit: u32, window: Duration) -> Budget<K> {
        Budget {
            limit,
            window,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `client` may go on, without spending anything (the wrong-PIN budget: checked
    /// before a PIN is looked at, spent only when it was wrong).
    pub fn check(&self, client: K, now: Instant) -> Result<(), OverBudget> {
        let clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match clients.get(&client.normalized()) {
            Some(window) if now.duration_since(window.started) < self.window && window.used >= self.limit => {
                Err(self.over(window, now))
            }
            _ => Ok(()),
        }
    }

    /// Spends one use of `client`'s budget; refused (nothing spent) when it is used up.
    pub fn spend(&self, client: K, now: Instant) -> Result<(), OverBudget> {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = client.normalized();
        if !clients.contains_key(&client) && clients.len() >= MAX_CLIENTS {
            let window = self.window;
            clients.retain(|_, w| now.duration_since(w.started) < window);
            if clients.len() >= MAX_CLIENTS {
                return Err(OverBudget {
                    retry_after: window.as_secs().max(1),
                });
            }
        }
        let window = clients.entry(client).or_insert(Window { started: now, used: 0 });
        if now.duration_since(window.started) >= self.window {
            *window = Window { started: now, used: 0 };
        }
        if window.used >= self.limit {
            return Err(self.over(window, now));
        }
        window.used += 1;
        Ok(())
    }

    fn over(&self, window: &Window, now: Instant) -> OverBudget {
        let left = self.window.saturating_sub(now.duration_since(window.started));
        OverBudget {
            retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
        }
    }
}

/// What a budget counts a key under.
pub trait Normalize {
    /// The key itself, or the group it belongs to.
    fn normalized(self) -> Self;
}

impl Normalize for String {
    fn normalized(self) -> String {
        self
    }
}

/// A client is counted by its address, an IPv6 client by its /64 (one host usually owns the
/// whole /64), an IPv4-mapped address as the IPv4 one.
impl Normalize for IpAddr {
    fn normalized(self) -> IpAddr {
        key(self)
    }
}

/// The key a client's address is counted under: an IPv6 address's /64, an IPv4-mapped
/// address as IPv4, an IPv4 address as itself.
pub fn client_key(client: IpAddr) -> IpAddr {
    key(client)
}

fn key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
        v4 => v4,
    }
}

impl OverBudget {
    /// 429 `rate_limited` as problem+json, with `Retry-After`.
    pub fn into_response(self, what: &str) -> Response {
        Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", what.to_owned())
            .with_retry_after(self.retry_after)
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn a_client_is_stopped_at_its_limit_until_its_window_ends() {
        let budget = ClientBudget::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(budget.spend(ip("192.0.2.1"), start), Ok(()));
        }
        assert_eq!(
            budget.check(ip("192.0.2.1"), start),
            Err(OverBudget { retry_after: 60 })
        );
        assert_eq!(
            budget.spend(ip("192.0.2.1"), start + Duration::from_secs(20)),
            Err(OverBudget { retry_after: 40 })
        );
        // Another client is not affected; the first one's next window is fresh.
        assert_eq!(budget.spend(ip("192.0.2.2"), start), Ok(()));
        assert_eq!(budget.spend(ip("192.0.2.1"), start + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64_and_a_mapped_v4_as_v4() {
        let budget = ClientBudget::new(1, Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(budget.spend(ip("2001:db8:1:2::1"), now), Ok(()));
        assert!(budget.spend(ip("2001:db8:1:2:ffff::9"), now).is_err());
        assert_eq!(budget.spend(ip("2001:db8:1:3::1"), now), Ok(()));
        assert_eq!(budget.spend(ip("192.0.2.7"), now), Ok(()));
        assert!(budget.spend(ip("::ffff:192.0.2.7"), now).is_err());
    }
}
