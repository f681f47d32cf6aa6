//! The issuer's key rotation as the rest of the province sees it (issue 26): an issuer (with a
//! did:dojang DID on the registry node; with a did:web DID on HTTPS under a test CA) rotates its
//! key while a wallet (the bindings) holds a credential signed with the old one. The wallet receives a new credential under the new key;
//! a door deciding offline from a trust bundle built after the rotation, through the bindings'
//! `DoorVerifier`, opens for both; after the old key is retired, a bundle built then refuses
//! the old credential (its key is no longer the issuer's) and still opens for the new one.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::issuer::Issuer;
use common::registry::Registries;
use did_core::http::TrustAnchors;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, Resolver};
use did_core::status::{HttpStatusListSource, StatusListSource};
use dojang::{Credential, DoorConfig, DoorVerifier, Wallet, WalletConfig};
use registry_anchor::client::RegistryResolver;
use serde_json::{Value, json};
use verifier::bundle::BundleBuilder;

const EMPLOYEE: &str = "EmployeeIdCredential";

fn claims(number: &str) -> Value {
    json!({
        "employee_number": number,
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gangwon Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main"]
    })
}

/// The kid of the credential's issuer JWT, and its status list's URL.
async fn kid_and_status_list(wallet: &Wallet, credential: &Credential) -> (String, String) {
    let presented = wallet
        .present(credential.id.clone(), "x".into(), "y".into(), vec![])
        .await
        .unwrap();
    let jwt = presented.split('~').next().unwrap();
    let part = |i: usize| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(i).unwrap()).unwrap()).unwrap()
    };
    (
        part(0)["kid"].as_str().unwrap().to_owned(),
        part(1)["status"]["status_list"]["uri"].as_str().unwrap().to_owned(),
    )
}

/// How a bundle builder reaches the issuer's DID and status lists, and what the door then
/// checks did:dojang answers against.
struct Reach {
    resolver: Arc<dyn Resolver>,
    status: Arc<dyn StatusListSource>,
    registry: Option<(Arc<RegistryResolver>, dojang::RegistryConfig)>,
}

impl Reach {
    /// A did:dojang issuer's: the registry node itself (the mirror may trail it by a round),
    /// with nothing cached; status lists over plain HTTP on 127.0.0.1.
    fn registry(registries: &Registries) -> Reach {
        let registry = Arc::new(
            RegistryResolver::new([registries.node.url.clone()], registries.verifier())
                .unwrap()
                .with_ttl(Duration::ZERO),
        );
        Reach {
            resolver: Arc::new(CompositeResolver::with_default_methods()),
            status: Arc::new(HttpStatusListSource::danger_plain_http_for_testing().unwrap()),
            registry: Some((registry, registries.wallet_registry())),
        }
    }

    /// A did:web issuer's on HTTPS under a CA `anchors` holds.
    fn https(anchors: &TrustAnchors) -> Reach {
        Reach {
            resolver: Arc::new(CompositeResolver::with_default_methods_trusting(anchors).unwrap()),
            status: Arc::new(HttpStatusListSource::trusting(anchors).unwrap()),
            registry: None,
        }
    }
}

/// A door on the bindings, deciding offline from a trust bundle built now (the issuer's DID
/// document as it is now, and the status lists).
async fn door_with_fresh_bundle(reach: &Reach, vct: &str, did: &str, lists: &[String]) -> Arc<DoorVerifier> {
    let operator = Arc::new(SigningKey::generate(KeyType::P256).unwrap());
    let mut builder = BundleBuilder::new(operator.clone(), reach.resolver.clone(), reach.status.clone())
        .issuer(vct.to_owned(), did.to_owned());
    if let Some((registry, _)) = &reach.registry {
        builder = builder.registry(registry.clone());
    }
    for list in lists {
        builder = builder.status_list(list.clone());
    }
    let bundle = builder.build().await.unwrap();
    let policy = format!(
        "door = \"rotation\"\naudience = \"https://door.example/rotation\"\n\
         [[accept]]\ntype = \"{vct}\"\nissuers = [\"{did}\"]\n\
         claims = [{{ path = \"department\", in = [\"Digital Policy\"] }}]\n"
    );
    let operator_key = format!("did:key:{}", operator.verifying_key().to_multikey());
    DoorVerifier::new(
        policy,
        bundle,
        operator_key,
        DoorConfig {
            registry: reach.registry.as_ref().map(|(_, config)| config.clone()),
            online: false,
            trust_anchors: Vec::new(),
        },
    )
    .unwrap()
}

/// The holder shows the credential's QR code to the door; its decision's reason codes.
async fn present(door: &DoorVerifier, wallet: &Wallet, credential: &Credential) -> (bool, Vec<String>) {
    let challenge = door.challenge().unwrap();
    let qr = wallet
        .door_presentation(credential.id.clone(), challenge.qr_text, vec!["/department".into()])
        .await
        .unwrap();
    let decision = door.verify(qr).await.unwrap();
    (
        decision.allowed,
        decision.reasons.iter().map(|r| r.code.clone()).collect(),
    )
}

/// What the scenario needs of an issuer: its admin API, DID and credential type.
trait RotatingIssuer {
    async fn admin(&self, method: reqwest::Method, path: &str) -> (u16, Value);
    async fn offer(&self, number: &str) -> (String, String);
    fn did(&self) -> String;
    fn vct(&self) -> String;
}

impl RotatingIssuer for Issuer {
    async fn admin(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        Issuer::admin(self, method, path, None).await
    }
    async fn offer(&self, number: &str) -> (String, String) {
        Issuer::offer(self, EMPLOYEE, claims(number)).await
    }
    fn did(&self) -> String {
        self.did.clone()
    }
    fn vct(&self) -> String {
        Issuer::vct(self, EMPLOYEE)
    }
}

/// The scenario: an old credential in the wallet, a rotation, a new credential; an offline
/// door on a fresh bundle allows both; after the forced retirement a fresh bundle denies the
/// old one (its key is no longer the issuer's) and allows the new one.
async fn rotation_reaches_the_wallet_and_offline_doors(issuer: &impl RotatingIssuer, wallet: &Wallet, reach: &Reach) {
    let did = issuer.did();
    let (offer, pin) = issuer.offer("E-0001").await;
    let old = wallet.receive_credential(offer, Some(pin)).await.unwrap();
    // A second apart, each credential is counted for one key (issue times are to the second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, rotated) = issuer.admin(reqwest::Method::POST, "/admin/keys/rotate").await;
    assert_eq!(status, 200, "{rotated}");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The wallet checks the new credential through the issuer's new document.
    let (offer, pin) = issuer.offer("E-0002").await;
    let new = wallet.receive_credential(offer, Some(pin)).await.unwrap();
    let (old_kid, old_list) = kid_and_status_list(wallet, &old).await;
    let (new_kid, new_list) = kid_and_status_list(wallet, &new).await;
    assert_eq!(old_kid, format!("{did}#key-1"));
    assert_eq!(new_kid, format!("{did}#key-2"));
    let lists = if old_list == new_list {
        vec![old_list]
    } else {
        vec![old_list, new_list]
    };

    // An offline door with a bundle made after the rotation opens for both.
    let door = door_with_fresh_bundle(reach, &issuer.vct(), &did, &lists).await;
    assert_eq!(present(&door, wallet, &old).await, (true, vec!["ALLOWED".to_owned()]));
    assert_eq!(present(&door, wallet, &new).await, (true, vec!["ALLOWED".to_owned()]));

    // Retired (forced: the old credential is live), the old key leaves the document: a bundle
    // made then refuses the old credential, naming why, and opens for the new one.
    let (status, retired) = issuer.admin(reqwest::Method::POST, "/admin/keys/key-1/retire").await;
    assert_eq!(status, 409, "one live credential needs key-1: {retired}");
    let (status, retired) = issuer
        .admin(reqwest::Method::POST, "/admin/keys/key-1/retire?force=true")
        .await;
    assert_eq!(status, 200, "{retired}");
    let door = door_with_fresh_bundle(reach, &issuer.vct(), &did, &lists).await;
    assert_eq!(
        present(&door, wallet, &old).await,
        (false, vec!["ISSUER_KEY_UNRESOLVED".to_owned()]),
        "the retired key's credential"
    );
    assert_eq!(present(&door, wallet, &new).await, (true, vec!["ALLOWED".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_dojang_issuers_rotation_reaches_wallets_and_offline_doors() {
    let dir = common::scratch("key-rotation");
    let registries = Registries::start(&dir).await;
    let issuer = Issuer::start(&dir, &registries).await;
    let wallet = Wallet::create(
        None,
        WalletConfig {
            registry: Some(registries.wallet_registry()),
            allow_loopback_http: true,
            trust_anchors: Vec::new(),
        },
    )
    .unwrap();
    rotation_reaches_the_wallet_and_offline_doors(&issuer, &wallet, &Reach::registry(&registries)).await;
    issuer.running.stop().await.unwrap();
    registries.node.stop().await;
    registries.mirror.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A did:web issuer on HTTPS under a test CA (did:web is resolved over HTTPS only).
struct WebIssuer {
    running: vc_issuer::server::Running,
    admin: String,
    http: reqwest::Client,
}

impl RotatingIssuer for WebIssuer {
    async fn admin(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.running.url()))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
    async fn offer(&self, number: &str) -> (String, String) {
        let response = self
            .http
            .post(format!("{}/admin/offers", self.running.url()))
            .bearer_auth(&self.admin)
            .json(&json!({"type": EMPLOYEE, "claims": claims(number)}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let offer: Value = response.json().await.unwrap();
        (
            offer["offer_url"].as_str().unwrap().to_owned(),
            offer["tx_code"].as_str().unwrap().to_owned(),
        )
    }
    fn did(&self) -> String {
        self.running.state.issuer.did.clone()
    }
    fn vct(&self) -> String {
        format!("{}/vct/{EMPLOYEE}", self.running.url())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_web_issuers_rotation_reaches_wallets_and_offline_doors_over_https() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let dir = common::scratch("key-rotation-web");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "Rotation Test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let authority = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let server = params.signed_by(&key, &authority).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    let ca = authority.der().to_vec();

    let mut config = vc_issuer::config::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.join("issuer"),
        tls: Some(vc_issuer::config::TlsConfig {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            ..Default::default()
        }),
        ..Default::default()
    };
    config.did.method = vc_issuer::config::DidMethod::Web;
    let running = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
    let issuer = WebIssuer {
        admin: running.admin_token.as_ref().unwrap().to_string(),
        running,
        http: reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_der(&ca).unwrap()])
            .build()
            .unwrap(),
    };
    assert!(issuer.did().starts_with("did:web:127.0.0.1%3A"), "{}", issuer.did());
    // The wallet trusts the deployment's CA, as an app passes its trust anchors.
    let wallet = Wallet::create(
        None,
        WalletConfig {
            registry: None,
            allow_loopback_http: false,
            trust_anchors: vec![ca.clone()],
        },
    )
    .unwrap();
    let anchors = TrustAnchors::only([ca]).unwrap();
    rotation_reaches_the_wallet_and_offline_doors(&issuer, &wallet, &Reach::https(&anchors)).await;
    issuer.running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
