//! SpruceID ssi 0.16 verifying the inputs Dojang's credentials bench verifies, timed the way
//! that bench times its own cases, so `scripts/bench` can put both in one table.
//!
//! Usage: `dojang-bench-ssi <inputs.json>`, where the file (written by
//! `cargo bench -p did-core --bench credentials`) holds `vc_jwt_v11` (a VC Data Model 1.1 JWT
//! signed by a did:key P-256 issuer) and `di_credential` (a VC 2.0 credential with an
//! `ecdsa-rdfc-2019` proof by the same key). Prints one JSON object: each case's median and
//! fastest mean time per verification, in microseconds.
//!
//! Every verification is checked to succeed before anything is timed: a peer that rejects the
//! input would otherwise be timed failing fast.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ssi::claims::data_integrity::{AnySuite, DataIntegrity};
use ssi::claims::jwt::ToDecodedJwt;
use ssi::claims::vc::v1::{JsonCredential as V1Credential, decode_jwt_vc_claims};
use ssi::claims::vc::v2::JsonCredential as V2Credential;
use ssi::claims::{JwsStr, VerificationParameters};
use ssi::dids::{DIDKey, DIDResolver, VerificationMethodDIDResolver};
use ssi::verification_methods::{AnyJwkMethod, AnyMethod};
use tokio::runtime::Runtime;

type Error = Box<dyn std::error::Error>;

struct Inputs {
    vc_jwt: String,
    di_credential: String,
}

struct Peer {
    runtime: Runtime,
    jwt_params: VerificationParameters<VerificationMethodDIDResolver<DIDKey, AnyJwkMethod>>,
    di_params: VerificationParameters<VerificationMethodDIDResolver<DIDKey, AnyMethod>>,
    inputs: Inputs,
}

impl Peer {
    /// VC-JWT: decode, resolve the did:key method, check the signature and the registered
    /// claims (exp, nbf), then read the `vc` claim as a VC 1.1 credential.
    fn vc_jwt(&self) -> Result<(), Error> {
        let jws = JwsStr::new(black_box(self.inputs.vc_jwt.as_str())).map_err(|e| e.to_string())?;
        let decoded = jws.to_decoded_jwt()?;
        self.runtime
            .block_on(decoded.verify(&self.jwt_params))?
            .map_err(|e| e.to_string())?;
        let credential: V1Credential = decode_jwt_vc_claims(decoded.signing_bytes.payload)?;
        black_box(credential);
        Ok(())
    }

    /// ecdsa-rdfc-2019: parse the credential and its proof, canonicalize (RDFC-1.0), resolve
    /// the did:key method and check the signature.
    fn data_integrity(&self) -> Result<(), Error> {
        let credential: DataIntegrity<V2Credential, AnySuite> =
            ssi::claims::data_integrity::from_json_str(black_box(&self.inputs.di_credential))?;
        self.runtime
            .block_on(credential.verify(&self.di_params))?
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

type Case = (&'static str, fn(&Peer) -> Result<(), Error>);

const CASES: &[Case] = &[
    ("ssi vc-jwt (did:key)", Peer::vc_jwt),
    ("ssi ecdsa-rdfc-2019", Peer::data_integrity),
];

fn mean_time(peer: &Peer, case: fn(&Peer) -> Result<(), Error>, budget: Duration) -> Result<Duration, Error> {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < budget {
        case(peer)?;
        calls += 1;
    }
    Ok(start.elapsed() / calls.max(1))
}

fn main() -> Result<(), Error> {
    let path = std::env::args().nth(1).ok_or("usage: dojang-bench-ssi <inputs.json>")?;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
    let field = |name: &str| json.get(name).ok_or_else(|| format!("{path}: no {name}"));
    let inputs = Inputs {
        vc_jwt: field("vc_jwt_v11")?.as_str().ok_or("vc_jwt_v11 is not a string")?.to_owned(),
        di_credential: field("di_credential")?.to_string(),
    };
    let rounds: usize = std::env::var("DOJANG_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9);
    let peer = Peer {
        runtime: tokio::runtime::Builder::new_current_thread().build()?,
        jwt_params: VerificationParameters::from_resolver(DIDKey.into_vm_resolver()),
        di_params: VerificationParameters::from_resolver(DIDKey.into_vm_resolver()),
        inputs,
    };
    for (name, case) in CASES {
        case(&peer).map_err(|e| format!("{name} rejects the input: {e}"))?;
        mean_time(&peer, *case, Duration::from_millis(100))?; // warm-up
    }
    let mut samples = vec![Vec::with_capacity(rounds); CASES.len()];
    for _ in 0..rounds {
        for (times, (_, case)) in samples.iter_mut().zip(CASES) {
            times.push(mean_time(&peer, *case, Duration::from_millis(150))?);
        }
    }
    let cases: Vec<serde_json::Value> = CASES
        .iter()
        .zip(samples.iter_mut())
        .map(|((name, _), times)| {
            times.sort();
            let micros = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e6);
            serde_json::json!({
                "case": name,
                "median_us": micros(times.get(times.len() / 2)),
                "fastest_us": micros(times.first()),
            })
        })
        .collect();
    println!("{}", serde_json::json!({ "implementation": "ssi 0.16.0", "cases": cases }));
    Ok(())
}
