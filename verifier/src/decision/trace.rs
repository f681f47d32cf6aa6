//! Resolver and status-list wrappers that try the network first and the trust bundle second,
//! and remember which answered: the engine needs to know whether a decision rests on offline
//! data (then staleness rules apply) or on nothing at all (then it cannot decide).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use did_core::did::{Did, DidUrl};
use did_core::document::Relationship;
use did_core::key::VerifyingKey;
use did_core::resolve::{Resolution, ResolutionError, ResolutionOptions, Resolver};
use did_core::status::{StatusError, StatusListSource};

/// What the wrappers saw during one decision.
#[derive(Debug, Default)]
pub(super) struct Trace {
    /// DIDs answered from offline data.
    pub offline_dids: Vec<String>,
    /// DIDs nobody could answer because the network failed.
    pub unreachable_dids: Vec<String>,
    /// Status lists answered from offline data.
    pub offline_lists: Vec<String>,
    /// Status lists nobody could answer.
    pub unreachable_lists: Vec<String>,
}

pub(super) type SharedTrace = Arc<Mutex<Trace>>;

fn record(trace: &SharedTrace, f: impl FnOnce(&mut Trace)) {
    f(&mut trace.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
}

/// Network first (when there is a network resolver), bundle second.
pub(super) struct TracingResolver {
    pub online: Option<Arc<dyn Resolver>>,
    pub offline: Option<Arc<dyn Resolver>>,
    pub trace: SharedTrace,
}

fn no_network() -> ResolutionError {
    ResolutionError::Transport("no network resolver".into())
}

impl TracingResolver {
    /// Settles a lookup the network could not answer (`first`) with the bundle's answer.
    fn settle<T>(
        &self,
        did: &str,
        first: ResolutionError,
        second: Option<Result<T, ResolutionError>>,
    ) -> Result<T, ResolutionError> {
        match second {
            Some(Ok(answer)) => {
                record(&self.trace, |t| t.offline_dids.push(did.to_owned()));
                Ok(answer)
            }
            Some(Err(other))
                if !matches!(
                    other,
                    ResolutionError::NotFound | ResolutionError::MethodNotSupported(_) | ResolutionError::Transport(_)
                ) =>
            {
                Err(other)
            }
            _ => {
                record(&self.trace, |t| t.unreachable_dids.push(did.to_owned()));
                Err(first)
            }
        }
    }
}

#[async_trait]
impl Resolver for TracingResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let first = match &self.online {
            Some(resolver) => match resolver.resolve(did, options).await {
                Err(ResolutionError::Transport(e)) => ResolutionError::Transport(e),
                done => return done,
            },
            None => no_network(),
        };
        let second = match &self.offline {
            Some(resolver) => Some(resolver.resolve(did, options).await),
            None => None,
        };
        self.settle(did.as_str(), first, second)
    }

    async fn resolve_verifying_key(
        &self,
        method: &DidUrl,
        relationship: Relationship,
    ) -> Result<VerifyingKey, ResolutionError> {
        let first = match &self.online {
            Some(resolver) => match resolver.resolve_verifying_key(method, relationship).await {
                Err(ResolutionError::Transport(e)) => ResolutionError::Transport(e),
                done => return done,
            },
            None => no_network(),
        };
        let second = match &self.offline {
            Some(resolver) => Some(resolver.resolve_verifying_key(method, relationship).await),
            None => None,
        };
        self.settle(method.did().as_str(), first, second)
    }
}

/// Network first (when there is a network source), bundle second.
pub(super) struct TracingStatusSource {
    pub online: Option<Arc<dyn StatusListSource>>,
    pub offline: Option<Arc<dyn StatusListSource>>,
    pub trace: SharedTrace,
}

#[async_trait]
impl StatusListSource for TracingStatusSource {
    async fn fetch(&self, url: &str) -> Result<Arc<[u8]>, StatusError> {
        let first = match &self.online {
            Some(source) => match source.fetch(url).await {
                Ok(bytes) => return Ok(bytes),
                Err(e) => e,
            },
            None => StatusError::Retrieval("no network status source".into()),
        };
        if let Some(source) = &self.offline
            && let Ok(bytes) = source.fetch(url).await
        {
            record(&self.trace, |t| t.offline_lists.push(url.to_owned()));
            return Ok(bytes);
        }
        record(&self.trace, |t| t.unreachable_lists.push(url.to_owned()));
        Err(first)
    }
}
