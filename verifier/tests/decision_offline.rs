//! A door deciding from a signed trust bundle alone: the issuer is a did:dojang DID whose
//! document and registry proofs, trusted-issuer entry and status list all come from the bundle,
//! built while the registry node ran and used after it stopped.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use did_core::clock::FixedClock;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::CompositeResolver;
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken};
use support::registry::Node;
use support::*;
use verifier::bundle::{BundleBuilder, TrustBundle};
use verifier::decision::{Engine, OfflineTrust};
use verifier::reason::ReasonCode;

#[test]
fn a_door_decides_offline_from_its_bundle() {
    let node = Node::start("offline-door", KeyType::P256);
    let kid = format!("{}#key-1", node.did);
    let world = World::new();
    // The world's clock to the node's time, so the registry's tree head is fresh.
    let real_now = SystemTime::now();
    world
        .clock
        .advance(real_now.duration_since(world.now()).unwrap_or_default());
    let now = world.now();

    let mut claims = world.claims();
    claims["iss"] = node.did.clone().into();
    let issued = world.issue_with(&claims, &node.issuer_key, &kid);
    let iat = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let list = StatusListToken::new(LIST_URL, iat, StatusListClaim::from_list(&world.statuses).unwrap())
        .unwrap()
        .sign(&node.issuer_key, Some(&kid))
        .unwrap();
    let operator = Arc::new(SigningKey::generate(KeyType::P256).unwrap());
    let bundle = node
        .rt
        .block_on(
            BundleBuilder::new(
                operator.clone(),
                Arc::new(CompositeResolver::with_default_methods()),
                Arc::new(MemoryStatusListSource::new().with(LIST_URL, list)),
            )
            .issuer(VCT, node.did.clone())
            .status_list(LIST_URL)
            .registry(node.resolver())
            .valid_for(Duration::from_secs(24 * 3600))
            .clock(Arc::new(FixedClock::new(now)))
            .build(),
        )
        .unwrap();
    let registry = node.verifier();
    drop(node.rt); // the registry is gone

    let loaded = TrustBundle::load(bundle.as_bytes(), operator.verifying_key(), Some(&registry)).unwrap();
    let engine = Engine::offline(OfflineTrust::from_bundle(&loaded));
    let mut policy = world.policy();
    policy.accept[0].issuers.clear(); // trusted through the bundle
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let decide = |policy: &verifier::policy::Policy| {
        let nonce = engine.issue_nonce(policy, &world.clock);
        rt.block_on(engine.verify(&world.present(&issued, &nonce), policy, &world.clock))
            .unwrap()
    };

    let decision = decide(&policy);
    assert!(decision.allowed(), "{decision:?}");
    assert_eq!(decision.issuer(), Some(node.did.as_str()));

    // The registry data is older than this door accepts.
    world.clock.advance(Duration::from_secs(2));
    let mut strict = policy.clone();
    strict.max_registry_age_seconds = 1;
    assert_eq!(decide(&strict).codes(), [ReasonCode::RegistryStale]);

    // A day later the bundle has expired: the policy denies.
    world.clock.advance(Duration::from_secs(24 * 3600));
    let codes = decide(&policy).codes();
    assert!(codes.contains(&ReasonCode::BundleStale), "{codes:?}");
}
