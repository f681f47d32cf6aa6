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
            None => match request.unavailable {
                Some(message) => RequestState::Unavailable { message },
                None => RequestState::Pending,
            },
        })
    }

    /// Records the decision for `id` unless one is already there; returns whether it did.
    pub fn decide(&self, id: &str, decision: &Decision) -> bool {
        match self.lock().get_mut(id) {
            Some(request) if request.decision.is_none() => {
                request.decision = Some(decision.clone());
                true
            }
            _ => false,
        }
    }

    /// Notes that an answer to `id` could not be checked.
    pub fn mark_unavailable(&self, id: &str, message: &str) {
        if let Some(request) = self.lock().get_mut(id) {
            request.unavailable = Some(message.to_owned());
        }
    }
}
