//! Verification cost of each credential format against the one signature check underneath.
//!
//! Cases, all with the same fixed P-256 issuer key (RFC 7515 A.3) and, where a holder is
//! needed, a fixed P-256 holder key, so runs are comparable:
//!
//! - `raw verify`: [`VerifyingKey::verify`] of the VC-JWT's own signature over its own
//!   signing input (so the message is exactly the VC-JWT's size), with a pre-parsed key.
//!   The baseline.
//! - `raw verify x2`: the two signatures an SD-JWT+KB carries (issuer JWT, KB-JWT), each
//!   with [`VerifyingKey::verify`] and a pre-parsed key.
//! - `vc-jwt`: [`vc::jwt::verify_credential`] of a VC-JOSE-COSE credential whose issuer is a
//!   `did:key`, resolved by [`KeyResolver`] inside a current-thread tokio `block_on`.
//!   [`KeyResolver`] remembers decoded did:key keys, so after the first call this is a
//!   verifier's steady state: an issuer it has seen before.
//! - `vc-jwt (issuer never seen)`: the same, cycling through more distinct issuers than
//!   [`KeyResolver`] remembers, so every call decodes its issuer's key (a P-256 square root).
//! - `vc-jwt (CachingResolver, warm)`: the same through a [`CachingResolver`] in front of
//!   [`KeyResolver`], after the first call filled it (a verifier's steady state).
//! - `sd-jwt-vc+kb`: [`sd_jwt::verify`] of an SD-JWT VC presentation revealing two of four
//!   disclosures, with a required KB-JWT.
//! - `ecdsa-rdfc-2019`: [`data_integrity::verify_with_key`] of the same credential as the
//!   VC-JWT, secured with a Data Integrity proof (RDFC-1.0 canonicalization).
//! - `vc-jwt parts`: the steps of `vc-jwt`, to see where its time goes.
//!
//! After the criterion groups, every case is timed again with [`Instant`], interleaved in
//! rounds, and a table prints each case's median time and its ratio to `raw verify` from
//! the same run. Targets (issue 3): VC-JWT at most 1.15x raw verify, SD-JWT+KB at most
//! 2.3x. They are printed, never asserted.
//!
//! Run with `cargo bench -p did-core --bench credentials`.

// A benchmark is test code: a fixture that fails to load should stop it loudly.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../bench/report.rs"]
mod report;

use std::cell::Cell;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use did_core::clock::FixedClock;
use did_core::data_integrity::{self, Cryptosuite, ProofExpectations, ProofOptions};
use did_core::did::Did;
use did_core::document::Relationship;
use did_core::jose;
use did_core::key::{BACKEND, Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::{CachingResolver, KeyResolver, Resolver};
use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt};
use did_core::vc::Credential;
use did_core::vc::jwt::{self, JwtEncoding, JwtVerifyOptions};
use report::Report;
use serde_json::json;
use tokio::runtime::Runtime;

/// The RFC 7515 A.3 P-256 key, the issuer.
const ISSUER_JWK: &str = r#"{"kty":"EC","crv":"P-256",
    "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#;

/// The RFC 6979 A.2.5 P-256 private key, the holder.
const HOLDER_SECRET: [u8; 32] = [
    0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93, 0x4e, 0x50, 0xc3,
    0xdb, 0x36, 0xe8, 0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21,
];

/// More issuers than [`KeyResolver`] remembers, visited in turn, so none is remembered.
const FIRST_SIGHT_ISSUERS: usize = KeyResolver::REMEMBERED_KEYS + 7;

const AUDIENCE: &str = "https://verifier.example";
const NONCE: &str = "n-0S6_WzA2Mj";

/// Everything the cases verify, built once.
struct Fixture {
    runtime: Runtime,
    /// A document cache in front of [`KeyResolver`], as a long-running verifier would hold.
    caching: CachingResolver,
    clock: FixedClock,
    issuer_vk: VerifyingKey,
    issuer_kid: String,
    issuer_did: String,
    holder_vk: VerifyingKey,
    vc_jwt: String,
    /// The same credential from more distinct did:key issuers than [`KeyResolver`] remembers.
    first_sight: Vec<String>,
    /// The next of `first_sight` to verify.
    next_first_sight: Cell<usize>,
    /// The VC-JWT's signing input and signature (the raw baseline's message).
    vc_jwt_input: Vec<u8>,
    vc_jwt_signature: Vec<u8>,
    vc_jwt_payload: Vec<u8>,
    /// The same credential as a VC Data Model 1.1 JWT (`vc` claim): the input the peers
    /// (ssi, did-jwt-vc) verify too.
    vc_jwt_v11: String,
    sd_jwt_kb: String,
    sd_jwt_options: sd_jwt::VerifyOptions,
    /// The SD-JWT's issuer JWT and KB-JWT signing inputs and signatures.
    sd_issuer_input: Vec<u8>,
    sd_issuer_signature: Vec<u8>,
    kb_input: Vec<u8>,
    kb_signature: Vec<u8>,
    di_signed: serde_json::Value,
    di_expectations: ProofExpectations,
}

impl Fixture {
    fn new() -> Fixture {
        let issuer = SigningKey::from_jwk(&Jwk::from_json(ISSUER_JWK).expect("fixed JWK parses")).expect("valid key");
        let issuer_vk = issuer.verifying_key().clone();
        let issuer_kid = KeyResolver::key_id_for(&issuer_vk);
        let issuer_did = KeyResolver::did_for(&issuer_vk).expect("did:key").as_str().to_owned();
        let issuer = issuer.with_key_id(issuer_kid.clone());
        let holder = SigningKey::from_bytes(KeyType::P256, &HOLDER_SECRET).expect("valid key");
        let holder_vk = holder.verifying_key().clone();
        let holder_did = KeyResolver::did_for(&holder_vk).expect("did:key").as_str().to_owned();

        // 2027-01-15, inside the credential's validity period.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = FixedClock::new(now);

        let credential_json = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
            "type": ["VerifiableCredential", "EmployeeCard"],
            "issuer": issuer_did,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2036-01-01T00:00:00Z",
            "credentialSubject": {
                "id": holder_did,
                "name": "Ada Lovelace",
                "employeeId": "E-1024",
                "department": "Analytical Engines"
            }
        });
        let credential = Credential::from_json(credential_json.clone()).expect("valid credential");
        let vc_jwt = jwt::sign_credential(&credential, JwtEncoding::JoseCose, &issuer).expect("signs");
        let first_sight = (0..FIRST_SIGHT_ISSUERS)
            .map(|_| {
                let key = SigningKey::generate(KeyType::P256).expect("generates");
                let did = KeyResolver::did_for(key.verifying_key()).expect("did:key");
                let kid = KeyResolver::key_id_for(key.verifying_key());
                let mut json = credential_json.clone();
                json["issuer"] = json!(did.as_str());
                let credential = Credential::from_json(json).expect("valid credential");
                jwt::sign_credential(&credential, JwtEncoding::JoseCose, &key.with_key_id(kid)).expect("signs")
            })
            .collect();
        let credential_v11 = json!({
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
            "type": ["VerifiableCredential"],
            "issuer": issuer_did,
            "issuanceDate": "2026-01-01T00:00:00Z",
            "expirationDate": "2036-01-01T00:00:00Z",
            "credentialSubject": credential_json["credentialSubject"].clone()
        });
        let credential_v11 = Credential::from_json(credential_v11).expect("valid credential");
        let vc_jwt_v11 = jwt::sign_credential(&credential_v11, JwtEncoding::Vc11, &issuer).expect("signs");
        let decoded = jose::decode(&vc_jwt).expect("decodes");
        let vc_jwt_input = decoded.signing_input().as_bytes().to_vec();
        let vc_jwt_signature = decoded.signature().to_vec();
        let vc_jwt_payload = decoded.payload().to_vec();

        let claims = json!({
            "iss": issuer_did,
            "vct": "https://credentials.example/employee",
            "iat": 1_790_000_000,
            "exp": 1_900_000_000,
            "given_name": "Ada",
            "family_name": "Lovelace",
            "employee_id": "E-1024",
            "department": "Analytical Engines"
        });
        let options = IssueOptions::sd_jwt_vc()
            .disclose("/given_name")
            .disclose("/family_name")
            .disclose("/employee_id")
            .disclose("/department")
            .decoys(2)
            .holder_key(holder_vk.clone());
        let issued = sd_jwt::issue(&claims, &options, &issuer).expect("issues");
        let sd_jwt_kb = SdJwt::parse(&issued)
            .expect("parses")
            .select(&["/given_name", "/employee_id"])
            .expect("selects")
            .bind(&KeyBinding::new(AUDIENCE, NONCE, now), &holder)
            .expect("binds");
        let sd_jwt_options = sd_jwt::VerifyOptions::sd_jwt_vc().require_key_binding(AUDIENCE, NONCE);
        let presented = SdJwt::parse(&sd_jwt_kb).expect("parses");
        let issuer_jws = jose::decode(presented.issuer_jwt()).expect("decodes");
        let kb_jws = jose::decode(presented.key_binding_jwt().expect("has a KB-JWT")).expect("decodes");

        let proof_options = ProofOptions::new(issuer_kid.clone()).with_created(now - Duration::from_secs(86_400));
        let di_signed =
            data_integrity::sign(&credential_json, Cryptosuite::EcdsaRdfc2019, &proof_options, &issuer).expect("signs");

        Fixture {
            runtime: tokio::runtime::Builder::new_current_thread().build().expect("runtime"),
            caching: CachingResolver::new(Arc::new(KeyResolver), Duration::from_secs(3600), 16),
            clock,
            issuer_vk,
            issuer_kid,
            issuer_did,
            holder_vk,
            vc_jwt_input,
            vc_jwt_signature,
            vc_jwt_payload,
            vc_jwt,
            first_sight,
            next_first_sight: Cell::new(0),
            vc_jwt_v11,
            sd_issuer_input: issuer_jws.signing_input().as_bytes().to_vec(),
            sd_issuer_signature: issuer_jws.signature().to_vec(),
            kb_input: kb_jws.signing_input().as_bytes().to_vec(),
            kb_signature: kb_jws.signature().to_vec(),
            sd_jwt_kb,
            sd_jwt_options,
            di_signed,
            di_expectations: ProofExpectations::default(),
        }
    }

    fn jwt_options(&self) -> JwtVerifyOptions<'_> {
        JwtVerifyOptions {
            clock: &self.clock,
            skew: Duration::from_secs(60),
            expected: None,
        }
    }

    fn raw_verify(&self) {
        self.issuer_vk
            .verify(black_box(&self.vc_jwt_input), black_box(&self.vc_jwt_signature))
            .expect("verifies");
    }

    fn raw_verify_twice(&self) {
        self.issuer_vk
            .verify(black_box(&self.sd_issuer_input), black_box(&self.sd_issuer_signature))
            .expect("verifies");
        self.holder_vk
            .verify(black_box(&self.kb_input), black_box(&self.kb_signature))
            .expect("verifies");
    }

    fn vc_jwt(&self) {
        let verified = self
            .runtime
            .block_on(jwt::verify_credential(
                black_box(&self.vc_jwt),
                &KeyResolver,
                &self.jwt_options(),
            ))
            .expect("verifies");
        black_box(verified);
    }

    fn vc_jwt_first_sight(&self) {
        let index = self.next_first_sight.get();
        self.next_first_sight.set((index + 1) % self.first_sight.len());
        let verified = self
            .runtime
            .block_on(jwt::verify_credential(
                black_box(&self.first_sight[index]),
                &KeyResolver,
                &self.jwt_options(),
            ))
            .expect("verifies");
        black_box(verified);
    }

    fn vc_jwt_cached(&self) {
        let verified = self
            .runtime
            .block_on(jwt::verify_credential(
                black_box(&self.vc_jwt),
                &self.caching,
                &self.jwt_options(),
            ))
            .expect("verifies");
        black_box(verified);
    }

    fn vc_jwt_v11(&self) {
        let verified = self
            .runtime
            .block_on(jwt::verify_credential(
                black_box(&self.vc_jwt_v11),
                &KeyResolver,
                &self.jwt_options(),
            ))
            .expect("verifies");
        black_box(verified);
    }

    fn sd_jwt_kb(&self) {
        let verified = sd_jwt::verify(
            black_box(&self.sd_jwt_kb),
            &self.issuer_vk,
            &self.sd_jwt_options,
            &self.clock,
        )
        .expect("verifies");
        black_box(verified);
    }

    fn data_integrity(&self) {
        let verified = data_integrity::verify_with_key(
            black_box(&self.di_signed),
            &self.issuer_vk,
            &self.di_expectations,
            &self.clock,
        )
        .expect("verifies");
        black_box(verified);
    }

    /// `vc-jwt` part: compact JWS decode + signature check, key already in hand.
    fn part_jose_verify(&self) {
        let options = jose::VerifyOptions::default().expect_typ(jwt::TYP_VC);
        black_box(jose::verify(black_box(&self.vc_jwt), &self.issuer_vk, &options).expect("verifies"));
    }

    /// `vc-jwt` part: finding the issuer key (did:key document built, method looked up).
    fn part_resolve_key(&self) {
        let key = self
            .runtime
            .block_on(did_core::resolve::resolve_party_key(
                &KeyResolver,
                black_box(&self.issuer_did),
                Some(&self.issuer_kid),
                Relationship::AssertionMethod,
            ))
            .expect("resolves");
        black_box(key);
    }

    /// `vc-jwt` part: the did:key document alone (no runtime).
    fn part_did_key_document(&self) {
        let did = Did::parse(black_box(&self.issuer_did)).expect("parses");
        black_box(KeyResolver::document(&did, did_core::document::Representation::Json).expect("builds"));
    }

    /// `vc-jwt` part: the public key from its Multikey (point decompression and checks).
    fn part_key_from_multikey(&self) {
        let multikey = self.issuer_did.strip_prefix("did:key:").unwrap_or_default();
        black_box(VerifyingKey::from_multikey(black_box(multikey)).expect("parses"));
    }

    /// `vc-jwt` part: the claims parsed (strict JSON) and checked as a credential.
    fn part_credential_parse(&self) {
        black_box(Credential::from_slice(black_box(&self.vc_jwt_payload)).expect("valid"));
    }

    /// `vc-jwt` part: splitting the compact JWS and parsing its header, no signature check.
    fn part_jose_decode(&self) {
        black_box(jose::decode(black_box(&self.vc_jwt)).expect("decodes"));
    }

    /// Key parsing under `from_multikey`: the RustCrypto point decompression it uses.
    fn part_p256_decompress(&self) {
        let compressed = self.issuer_vk.to_compressed_bytes();
        black_box(p256::PublicKey::from_sec1_bytes(black_box(&compressed)).expect("valid point"));
    }

    /// Key parsing under `from_multikey`: the aws-lc key it then builds from the
    /// uncompressed point.
    #[cfg(feature = "aws-lc")]
    fn part_aws_lc_parse_uncompressed(&self) {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
        black_box(ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, black_box(self.issuer_vk.as_bytes())).expect("valid"));
    }

    /// Key parsing alternative: aws-lc decompressing the point itself.
    #[cfg(feature = "aws-lc")]
    fn part_aws_lc_parse_compressed(&self) {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
        let compressed = self.issuer_vk.to_compressed_bytes();
        black_box(ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, black_box(&compressed)).expect("valid"));
    }

    /// `vc-jwt` part: the runtime's own cost, `block_on` of a ready future.
    fn part_block_on(&self) {
        black_box(self.runtime.block_on(async { black_box(1u8) }));
    }

    /// `vc-jwt` part: the resolver trait call alone.
    fn part_resolve_verifying_key(&self) {
        let method = did_core::did::DidUrl::parse(&self.issuer_kid).expect("parses");
        black_box(
            self.runtime
                .block_on(KeyResolver.resolve_verifying_key(&method, Relationship::AssertionMethod))
                .expect("resolves"),
        );
    }
}

/// A named case and the work it does.
type Case = (&'static str, fn(&Fixture));

/// The cases of the ratio table, the baseline first.
const CASES: &[Case] = &[
    ("raw verify", Fixture::raw_verify),
    ("raw verify x2", Fixture::raw_verify_twice),
    ("vc-jwt", Fixture::vc_jwt),
    ("vc-jwt (issuer never seen)", Fixture::vc_jwt_first_sight),
    ("vc-jwt (CachingResolver, warm)", Fixture::vc_jwt_cached),
    ("vc-jwt v1.1 (the peers' input)", Fixture::vc_jwt_v11),
    ("sd-jwt-vc+kb", Fixture::sd_jwt_kb),
    ("ecdsa-rdfc-2019", Fixture::data_integrity),
];

/// The steps of `vc-jwt`.
const PARTS: &[Case] = &[
    ("jose::verify (key in hand)", Fixture::part_jose_verify),
    ("jose::decode (no signature check)", Fixture::part_jose_decode),
    ("resolve_party_key (did:key)", Fixture::part_resolve_key),
    ("Resolver::resolve_verifying_key", Fixture::part_resolve_verifying_key),
    ("KeyResolver::document", Fixture::part_did_key_document),
    ("VerifyingKey::from_multikey", Fixture::part_key_from_multikey),
    ("Credential::from_slice(claims)", Fixture::part_credential_parse),
    ("block_on(ready)", Fixture::part_block_on),
    ("p256 from_sec1_bytes (compressed)", Fixture::part_p256_decompress),
    #[cfg(feature = "aws-lc")]
    (
        "aws-lc ParsedPublicKey (uncompr.)",
        Fixture::part_aws_lc_parse_uncompressed,
    ),
    #[cfg(feature = "aws-lc")]
    ("aws-lc ParsedPublicKey (compr.)", Fixture::part_aws_lc_parse_compressed),
];

fn criterion_groups(c: &mut Criterion, fixture: &Fixture) {
    let mut group = c.benchmark_group("credentials");
    for (name, case) in CASES {
        group.bench_function(*name, |b| b.iter(|| case(fixture)));
    }
    group.finish();
    let mut group = c.benchmark_group("vc-jwt parts");
    for (name, case) in PARTS {
        group.bench_function(*name, |b| b.iter(|| case(fixture)));
    }
    group.finish();
}

/// Mean time per call of `case`, over as many calls as fit in `budget`.
fn mean_time(fixture: &Fixture, case: fn(&Fixture), budget: Duration) -> Duration {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < budget {
        for _ in 0..16 {
            case(fixture);
        }
        calls += 16;
    }
    start.elapsed() / calls
}

/// A case's ratio target from the issue, if it has one.
fn target(name: &str) -> Option<f64> {
    match name {
        "vc-jwt" => Some(1.15),
        "sd-jwt-vc+kb" => Some(2.30),
        _ => None,
    }
}

/// The summary's name for a case's median time, if `bench/report.py` uses it.
fn figure_key(name: &str) -> Option<&'static str> {
    match name {
        "raw verify" => Some("raw_verify_us"),
        "vc-jwt" => Some("vc_jwt_us"),
        "vc-jwt (CachingResolver, warm)" => Some("vc_jwt_cached_us"),
        "vc-jwt (issuer never seen)" => Some("vc_jwt_first_sight_us"),
        "vc-jwt v1.1 (the peers' input)" => Some("vc_jwt_v11_us"),
        "sd-jwt-vc+kb" => Some("sd_jwt_kb_us"),
        "ecdsa-rdfc-2019" => Some("ecdsa_rdfc_2019_us"),
        _ => None,
    }
}

/// Times every case in interleaved rounds (so a burst of load elsewhere hits all cases
/// alike) and prints, per case, the median and the fastest round, each with its ratio to
/// the same statistic of the first case, `raw verify`. On a shared machine, load only
/// ever adds time, so the fastest round is the steadier estimate of the code's own cost.
fn ratio_table(fixture: &Fixture) {
    const ROUNDS: usize = 9;
    const BUDGET: Duration = Duration::from_millis(120);
    let all: Vec<&Case> = CASES.iter().chain(PARTS).collect();
    for (_, case) in &all {
        mean_time(fixture, *case, Duration::from_millis(30)); // warm-up
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(ROUNDS); all.len()];
    for _ in 0..ROUNDS {
        for (times, (_, case)) in samples.iter_mut().zip(&all) {
            times.push(mean_time(fixture, *case, BUDGET));
        }
    }
    let stats: Vec<(f64, f64)> = samples
        .iter_mut()
        .map(|times| {
            times.sort();
            let median = times.get(ROUNDS / 2).copied().unwrap_or_default();
            let fastest = times.first().copied().unwrap_or_default();
            (median.as_secs_f64() * 1e6, fastest.as_secs_f64() * 1e6)
        })
        .collect();
    let (raw_median, raw_fastest) = stats.first().copied().unwrap_or((f64::NAN, f64::NAN));
    println!();
    println!("Ratio table ({ROUNDS} interleaved rounds of {BUDGET:?} per case; backend {BACKEND})");
    println!(
        "{:<36} {:>10} {:>7} {:>10} {:>7}  target",
        "case", "median µs", "x raw", "fastest µs", "x raw"
    );
    let mut report = Report::new(
        "credentials",
        "Credential verification (did-core), against one raw ES256 verify",
    );
    report.header(&["case", "median µs", "x raw", "fastest µs", "x raw"]);
    report.note(format!(
        "{ROUNDS} interleaved rounds of {BUDGET:?} per case; signature backend {BACKEND}. \
         `x raw` is time over the time of one raw verify (lower is faster)."
    ));
    for (index, ((name, _), (median, fastest))) in all.iter().zip(&stats).enumerate() {
        if index == CASES.len() {
            println!("-- vc-jwt parts (not additive: some contain others) --");
        }
        let (by_median, by_fastest) = (median / raw_median, fastest / raw_fastest);
        if index < CASES.len() {
            report.row(vec![
                (*name).to_owned(),
                report::us(*median),
                report::x(by_median),
                report::us(*fastest),
                report::x(by_fastest),
            ]);
        }
        if let Some(key) = figure_key(name) {
            report.figure(key, *median);
        }
        let goal = match target(name) {
            Some(limit) => {
                let verdict = |ratio: f64| if ratio <= limit { "met" } else { "MISSED" };
                format!(
                    "<= {limit:.2}x: {} (median), {} (fastest)",
                    verdict(by_median),
                    verdict(by_fastest)
                )
            }
            None => String::new(),
        };
        println!("{name:<36} {median:>10.2} {by_median:>6.2}x {fastest:>10.2} {by_fastest:>6.2}x  {goal}");
    }
    report.write();
}

/// Writes the inputs the peers verify (`scripts/bench` hands them to ssi and did-jwt-vc).
fn write_peer_inputs(fixture: &Fixture) {
    let path = report::out_dir().join("inputs.json");
    let inputs = json!({ "vc_jwt_v11": fixture.vc_jwt_v11, "di_credential": fixture.di_signed });
    let written = std::fs::create_dir_all(report::out_dir()).and_then(|()| std::fs::write(&path, inputs.to_string()));
    if let Err(error) = written {
        eprintln!("cannot write {}: {error}", path.display());
    }
}

fn main() {
    let fixture = Fixture::new();
    eprintln!(
        "did-core backend: {BACKEND}; VC-JWT {} bytes (signing input {}); SD-JWT+KB {} bytes; \
         Data Integrity credential {} bytes",
        fixture.vc_jwt.len(),
        fixture.vc_jwt_input.len(),
        fixture.sd_jwt_kb.len(),
        fixture.di_signed.to_string().len()
    );
    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30)
        .configure_from_args();
    criterion_groups(&mut criterion, &fixture);
    criterion.final_summary();
    // Only when benchmarking: `cargo test --benches` runs each case once and stops there,
    // and `--profile-time` (for a profiler) and `--list` want nothing else running.
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    if has("--bench") && !has("--profile-time") && !has("--list") {
        write_peer_inputs(&fixture);
        ratio_table(&fixture);
    }
}
