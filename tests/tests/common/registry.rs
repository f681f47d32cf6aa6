//! A did:dojang registry node and a mirror following it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use did_core::key::{KeyType, SigningKey};
use registry_anchor::client::RegistryResolver;
use registry_anchor::node::{Mirror, MirrorConfig, NodeConfig, Registry, router};
use registry_anchor::resolution::ResolutionVerifier;
use tokio::task::JoinHandle;

/// A node (or mirror) serving on 127.0.0.1 until stopped.
pub struct Served {
    pub url: String,
    task: JoinHandle<()>,
    follower: Option<JoinHandle<()>>,
}

impl Served {
    /// Stops serving (the port refuses connections from then on).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        if let Some(follower) = self.follower {
            follower.abort();
            let _ = follower.await;
        }
    }
}

async fn serve(registry: Arc<Registry>) -> (String, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router(registry)).await;
    });
    (url, task)
}

/// The province's registry: its node, the operator key verifiers trust, and a mirror.
pub struct Registries {
    pub node: Served,
    pub mirror: Served,
    /// The operator's did:key (also the log id).
    pub operator: String,
}

impl Registries {
    pub async fn start(dir: &Path) -> Registries {
        let operator_key = SigningKey::generate(KeyType::P256).unwrap();
        let operator = format!("did:key:{}", operator_key.verifying_key().to_multikey());
        let verifier = ResolutionVerifier::new(operator_key.verifying_key().clone(), operator.clone());
        let registry = Registry::open(NodeConfig::new(dir.join("node.redb"), operator.clone(), operator_key)).unwrap();
        let (node_url, node_task) = serve(Arc::new(registry)).await;
        let mirror = Mirror::open(MirrorConfig {
            store_path: dir.join("mirror.redb"),
            upstream: node_url.clone(),
            verifier,
            page: 1000,
        })
        .unwrap();
        let (mirror_url, mirror_task) = serve(mirror.registry()).await;
        let follower = tokio::spawn(async move {
            let forked = mirror.follow(Duration::from_millis(100), |_| {}).await;
            panic!("the mirror stopped: {forked}");
        });
        Registries {
            node: Served {
                url: node_url,
                task: node_task,
                follower: None,
            },
            mirror: Served {
                url: mirror_url,
                task: mirror_task,
                follower: Some(follower),
            },
            operator,
        }
    }

    /// What a verifier trusts the registry's answers by.
    pub fn verifier(&self) -> ResolutionVerifier {
        let key = registry_anchor::resolution::parse_registry_key(&self.operator).unwrap();
        ResolutionVerifier::new(key, self.operator.clone())
    }

    /// A did:dojang resolver asking the mirror, checking every proof.
    pub fn mirror_resolver(&self) -> Arc<RegistryResolver> {
        Arc::new(RegistryResolver::new([self.mirror.url.clone()], self.verifier()).unwrap())
    }

    /// The config a wallet uses: registering at the node.
    pub fn wallet_registry(&self) -> dojang::RegistryConfig {
        dojang::RegistryConfig {
            url: self.node.url.clone(),
            operator_key: self.operator.clone(),
            log_id: None,
        }
    }
}
