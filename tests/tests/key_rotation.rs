//! The issuer's key rotation as the rest of the province sees it (issue 26): an issuer with a
//! did:dojang DID on the registry node rotates its key while a wallet (the bindings) holds a
//! credential signed with the old one. The wallet receives a new credential under the new key;
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
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
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

/// A door on the bindings, deciding from a trust bundle built now (the issuer's DID document
/// as the registry node has it, and the status lists).
async fn door_with_fresh_bundle(registries: &Registries, issuer: &Issuer, lists: &[String]) -> Arc<DoorVerifier> {
    let operator = Arc::new(SigningKey::generate(KeyType::P256).unwrap());
    // The node itself (the mirror may trail it by a round), with nothing cached.
    let registry = Arc::new(
        RegistryResolver::new([registries.node.url.clone()], registries.verifier())
            .unwrap()
            .with_ttl(Duration::ZERO),
    );
    let mut builder = BundleBuilder::new(
        operator.clone(),
        Arc::new(CompositeResolver::with_default_methods()),
        Arc::new(HttpStatusListSource::danger_plain_http_for_testing().unwrap()),
    )
    .registry(registry)
    .issuer(issuer.vct(EMPLOYEE), issuer.did.clone());
    for list in lists {
        builder = builder.status_list(list.clone());
    }
    let bundle = builder.build().await.unwrap();
    let policy = format!(
        "door = \"rotation\"\naudience = \"https://door.example/rotation\"\n\
         [[accept]]\ntype = \"{}\"\nissuers = [\"{}\"]\n\
         claims = [{{ path = \"department\", in = [\"Digital Policy\"] }}]\n",
        issuer.vct(EMPLOYEE),
        issuer.did
    );
    let operator_key = format!("did:key:{}", operator.verifying_key().to_multikey());
    DoorVerifier::new(
        policy,
        bundle,
        operator_key,
        DoorConfig {
            registry: Some(registries.wallet_registry()),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_issuer_key_reaches_wallets_and_offline_doors_and_retiring_it_stops_its_credentials() {
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

    let (offer, pin) = issuer.offer(EMPLOYEE, claims("E-0001")).await;
    let old = wallet.receive_credential(offer, Some(pin)).await.unwrap();
    // A second apart, each credential is counted for one key (issue times are to the second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, rotated) = issuer.admin(reqwest::Method::POST, "/admin/keys/rotate", None).await;
    assert_eq!(status, 200, "{rotated}");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The wallet checks the new credential through the issuer's new document.
    let (offer, pin) = issuer.offer(EMPLOYEE, claims("E-0002")).await;
    let new = wallet.receive_credential(offer, Some(pin)).await.unwrap();
    let (old_kid, old_list) = kid_and_status_list(&wallet, &old).await;
    let (new_kid, new_list) = kid_and_status_list(&wallet, &new).await;
    assert_eq!(old_kid, format!("{}#key-1", issuer.did));
    assert_eq!(new_kid, format!("{}#key-2", issuer.did));
    let lists = if old_list == new_list {
        vec![old_list]
    } else {
        vec![old_list, new_list]
    };

    // An offline door with a bundle made after the rotation opens for both.
    let door = door_with_fresh_bundle(&registries, &issuer, &lists).await;
    assert_eq!(present(&door, &wallet, &old).await, (true, vec!["ALLOWED".to_owned()]));
    assert_eq!(present(&door, &wallet, &new).await, (true, vec!["ALLOWED".to_owned()]));

    // Retired (forced: the old credential is live), the old key leaves the document: a bundle
    // made then refuses the old credential, naming why, and opens for the new one.
    let (status, retired) = issuer
        .admin(reqwest::Method::POST, "/admin/keys/key-1/retire", None)
        .await;
    assert_eq!(status, 409, "one live credential needs key-1: {retired}");
    let (status, retired) = issuer
        .admin(reqwest::Method::POST, "/admin/keys/key-1/retire?force=true", None)
        .await;
    assert_eq!(status, 200, "{retired}");
    let door = door_with_fresh_bundle(&registries, &issuer, &lists).await;
    assert_eq!(
        present(&door, &wallet, &old).await,
        (false, vec!["ISSUER_KEY_UNRESOLVED".to_owned()]),
        "the retired key's credential"
    );
    assert_eq!(present(&door, &wallet, &new).await, (true, vec!["ALLOWED".to_owned()]));

    issuer.running.stop().await.unwrap();
    registries.node.stop().await;
    registries.mirror.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
