//! An in-process did:dojang registry node on 127.0.0.1 with one issuer DID registered.

use std::sync::Arc;

use did_core::key::{KeyType, SigningKey, VerifyingKey};
use registry_anchor::client::RegistryResolver;
use registry_anchor::node::{NodeConfig, Registry, router};
use registry_anchor::operation::{self, KeyCommitment};
use registry_anchor::resolution::ResolutionVerifier;
use serde_json::{Value, json};

/// A registry node with one issuer DID, served on 127.0.0.1 from a background runtime
/// (dropping the runtime stops the node).
pub struct Node {
    pub rt: tokio::runtime::Runtime,
    pub url: String,
    pub operator: VerifyingKey,
    pub operator_did: String,
    pub did: String,
    pub issuer_key: SigningKey,
}

impl Node {
    /// Starts a node in a fresh folder named after `name`, and registers an issuer DID whose
    /// `#key-1` is a new `key_type` key.
    pub fn start(name: &str, key_type: KeyType) -> Node {
        let dir = std::env::temp_dir().join(format!("dojang-bundle-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let operator = SigningKey::generate(KeyType::P256).unwrap();
        let operator_vk = operator.verifying_key().clone();
        let operator_did = format!("did:key:{}", operator_vk.to_multikey());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let issuer_key = SigningKey::generate(key_type).unwrap();
        let (url, did) = rt.block_on(async {
            let config = NodeConfig::new(dir.join("log.redb"), operator_did.clone(), operator);
            let registry = Arc::new(Registry::open(config).unwrap());
            let next = SigningKey::generate(KeyType::Ed25519).unwrap();
            let document = json!({
                "verificationMethod": [{"id": "#key-1", "type": "Multikey", "publicKeyMultibase": issuer_key.verifying_key().to_multikey()}],
                "assertionMethod": ["#key-1"],
            });
            let Value::Object(document) = document else { unreachable!() };
            let receipt = registry
                .submit(operation::create(&issuer_key, KeyCommitment::of(next.verifying_key()), document).unwrap())
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, router(registry)).await });
            (url, receipt.did)
        });
        Node {
            rt,
            url,
            operator: operator_vk,
            operator_did,
            did,
            issuer_key,
        }
    }

    /// Checks answers against this node's operator key.
    pub fn verifier(&self) -> ResolutionVerifier {
        ResolutionVerifier::new(self.operator.clone(), self.operator_did.clone())
    }

    /// A client of this node.
    pub fn resolver(&self) -> Arc<RegistryResolver> {
        Arc::new(RegistryResolver::new([self.url.clone()], self.verifier()).unwrap())
    }
}
