//! The province, end to end, on 127.0.0.1: a did:dojang registry node and a mirror, its tree
//! head anchored to a local EVM chain; the issuer service (SQLite) with its DID on that
//! registry; 5,000 employees offered credentials by `vc-issuer bulk-issue`; phone wallets
//! (the bindings' Rust API) registering did:dojang DIDs and redeeming offers over OpenID4VCI;
//! a door deciding online through the mirror, then offline from its signed trust bundle once
//! the network is cut, until the bundle expires.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::TestClock;
use common::chain::Chain;
use common::issuer::Issuer;
use common::registry::Registries;
use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
use dojang::{Credential, DidRegistration, Wallet, WalletConfig};
use registry_anchor::client::NodeApi;
use registry_anchor::operation::{self, DocumentChange, KeyCommitment, OperationHash};
use serde_json::{Value, json};
use verifier::bundle::{BundleBuilder, TrustBundle};
use verifier::decision::{Decision, Engine, OfflineTrust};
use verifier::policy::Policy;

const EMPLOYEE: &str = "EmployeeIdCredential";
const CITIZEN: &str = "CitizenCardCredential";
const AUDIENCE: &str = "https://door.province.example/hq";
const EMPLOYEES: usize = 5_000;

/// `n` employees as the HR export has them.
fn employees_csv(n: usize) -> String {
    let mut csv = String::from("employee_number,name_ko,name_latin,organization,department,position,access_groups\n");
    for i in 0..n {
        let department = if i.is_multiple_of(2) {
            "Digital Policy"
        } else {
            "Public Safety"
        };
        csv.push_str(&format!(
            "E-{i:05},김민준{i},Kim Minjun,Gyeonggi Province,{department},Engineer,hq-main\n"
        ));
    }
    csv
}

/// Employee `i`'s claims, as in the CSV.
fn employee_claims(i: usize) -> Value {
    json!({
        "employee_number": format!("E-{i:05}"),
        "name_ko": format!("김민준{i}"),
        "name_latin": "Kim Minjun",
        "organization": "Gyeonggi Province",
        "department": if i.is_multiple_of(2) { "Digital Policy" } else { "Public Safety" },
        "position": "Engineer",
        "access_groups": ["hq-main"],
    })
}

fn policy(issuer: &Issuer) -> Policy {
    Policy::from_toml(&format!(
        r#"
door = "province-hq"
audience = "{AUDIENCE}"
on_stale_bundle = "deny"
max_status_age_seconds = 86400

[[accept]]
type = "{employee}"
issuers = ["{did}"]
claims = [{{ path = "department", in = ["Digital Policy", "Public Safety"] }}]

[[accept]]
type = "{citizen}"
issuers = ["{did}"]
claims = [{{ path = "age_over_19", equals = true }}]
"#,
        employee = issuer.vct(EMPLOYEE),
        citizen = issuer.vct(CITIZEN),
        did = issuer.did,
    ))
    .unwrap()
}

/// The door: its policy, an engine asking the network (DIDs through the mirror, status lists
/// from the issuer) and, once it has one, its trust bundle.
struct Door {
    policy: Policy,
    engine: Engine,
    clock: Arc<TestClock>,
}

impl Door {
    fn online(registries: &Registries, issuer: &Issuer, bundle: Option<OfflineTrust>) -> Door {
        let resolver = CompositeResolver::with_default_methods().with("dojang", registries.mirror_resolver());
        let status = HttpStatusListSource::danger_plain_http_for_testing().unwrap();
        let mut engine = Engine::online(Arc::new(resolver), Arc::new(status));
        if let Some(bundle) = bundle {
            engine = engine.with_offline(bundle);
        }
        Door {
            policy: policy(issuer),
            engine,
            clock: Arc::new(TestClock::default()),
        }
    }

    /// The holder presents `credential` (disclosing `disclose`) over a fresh nonce.
    async fn present(&self, wallet: &Wallet, credential: &Credential, disclose: &[&str]) -> Decision {
        self.try_present(wallet, credential, disclose).await.unwrap()
    }

    /// [`Door::present`], keeping the engine's error: it could not check.
    async fn try_present(
        &self,
        wallet: &Wallet,
        credential: &Credential,
        disclose: &[&str],
    ) -> Result<Decision, verifier::Error> {
        let nonce = self.engine.issue_nonce(&self.policy, self.clock.as_ref());
        let disclose = disclose.iter().map(|s| (*s).to_owned()).collect();
        let presentation = wallet
            .present(credential.id.clone(), AUDIENCE.into(), nonce, disclose)
            .await
            .unwrap();
        self.engine
            .verify(&presentation, &self.policy, self.clock.as_ref())
            .await
    }
}

fn codes(decision: &Decision) -> Vec<&'static str> {
    decision.reasons().iter().map(|r| r.code.code()).collect()
}

fn assert_allowed(decision: &Decision, who: &str) {
    assert!(decision.allowed(), "{who}: {:?}", decision.reasons());
}

fn assert_denied(decision: &Decision, code: &str, who: &str) {
    assert!(!decision.allowed(), "{who} was allowed");
    assert_eq!(
        codes(decision).first().copied(),
        Some(code),
        "{who}: {:?}",
        decision.reasons()
    );
}

struct Employee {
    index: usize,
    wallet: Arc<Wallet>,
    credential: Credential,
    number: String,
    registration: Arc<DidRegistration>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
async fn the_province_end_to_end() {
    let dir = common::scratch("province");

    // 1. The registry (node + mirror), the issuer's did:dojang DID on it, and the registry's
    //    tree head anchored to a local EVM chain, checked through the mirror.
    let registries = Registries::start(&dir).await;
    let issuer = Issuer::start(&dir, &registries).await;
    assert!(issuer.did.starts_with("did:dojang:"), "{}", issuer.did);
    let resolved = registries.mirror_resolver();
    common::wait_until("the mirror serves the issuer's DID", async || {
        resolved.resolve_verified(&issuer.did, true).await.is_ok()
    })
    .await;
    let chain = Chain::start(&dir).await;
    assert_eq!(
        chain
            .cli(
                "anchor",
                &registries.node.url,
                &registries.operator,
                &["--key-file", chain.key_file.to_str().unwrap()]
            )
            .await,
        0,
        "anchoring the tree head"
    );
    assert_eq!(
        chain
            .cli("check-anchor", &registries.mirror.url, &registries.operator, &[])
            .await,
        0,
        "the mirror's head is consistent with the anchor"
    );

    // 2. HR offers every employee a credential from its CSV export.
    let csv = dir.join("employees.csv");
    std::fs::write(&csv, employees_csv(EMPLOYEES)).unwrap();
    let offers = issuer.bulk_issue(EMPLOYEE, &csv, &dir.join("offers")).await;
    assert_eq!(offers.len(), EMPLOYEES);

    // 3. A sample of employees: each phone makes its did:dojang DID, redeems its offer (the
    //    credential bound to the DID's key, `cnf.kid`), and presents at the door disclosing
    //    only the department.
    let config = WalletConfig {
        registry: Some(registries.wallet_registry()),
        allow_loopback_http: true,
        trust_anchors: Vec::new(),
    };
    let mut sample = Vec::new();
    for index in [0, 1, 2, 2_345, EMPLOYEES - 1] {
        let (number, offer, pin) = &offers[index];
        let wallet = Wallet::create(None, config.clone()).unwrap();
        let registration = wallet.register_did_dojang().await.unwrap();
        let did = registration.did();
        assert_eq!(wallet.holder_did_key(), Some(format!("{did}#key-1")));
        common::wait_until("the mirror serves the employee's DID", async || {
            resolved.resolve_verified(&did, true).await.is_ok()
        })
        .await;
        let credential = wallet
            .receive_credential(offer.clone(), Some(pin.clone()))
            .await
            .unwrap();
        assert_eq!(credential.issuer, issuer.did);
        // offers.csv lists the employees in the CSV's order.
        assert_eq!(number, &format!("E-{index:05}"));
        sample.push(Employee {
            index,
            wallet,
            credential,
            number: number.clone(),
            registration,
        });
    }
    let door = Door::online(&registries, &issuer, None);
    for employee in &sample {
        let decision = door
            .present(&employee.wallet, &employee.credential, &["/department"])
            .await;
        assert_allowed(&decision, &employee.number);
        assert_eq!(
            decision.holder(),
            Some(employee.registration.did().as_str()),
            "the holder is the DID"
        );
        let disclosed = decision.disclosed().unwrap();
        assert!(disclosed.get("department").is_some());
        assert!(
            disclosed.get("name_ko").is_none(),
            "the name was not chosen: {disclosed}"
        );
    }

    // 4. HR revokes one employee and suspends another; the door sees it at once (it reads
    //    the status list on every decision); lifting the suspension lets the second back in.
    let (revoked, suspended) = (&sample[0], &sample[1]);
    let revoked_id = issuer.credential_id(EMPLOYEE, &revoked.number).await;
    let suspended_id = issuer.credential_id(EMPLOYEE, &suspended.number).await;
    issuer.change(&revoked_id, "revoke").await;
    issuer.change(&suspended_id, "suspend").await;
    let decision = door
        .present(&revoked.wallet, &revoked.credential, &["/department"])
        .await;
    assert_denied(&decision, "REVOKED", "the revoked employee");
    let decision = door
        .present(&suspended.wallet, &suspended.credential, &["/department"])
        .await;
    assert_denied(&decision, "SUSPENDED", "the suspended employee");
    issuer.change(&suspended_id, "unsuspend").await;
    let decision = door
        .present(&suspended.wallet, &suspended.credential, &["/department"])
        .await;
    assert_allowed(&decision, "the unsuspended employee");

    // 5. An employee loses a phone. The credential is bound to the employee's DID key, not
    //    to the phone's key; the app kept a backup of it. The DID is rotated to the new
    //    phone's key with the update key its creation committed to (kept off the old phone),
    //    and the mirror serves the new document. Nothing is revoked: the rotation alone shuts
    //    the old phone out, and lets the new phone, holding the restored backup, in.
    let lost = &sample[3];
    let backup = lost.wallet.export_credential(lost.credential.id.clone()).unwrap();
    let new_phone = Wallet::create(None, config.clone()).unwrap();
    let new_key = VerifyingKey::from_jwk(&Jwk::from_json(&new_phone.public_jwk().unwrap()).unwrap()).unwrap();
    let holder_did = lost.registration.did();
    assert!(
        new_phone.use_did(holder_did.clone()).await.is_err(),
        "the DID does not list the new phone's key yet"
    );
    rotate_did(&registries, &lost.registration, &new_key).await;
    common::wait_until("the mirror serves the rotated DID document", async || {
        resolved
            .resolve_verified(&holder_did, true)
            .await
            .is_ok_and(|resolution| {
                let document = serde_json::to_string(resolution.state().document()).unwrap();
                document.contains(&new_key.to_multikey())
            })
    })
    .await;
    assert_eq!(
        new_phone.use_did(holder_did.clone()).await.unwrap(),
        format!("{holder_did}#key-1")
    );
    let restored = new_phone.import_credential(backup).await.unwrap();
    // The door above keeps resolved DIDs for five minutes; this one has not seen the DID
    // since its rotation, as any door has five minutes later.
    let door = Door::online(&registries, &issuer, None);
    let decision = door.present(&lost.wallet, &lost.credential, &["/department"]).await;
    assert_denied(&decision, "HOLDER_BINDING_INVALID", "the lost phone");
    let decision = door.present(&new_phone, &restored, &["/department"]).await;
    assert_allowed(&decision, "the new phone, with the restored credential");
    // The issuer binds the new phone's next credentials to the DID as well.
    let (offer, pin) = issuer.offer(EMPLOYEE, employee_claims(lost.index)).await;
    let reissued = new_phone.receive_credential(offer, Some(pin)).await.unwrap();
    let decision = door.present(&new_phone, &reissued, &["/department"]).await;
    assert_allowed(&decision, "the new phone, with a new credential");
    assert_eq!(decision.holder(), Some(holder_did.as_str()));

    // 7. A citizen card at a kiosk: "over 19" is disclosed, the birth date is not.
    let citizen = Wallet::create(None, config.clone()).unwrap();
    let (offer, pin) = issuer
        .offer(
            CITIZEN,
            json!({"name_ko": "이서연", "birth_date": "1990-04-01", "resident_district": "Jongno-gu",
                   "card_number": "1234-5678-9012"}),
        )
        .await;
    let card = citizen.receive_credential(offer, Some(pin)).await.unwrap();
    assert!(
        card.disclosable.contains(&"/age_over_19".to_owned()),
        "{:?}",
        card.disclosable
    );
    let decision = door.present(&citizen, &card, &["/age_over_19"]).await;
    assert_allowed(&decision, "the citizen");
    let disclosed = decision.disclosed().unwrap();
    assert_eq!(disclosed.get("age_over_19"), Some(&Value::Bool(true)));
    assert!(disclosed.get("birth_date").is_none(), "{disclosed}");
    let decision = door.present(&citizen, &card, &[]).await;
    assert_denied(&decision, "CLAIM_MISSING", "the citizen disclosing nothing");

    // 6. (Last, because it cuts the network.) The door operator signs a trust bundle (issuer DID with its registry proofs, the
    //    status lists as they are now); then the network to the registry and the issuer is
    //    cut. The door keeps deciding from the bundle until it expires, then follows its
    //    policy (deny).
    let operator = Arc::new(SigningKey::generate(KeyType::P256).unwrap());
    let employee_list = status_list_of(&sample[2].credential, &sample[2].wallet).await;
    let citizen_list = status_list_of(&card, &citizen).await;
    let bundle = BundleBuilder::new(
        operator.clone(),
        Arc::new(CompositeResolver::with_default_methods()),
        Arc::new(HttpStatusListSource::danger_plain_http_for_testing().unwrap()),
    )
    .registry(registries.mirror_resolver())
    .issuer(issuer.vct(EMPLOYEE), issuer.did.clone())
    .issuer(issuer.vct(CITIZEN), issuer.did.clone())
    // The employees expected at this door while it is offline: their credentials are bound
    // to their DIDs' keys, which the door must then resolve from the bundle.
    .holder(sample[0].registration.did())
    .holder(sample[2].registration.did())
    .status_list(employee_list)
    .status_list(citizen_list)
    .valid_for(Duration::from_secs(3_600))
    .build()
    .await
    .unwrap();
    let loaded = TrustBundle::load(
        bundle.as_bytes(),
        operator.verifying_key(),
        Some(&registries.verifier()),
    )
    .unwrap();
    let door = Door::online(&registries, &issuer, Some(OfflineTrust::from_bundle(&loaded)));

    issuer.running.stop().await.unwrap();
    registries.node.stop().await;
    registries.mirror.stop().await;
    drop(chain);

    let (allowed, revoked) = (&sample[2], &sample[0]);
    let decision = door
        .present(&allowed.wallet, &allowed.credential, &["/department"])
        .await;
    assert_allowed(&decision, "an employee, offline");
    let decision = door
        .present(&revoked.wallet, &revoked.credential, &["/department"])
        .await;
    assert_denied(&decision, "REVOKED", "the revoked employee, offline");
    // An employee whose DID the bundle lacks: the door cannot check the key binding, and
    // says so (the door service shows it as "cannot check", never as allowed).
    let unlisted = &sample[4];
    match door
        .try_present(&unlisted.wallet, &unlisted.credential, &["/department"])
        .await
    {
        Err(verifier::Error::Unavailable(verifier::decision::Unavailable::Did { did })) => {
            assert_eq!(did, unlisted.registration.did())
        }
        other => panic!("an unlisted holder offline: {other:?}"),
    }
    let decision = door.present(&citizen, &card, &["/age_over_19"]).await;
    assert_allowed(&decision, "the citizen, offline");

    // Two hours on the door's clock: the bundle has expired. (The phone's clock did not move,
    // so its key-binding JWT also looks two hours old; the bundle's expiry is what matters.)
    door.clock.advance(Duration::from_secs(2 * 3_600));
    let decision = door
        .present(&allowed.wallet, &allowed.credential, &["/department"])
        .await;
    assert!(!decision.allowed(), "allowed on an expired bundle");
    assert!(codes(&decision).contains(&"BUNDLE_STALE"), "{:?}", decision.reasons());

    let _ = std::fs::remove_dir_all(&dir);
}

/// Rotates `registration`'s DID to `new_key` (a document listing only it), signed with the
/// update key committed at creation, committing to a fresh key for the update after.
async fn rotate_did(registries: &Registries, registration: &DidRegistration, new_key: &VerifyingKey) {
    let did = registration.did();
    let api = NodeApi::new(&registries.node.url).unwrap();
    let answer: Value = serde_json::from_slice(&api.resolution(&did).await.unwrap()).unwrap();
    let last = answer["operations"].as_array().unwrap().last().unwrap()["operation"]
        .as_str()
        .unwrap()
        .to_owned();
    let update_key = SigningKey::from_jwk(&Jwk::from_json(&registration.update_key_jwk()).unwrap()).unwrap();
    let after = SigningKey::generate(KeyType::P256).unwrap();
    let rotate = operation::update(
        &operation::parse_did(&did).unwrap(),
        OperationHash::of(&last),
        &update_key,
        KeyCommitment::of(after.verifying_key()),
        DocumentChange::Replace(operation::key_document(new_key)),
    )
    .unwrap();
    api.post_json("/operations", "application/jose", rotate.as_str().to_owned())
        .await
        .unwrap();
}

/// The status list URL a held credential points to (read from the wallet's presentation of it).
async fn status_list_of(credential: &Credential, wallet: &Wallet) -> String {
    let presented = wallet
        .present(credential.id.clone(), "x".into(), "y".into(), vec![])
        .await
        .unwrap();
    let jwt = presented.split('~').next().unwrap();
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["status"]["status_list"]["uri"].as_str().unwrap().to_owned()
}
