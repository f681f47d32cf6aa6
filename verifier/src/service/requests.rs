//! The door's open requests: each holds the nonce it showed and, once answered, its decision.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::decision::Decision;

/// How many requests the door keeps at most (open, and answered ones kept for the kiosk).
/// When it is full, only requests that are over make room: a live request is never dropped
/// for another client's new one.
pub const MAX_REQUESTS: usize = 10_000;

/// How many open requests one client (IP address) may hold. Beyond it, the client's own
/// oldest request that no wallet has engaged with makes room, so a flood from one address
/// only ever displaces its own requests.
pub const MAX_OPEN_PER_CLIENT: usize = 64;

/// How long an answered request stays readable, so the kiosk page can show its decision.
const KEEP_DECIDED: Duration = Duration::from_secs(600);

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum RequestState {
    /// Waiting for a presentation.
    Pending,
    /// Answered.
    Decided {
        /// The decision.
        decision: Decision,
    },
    /// Its nonce expired unanswered.
    Expired,
    /// The last answer could not be checked (a DID or status list unreachable and nothing
    /// usable held); the request stays open for another try.
    Unavailable {
        /// What could not be reached.
        message: String,
    },
    /// The last answer proved nothing about a trusted holder (unreadable, forged,
    /// self-issued, for another request, a wallet's error response) and was refused; the
    /// request stays open for the holder's answer.
    Refused {
        /// The refusal.
        decision: Decision,
        /// How many answers were refused so far, so a page shows each refusal once.
        refusals: u32,
    },
}

/// One request the door showed.
#[derive(Debug, Clone)]
pub struct DoorRequest {
    /// The nonce the presentation must be bound to.
    pub nonce: String,
    /// When the request (and its nonce) expires.
    pub expires_at: SystemTime,
    /// The OpenID4VP request shown alongside (same nonce), answered by `direct_post`.
    pub oid4vp: crate::oid4vp::AuthorizationRequest,
    /// The decision, once there is one.
    pub decision: Option<Decision>,
    /// Why the last answer could not be checked, if it could not.
    pub unavailable: Option<String>,
    /// An answer is being checked: a second one waits its turn (409) rather than racing it.
    pub in_flight: bool,
    /// The last refused answer (see [`RequestState::Refused`]), and how many there were.
    pub refused: Option<(Decision, u32)>,
    /// The address of the client that asked for the request (the kiosk, or whoever).
    pub client: IpAddr,
    /// A wallet has engaged with it (fetched its request object, or answered): it is never
    /// dropped to make room for a new request, even its own client's.
    pub engaged: bool,
    /// Its place in the order of creation (set by the store; oldest first makes room).
    pub(crate) order: u64,
}

impl DoorRequest {
    /// Still waiting for its answer at `now`.
    fn is_open(&self, now: SystemTime) -> bool {
        self.decision.is_none() && self.expires_at > now
    }
}

/// Why the door takes no new request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The client holds [`MAX_OPEN_PER_CLIENT`] open requests, every one engaged.
    Client,
    /// The door holds [`MAX_REQUESTS`] requests, none of them over.
    Door,
}

/// Why a request cannot take an answer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// No such request.
    Unknown,
    /// It has its decision.
    Answered,
    /// Another answer is being checked.
    Checking,
}

/// A request held for one answer; dropping it without [`Reservation::decide`] frees the
/// request for another try.
pub struct Reservation<'a> {
    store: &'a RequestStore,
    id: String,
    /// The request as it was when reserved.
    pub request: DoorRequest,
    open: bool,
}

impl Reservation<'_> {
    /// Ends the reservation with `decision`. A decision that proved a trusted holder
    /// ([`Decision::holder_proved`]) closes the request; any other (garbage, a forged or
    /// self-issued presentation, a wallet's error response: what a bystander who saw the QR
    /// code could post) leaves it open for the holder's answer. Says whether it closed.
    pub fn decide(mut self, decision: &Decision) -> bool {
        let closes = decision.holder_proved();
        if let Some(request) = self.store.lock().get_mut(&self.id) {
            if closes {
                request.decision = Some(decision.clone());
            } else {
                let refusals = request.refused.as_ref().map_or(0, |(_, n)| *n).saturating_add(1);
                request.refused = Some((decision.clone(), refusals));
                request.unavailable = None;
            }
            request.in_flight = false;
        }
        self.open = false;
        closes
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.open
            && let Some(request) = self.store.lock().get_mut(&self.id)
        {
            request.in_flight = false;
        }
    }
}

/// Requests by id.
#[derive(Debug, Default)]
pub struct RequestStore {
    requests: Mutex<HashMap<String, DoorRequest>>,
    created: std::sync::atomic::AtomicU64,
}

impl RequestStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DoorRequest>> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a request under `id`. Makes room first: requests past their expiry and display
    /// time go; a client at [`MAX_OPEN_PER_CLIENT`] loses its own oldest unengaged open
    /// request; a full store loses its oldest request that is over (answered or expired).
    /// Never drops another client's live request. Returns the nonces of the open requests it
    /// dropped, for the caller to retire.
    pub fn insert(&self, id: String, mut request: DoorRequest, now: SystemTime) -> Result<Vec<String>, Full> {
        request.order = self.created.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut requests = self.lock();
        let open_of = |requests: &HashMap<String, DoorRequest>| {
            requests
                .values()
                .filter(|r| r.client == request.client && r.is_open(now))
                .count()
        };
        // The client's open requests, counted once: clearing out ended requests below never
        // removes an open one, so the count stays right.
        let own_open = open_of(&requests);
        if requests.len() >= MAX_REQUESTS || own_open >= MAX_OPEN_PER_CLIENT {
            requests.retain(|_, r| r.expires_at + KEEP_DECIDED > now);
        }
        let mut dropped = Vec::new();
        if own_open >= MAX_OPEN_PER_CLIENT {
            let own = requests
                .iter()
                .filter(|(_, r)| r.client == request.client && r.is_open(now) && !r.engaged && !r.in_flight)
                .min_by_key(|(_, r)| (r.expires_at, r.order))
                .map(|(id, _)| id.clone());
            let Some(own) = own else {
                return Err(Full::Client);
            };
            if let Some(gone) = requests.remove(&own) {
                dropped.push(gone.nonce);
            }
        }
        if requests.len() >= MAX_REQUESTS {
            let over = requests
                .iter()
                .filter(|(_, r)| !r.is_open(now) && !r.in_flight)
                .min_by_key(|(_, r)| (r.expires_at, r.order))
                .map(|(id, _)| id.clone());
            let Some(over) = over else {
                return Err(Full::Door);
            };
            requests.remove(&over);
        }
        requests.insert(id, request);
        Ok(dropped)
    }

    /// Notes that a wallet engaged with request `id` (fetched its request object).
    pub fn engage(&self, id: &str) {
        if let Some(request) = self.lock().get_mut(id) {
            request.engaged = true;
        }
    }

    /// The request `id`, if known.
    pub fn get(&self, id: &str) -> Option<DoorRequest> {
        self.lock().get(id).cloned()
    }

    /// The request whose OpenID4VP `state` is `state`, with its id.
    pub fn by_state(&self, state: &str) -> Option<(String, DoorRequest)> {
        self.lock()
            .iter()
            .find(|(_, r)| r.oid4vp.state.as_deref() == Some(state))
            .map(|(id, r)| (id.clone(), r.clone()))
    }

    /// Where request `id` stands at `now`.
    pub fn state(&self, id: &str, now: SystemTime) -> Option<RequestState> {
        let request = self.get(id)?;
        Some(match request.decision {
            Some(decision) => RequestState::Decided { decision },
            None if request.expires_at <= now => RequestState::Expired,
            None => match (request.unavailable, request.refused) {
                (Some(message), _) => RequestState::Unavailable { message },
                (None, Some((decision, refusals))) => RequestState::Refused { decision, refusals },
                (None, None) => RequestState::Pending,
            },
        })
    }

    /// Holds request `id` for one answer.
    pub fn reserve(&self, id: &str) -> Result<Reservation<'_>, Busy> {
        let mut requests = self.lock();
        let request = requests.get_mut(id).ok_or(Busy::Unknown)?;
        if request.decision.is_some() {
            return Err(Busy::Answered);
        }
        if request.in_flight {
            return Err(Busy::Checking);
        }
        request.in_flight = true;
        request.engaged = true;
        Ok(Reservation {
            store: self,
            id: id.to_owned(),
            request: request.clone(),
            open: true,
        })
    }

    /// Notes that an answer to `id` could not be checked.
    pub fn mark_unavailable(&self, id: &str, message: &str) {
        if let Some(request) = self.lock().get_mut(id) {
            request.unavailable = Some(message.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use std::net::Ipv4Addr;

    use super::*;
    use crate::oid4vp::{AuthorizationRequest, DcqlQuery};

    const T0: u64 = 1_800_000_000;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + seconds)
    }

    fn client(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
    }

    fn request(nonce: &str, client: IpAddr, now: SystemTime) -> DoorRequest {
        let query = DcqlQuery::sd_jwt_vc("door", &["https://issuer.example/vct/E"], &[&["name"]]).unwrap();
        DoorRequest {
            nonce: nonce.to_owned(),
            expires_at: now + Duration::from_secs(120),
            oid4vp: AuthorizationRequest::direct_post("https://door.example/oid4vp/response", query).unwrap(),
            decision: None,
            unavailable: None,
            in_flight: false,
            refused: None,
            client,
            engaged: false,
            order: 0,
        }
    }

    /// Finding: 10,050 anonymous creations pushed the kiosk's live request out of the store.
    /// A flood from one address now only ever displaces its own unengaged requests.
    #[test]
    fn a_flood_from_one_client_displaces_only_its_own_requests() {
        let store = RequestStore::default();
        let now = at(0);
        store
            .insert("kiosk".into(), request("n-kiosk", client(1), now), now)
            .unwrap();
        let mut retired = 0;
        for i in 0..(MAX_REQUESTS + 50) {
            let dropped = store
                .insert(format!("flood-{i}"), request(&format!("n-{i}"), client(2), now), now)
                .unwrap();
            retired += dropped.len();
            assert!(dropped.iter().all(|n| n.starts_with("n-") && n != "n-kiosk"));
        }
        assert!(store.get("kiosk").is_some(), "the kiosk's request survives the flood");
        assert_eq!(store.lock().len(), 1 + MAX_OPEN_PER_CLIENT);
        assert_eq!(
            retired,
            MAX_REQUESTS + 50 - MAX_OPEN_PER_CLIENT,
            "every displaced nonce is retired"
        );
    }

    /// A request a wallet engaged with is never displaced, not even by its own client; a
    /// client whose every open request is engaged gets no more.
    #[test]
    fn engaged_requests_stay_and_a_client_full_of_them_is_refused() {
        let store = RequestStore::default();
        let now = at(0);
        for i in 0..MAX_OPEN_PER_CLIENT {
            store
                .insert(format!("r{i}"), request(&format!("n{i}"), client(1), now), now)
                .unwrap();
            store.engage(&format!("r{i}"));
        }
        assert_eq!(
            store.insert("one-more".into(), request("n", client(1), now), now),
            Err(Full::Client)
        );
        assert!((0..MAX_OPEN_PER_CLIENT).all(|i| store.get(&format!("r{i}")).is_some()));
        // Another client is not affected; and once they expire, the client gets room again.
        store.insert("other".into(), request("o", client(2), now), now).unwrap();
        let later = now + Duration::from_secs(120 + KEEP_DECIDED.as_secs() + 1);
        store
            .insert("again".into(), request("a", client(1), later), later)
            .unwrap();
    }

    /// Many clients together can fill the store with live requests: then new requests are
    /// refused (the door is busy), and none of the live ones is dropped; answered and expired
    /// ones make room.
    #[test]
    fn a_store_full_of_live_requests_refuses_new_ones_and_keeps_the_live() {
        let store = RequestStore::default();
        let now = at(0);
        store
            .insert("kiosk".into(), request("n-kiosk", client(0), now), now)
            .unwrap();
        let mut refused = 0;
        for c in 1..=(MAX_REQUESTS / MAX_OPEN_PER_CLIENT + 2) as u32 {
            for i in 0..MAX_OPEN_PER_CLIENT {
                match store.insert(format!("c{c}-{i}"), request(&format!("n{c}-{i}"), client(c), now), now) {
                    Ok(dropped) => assert!(dropped.is_empty()),
                    Err(full) => {
                        assert_eq!(full, Full::Door);
                        refused += 1;
                    }
                }
            }
        }
        assert!(refused > 0);
        assert_eq!(store.lock().len(), MAX_REQUESTS);
        assert!(store.get("kiosk").is_some());
        // An answered request is over: it makes room for one new request.
        let reservation = store.reserve("c1-0").unwrap();
        let allowed = Decision::allowed_for_test();
        assert!(reservation.decide(&allowed));
        store
            .insert("next".into(), request("n-next", client(9_999), now), now)
            .unwrap();
        assert!(store.get("c1-0").is_none() && store.get("kiosk").is_some());
    }
}
