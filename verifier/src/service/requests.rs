//! The door's open requests: each holds the nonce it showed and, once answered, its decision.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::decision::Decision;

/// How many requests the door keeps at most (answered and open); older ones are dropped first.
pub const MAX_REQUESTS: usize = 10_000;

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
        let closes = decision.holder_proved;
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
}

impl RequestStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DoorRequest>> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a request under `id`, first dropping expired ones when the store is full.
    pub fn insert(&self, id: String, request: DoorRequest, now: SystemTime) {
        let mut requests = self.lock();
        if requests.len() >= MAX_REQUESTS {
            requests.retain(|_, r| r.expires_at + KEEP_DECIDED > now);
        }
        if requests.len() >= MAX_REQUESTS
            && let Some(oldest) = requests
                .iter()
                .min_by_key(|(_, r)| r.expires_at)
                .map(|(id, _)| id.clone())
        {
            requests.remove(&oldest);
        }
        requests.insert(id, request);
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
