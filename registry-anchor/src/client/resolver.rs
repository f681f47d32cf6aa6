//! [`RegistryResolver`]: did:dojang resolution over HTTP with every proof checked.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use did_core::clock::{Clock, SystemClock};
use did_core::did::Did;
use did_core::resolve::{Resolution, ResolutionError, ResolutionOptions, Resolver};

use super::cache::{Cache, Entry};
use super::{NodeApi, NodeApiError};
use crate::resolution::{ResolutionVerifier, VerificationError, VerifiedResolution, check_consistency};
use crate::tree_head::{SignedTreeHead, TreeHead};

/// How long a verified answer is served without asking a node again (5 minutes).
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// How old (by its tree head's timestamp) a held answer may be and still be served when no
/// node can be reached (7 days).
pub const DEFAULT_OFFLINE_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);

/// How often a head is re-checked when another resolution moved the seen head meanwhile.
const SEEN_RETRIES: usize = 4;

/// Resolves `did:dojang` DIDs from one or more nodes or mirrors, trusting none of them.
pub struct RegistryResolver {
    nodes: Vec<NodeApi>,
    verifier: ResolutionVerifier,
    ttl: Duration,
    offline_grace: Duration,
    max_entries: usize,
    clock: Arc<dyn Clock>,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for RegistryResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryResolver")
            .field("nodes", &self.nodes.iter().map(NodeApi::base).collect::<Vec<_>>())
            .field("log_id", &self.verifier.log_id())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn invalid(error: VerificationError) -> ResolutionError {
    ResolutionError::InvalidProof(error.to_string())
}

/// A node's failure as a resolution error. A node that answers nonsense is lying; one that
/// refuses (a lagging mirror asked for a proof to a size it lacks, an overloaded node) or
/// cannot be reached is unavailable, and the next node is asked.
fn node_error(error: NodeApiError) -> ResolutionError {
    match error {
        e if e.is_not_found() => ResolutionError::NotFound,
        NodeApiError::TooLarge { limit } => ResolutionError::TooLarge { limit },
        NodeApiError::Malformed(why) => invalid(VerificationError::Malformed(why)),
        other => ResolutionError::Transport(other.to_string()),
    }
}

/// The failure to report when every node failed: a failed proof over a denial over anything
/// else over an unreachable node.
#[derive(Default)]
struct Loudest(Option<ResolutionError>);

impl Loudest {
    fn rank(error: &ResolutionError) -> u8 {
        match error {
            ResolutionError::InvalidProof(_) => 3,
            ResolutionError::NotFound => 2,
            ResolutionError::Transport(_) => 0,
            _ => 1,
        }
    }

    fn note(&mut self, error: ResolutionError) {
        if self.0.as_ref().is_none_or(|held| Self::rank(&error) > Self::rank(held)) {
            self.0 = Some(error);
        }
    }

    fn into_error(self) -> ResolutionError {
        self.0
            .unwrap_or_else(|| ResolutionError::Transport("no registry node configured".into()))
    }
}

impl RegistryResolver {
    /// A resolver asking `nodes` (base URLs, tried in order) and checking answers with
    /// `verifier`. Caches verified answers for [`DEFAULT_TTL`], up to 100,000 DIDs.
    ///
    /// With no node it resolves only from what [`import_snapshot`](Self::import_snapshot)
    /// gave it (a door without network).
    pub fn new<I, S>(nodes: I, verifier: ResolutionVerifier) -> Result<RegistryResolver, ResolutionError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RegistryResolver::trusting(nodes, verifier, &did_core::http::TrustAnchors::platform())
    }

    /// [`RegistryResolver::new`], reaching the nodes trusting `anchors` for HTTPS instead of
    /// the platform's verifier.
    pub fn trusting<I, S>(
        nodes: I,
        verifier: ResolutionVerifier,
        anchors: &did_core::http::TrustAnchors,
    ) -> Result<RegistryResolver, ResolutionError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let nodes = nodes
            .into_iter()
            .map(|node| NodeApi::trusting(&node.into(), anchors).map_err(node_error))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RegistryResolver {
            nodes,
            verifier,
            ttl: DEFAULT_TTL,
            offline_grace: DEFAULT_OFFLINE_GRACE,
            max_entries: 100_000,
            clock: Arc::new(SystemClock),
            cache: Mutex::new(Cache::default()),
        })
    }

    /// Serves a verified answer for `ttl` before asking again (zero: always ask).
    pub fn with_ttl(mut self, ttl: Duration) -> RegistryResolver {
        self.ttl = ttl;
        self
    }

    /// When no node answers, serves a held answer whose tree head is at most this old.
    pub fn with_offline_grace(mut self, grace: Duration) -> RegistryResolver {
        self.offline_grace = grace;
        self
    }

    /// Holds at most this many DIDs' answers (the oldest fetch is dropped first).
    pub fn with_max_entries(mut self, max_entries: usize) -> RegistryResolver {
        self.max_entries = max_entries.max(1);
        self
    }

    /// Uses `clock` instead of the system clock (tests, replays).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> RegistryResolver {
        self.clock = clock;
        self
    }

    /// What answers are checked against.
    pub fn verifier(&self) -> &ResolutionVerifier {
        &self.verifier
    }

    /// The largest tree head accepted from a node so far.
    pub fn seen_tree_head(&self) -> Option<TreeHead> {
        self.lock().seen.clone()
    }

    /// How many DIDs' verified answers are held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no answer is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Cache> {
        // The cache holds only verified values; a panic elsewhere cannot leave it half-written.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub(super) fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Resolves `did` to its verified answer: from the cache when fresh (unless `no_cache`),
    /// else from the first node whose answer proves itself. When every node is unreachable, a
    /// held answer within the offline grace is served.
    pub async fn resolve_verified(&self, did: &str, no_cache: bool) -> Result<VerifiedResolution, ResolutionError> {
        let now = self.now();
        if !no_cache && let Some(entry) = self.lock().entries.get(did) {
            let age = now.duration_since(entry.fetched).unwrap_or_default();
            if age < self.ttl {
                return Ok(entry.verified.clone());
            }
        }
        let mut failure = Loudest::default();
        for node in &self.nodes {
            match self.fetch(node, did).await {
                Ok(verified) => {
                    let entry = Entry {
                        fetched: now,
                        verified: verified.clone(),
                    };
                    self.lock().keep(did, entry, self.max_entries);
                    return Ok(verified);
                }
                Err(e) => failure.note(e),
            }
        }
        let failure = failure.into_error();
        let held = self.lock().entries.get(did).cloned();
        match (failure, held) {
            (ResolutionError::Transport(why), Some(entry)) => {
                let head_time = UNIX_EPOCH + Duration::from_millis(entry.verified.tree_head().head().timestamp_ms);
                if now.duration_since(head_time).unwrap_or_default() <= self.offline_grace {
                    Ok(entry.verified)
                } else {
                    Err(ResolutionError::Transport(format!(
                        "{why}; the held answer is older than the offline grace"
                    )))
                }
            }
            (ResolutionError::NotFound, Some(entry)) => Err(ResolutionError::InvalidProof(format!(
                "every node that answered denies a DID proven to be in the log at size {}",
                entry.size()
            ))),
            (failure, _) => Err(failure),
        }
    }

    /// Fetches and checks the latest tree head of the first node that answers, demanding
    /// consistency with the head seen before. This is how a door notices a forked log even
    /// when its DIDs did not change.
    pub async fn latest_tree_head(&self) -> Result<SignedTreeHead, ResolutionError> {
        let mut failure = Loudest::default();
        for node in &self.nodes {
            match self.fetch_tree_head(node).await {
                Ok(head) => return Ok(head),
                Err(e) => failure.note(e),
            }
        }
        Err(failure.into_error())
    }

    async fn fetch_tree_head(&self, node: &NodeApi) -> Result<SignedTreeHead, ResolutionError> {
        let view = node.tree_head().await.map_err(node_error)?;
        let head = self.verifier.verify_tree_head_view(&view).map_err(invalid)?;
        self.accept_head(node, head.head()).await?;
        Ok(head)
    }

    async fn fetch(&self, node: &NodeApi, did: &str) -> Result<VerifiedResolution, ResolutionError> {
        let body = node.resolution(did).await.map_err(node_error)?;
        let verified = self.verifier.verify_json(did, &body).map_err(invalid)?;
        self.accept_head(node, verified.tree_head().head()).await?;
        Ok(verified)
    }

    /// Accepts `head` from `node` only if it and the largest head seen so far are consistent
    /// (one extends the other, proven by the node), then remembers the larger.
    async fn accept_head(&self, node: &NodeApi, head: &TreeHead) -> Result<(), ResolutionError> {
        for _ in 0..SEEN_RETRIES {
            let seen = self.lock().seen.clone();
            let Some(seen) = seen else {
                let mut cache = self.lock();
                if cache.seen.is_none() {
                    cache.seen = Some(head.clone());
                    return Ok(());
                }
                continue;
            };
            if seen.size == head.size {
                if seen.root_hash == head.root_hash {
                    return Ok(());
                }
                return Err(invalid(VerificationError::Inconsistent {
                    seen_size: seen.size,
                    reason: "two different roots for the same size: the log was forked".into(),
                }));
            }
            let (old, new) = if head.size > seen.size {
                (&seen, head)
            } else {
                (head, &seen)
            };
            let proof = node.consistency(old.size, new.size).await.map_err(node_error)?;
            check_consistency(old, new, &proof).map_err(invalid)?;
            let mut cache = self.lock();
            match &cache.seen {
                Some(current) if current == &seen => {
                    if head.size > seen.size {
                        cache.seen = Some(head.clone());
                    }
                    return Ok(());
                }
                // Another resolution moved the seen head meanwhile: check against that one.
                _ => continue,
            }
        }
        Err(ResolutionError::Transport(
            "the seen tree head kept moving; try again".into(),
        ))
    }
}

#[async_trait]
impl Resolver for RegistryResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        if did.method() != "dojang" {
            return Err(ResolutionError::MethodNotSupported(did.method().to_owned()));
        }
        options.representation()?;
        let verified = self.resolve_verified(did.as_str(), options.no_cache).await?;
        verified.to_resolution(options)
    }
}
