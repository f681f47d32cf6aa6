//! The offline QR exchange: a door challenge and an SD-JWT VC presentation, through real QR
//! images and back into the verifier.

use crate::support;

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use support::camera::through_camera;

use did_core::clock::FixedClock;
use did_core::key::{Algorithm, KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::status::MemoryStatusListSource;
use did_core::vc::jwt::Binding;
use serde_json::{Value, json};
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::qr::{self, DoorChallenge, MAX_INFLATED_LEN, MAX_PAYLOAD_LEN};
use verifier::verify::Verifier;

/// 2026-06-01T00:00:00Z.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_272_000).unwrap()
}

const AUDIENCE: &str = "https://door.example/gate-3";

fn issuer() -> IssuerKey {
    let jwk = key_file::generate(Algorithm::Es256).unwrap();
    IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap()
}

fn verifier(nonce: &str) -> Verifier {
    Verifier {
        resolver: Arc::new(CompositeResolver::with_default_methods()),
        clock: Arc::new(FixedClock::new(SystemTime::from(now()) + Duration::from_secs(3600))),
        skew: Duration::from_secs(60),
        binding: Binding {
            nonce: Some(nonce.into()),
            aud: Some(AUDIENCE.into()),
        },
        status_source: Arc::new(MemoryStatusListSource::new()),
        status_cache: None,
        unreachable_status: verifier::verify::UnreachableStatus::Fail,
        holder_subjects: verifier::verify::HolderSubjects::MustBeHolder,
    }
}

fn employee(subject: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "EmployeeCredential"],
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "name": "Ana",
            "employeeId": "E-1024",
            "department": "Facilities",
            "site": "Seoul HQ",
            "clearance": "B2"
        }
    })
}

/// An SD-JWT VC for a holder, presented with a key-binding JWT for `challenge`.
fn presentation(challenge: &DoorChallenge) -> String {
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();
    let disclose: Vec<String> = ["/name", "/employeeId", "/department", "/site", "/clearance"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let issued = issue::issue(employee(&holder_did), Format::SdJwt, &issuer(), &disclose, now()).unwrap();
    let kb = did_core::sd_jwt::KeyBinding::new(
        challenge.audience.clone(),
        challenge.nonce.clone(),
        SystemTime::from(now()) + Duration::from_secs(3590),
    );
    did_core::sd_jwt::SdJwt::parse(&issued)
        .unwrap()
        .select(&["/name", "/employeeId", "/clearance"])
        .unwrap()
        .bind(&kb, &holder)
        .unwrap()
}

#[tokio::test]
async fn a_presentation_crosses_the_door_through_two_qr_codes() {
    // The door shows its challenge.
    let challenge = DoorChallenge::new("n-7Hq2xZ", AUDIENCE);
    let shown = challenge.to_qr_text();
    let (scanned, challenge_version) = through_camera(&shown);
    let read = DoorChallenge::parse(&scanned).unwrap();
    assert_eq!(read, challenge);

    // The wallet answers.
    let presented = presentation(&read);
    let payload = qr::encode_presentation(&presented).unwrap();
    let version = qr::qr_version(&payload).unwrap();
    println!(
        "presentation {} bytes -> payload {} characters -> QR version {version}; challenge QR version {challenge_version}",
        presented.len(),
        payload.len()
    );
    assert!(presented.len() > 1_000, "a realistic presentation");
    let (scanned, read_version) = through_camera(&payload);
    assert_eq!(scanned, payload);
    assert_eq!(usize::from(version), read_version);

    // The door decodes and verifies it.
    let decoded = qr::decode_presentation(&scanned).unwrap();
    assert_eq!(decoded, presented);
    let report = verifier(&challenge.nonce).verify(&decoded).await;
    assert!(report.verified, "{report:?}");
    assert_eq!(report.claims.unwrap()["clearance"], "B2");

    // The same presentation at a door that issued another nonce is refused.
    let report = verifier("n-other").verify(&decoded).await;
    assert!(!report.verified);

    let svg = qr::qr_svg(&payload).unwrap();
    assert!(svg.contains("<svg"));
}

#[test]
fn a_tampered_payload_is_refused() {
    let payload = qr::encode_presentation(&"eyJhbGciOiJFUzI1NiJ9.payload.sig~disclosure~".repeat(20)).unwrap();
    let bytes = payload.as_bytes();
    for at in [6, payload.len() / 2, payload.len() - 2] {
        let mut tampered = bytes.to_vec();
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(qr::decode_presentation(&tampered).is_err(), "tampered at {at}");
    }
    assert!(
        qr::decode_presentation(&payload[..payload.len() - 3]).is_err(),
        "truncated"
    );
}

/// Base45 (RFC 9285), to build payloads the encoder would refuse to make.
fn base45(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut out = String::new();
    for pair in data.chunks(2) {
        let (mut n, digits) = if pair.len() == 2 {
            (usize::from(pair[0]) * 256 + usize::from(pair[1]), 3)
        } else {
            (usize::from(pair[0]), 2)
        };
        for _ in 0..digits {
            out.push(char::from(ALPHABET[n % 45]));
            n /= 45;
        }
    }
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn protocol_message(result: Result<String, verifier::Error>) -> String {
    match result {
        Err(verifier::Error::Protocol { what, message }) => {
            assert_eq!(what, "QR payload");
            message
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn decompression_bombs_are_refused() {
    // 10 MB of one byte: its payload is already over the size limit.
    let bomb = format!("DJ1:{}", base45(&zlib(&vec![b'A'; 10 * 1024 * 1024])));
    println!("10 MB bomb: {} payload characters", bomb.len());
    assert!(qr::decode_presentation(&bomb).is_err());
    // 1 MB fits the payload limit and is stopped while inflating.
    let bomb = format!("DJ1:{}", base45(&zlib(&vec![b'A'; 1024 * 1024])));
    assert!(bomb.len() <= MAX_PAYLOAD_LEN);
    assert!(protocol_message(qr::decode_presentation(&bomb)).contains("inflates"));
    // Exactly the limit is fine.
    let edge = format!("DJ1:{}", base45(&zlib(&vec![b'A'; MAX_INFLATED_LEN])));
    assert_eq!(qr::decode_presentation(&edge).unwrap().len(), MAX_INFLATED_LEN);
    // The encoder refuses what the decoder would.
    assert!(qr::encode_presentation(&"A".repeat(MAX_INFLATED_LEN + 1)).is_err());
}

#[test]
fn malformed_payloads_are_refused() {
    let good = qr::encode_presentation("header.payload.signature~").unwrap();
    assert!(good.starts_with("DJ1:"));
    assert_eq!(qr::decode_presentation(&good).unwrap(), "header.payload.signature~");
    assert_eq!(
        qr::decode_presentation(&format!("{good}\r\n")).unwrap(),
        "header.payload.signature~"
    );

    let body = &good[4..];
    for bad in [
        String::new(),
        body.to_owned(),
        format!("DJ2:{body}"),
        format!("dj1:{body}"),
        format!("DJ1:{}", body.to_lowercase()),
        format!("DJ1:{body}~"),
        format!("DJ1:{body}A"),
        "DJ1:".to_owned(),
        format!("DJ1:{}", base45(b"not zlib at all")),
        format!("DJ1:{}", base45(&[zlib(b"abc"), b"trailing".to_vec()].concat())),
        format!("DJ1:{}", base45(&zlib(&[0xff, 0xfe, 0x00]))),
        format!("DJ1:{}", "0".repeat(MAX_PAYLOAD_LEN)),
    ] {
        protocol_message(qr::decode_presentation(&bad));
    }
}

#[test]
fn qr_codes_hold_only_alphanumeric_text() {
    assert!(qr::qr_modules("DJ1:ABC $%*+-./:").is_ok());
    for bad in ["lowercase", "DJ1:~", "é", "tab\t"] {
        assert!(qr::qr_modules(bad).is_err(), "{bad}");
        assert!(qr::qr_svg(bad).is_err(), "{bad}");
    }
    // Past the capacity of version 40 at level L (4,296 alphanumeric characters).
    assert!(qr::qr_modules(&"A".repeat(4_297)).is_err());
    assert_eq!(qr::qr_version(&"A".repeat(4_296)).unwrap(), 40);
    assert_eq!(qr::qr_version("DJ1:AB").unwrap(), 1);
}

#[test]
fn door_challenges() {
    let challenge = DoorChallenge::new("nonce-with|pipes and \"quotes\"", "https://door.example");
    let text = challenge.to_qr_text();
    assert!(text.starts_with("DJN1:"));
    assert!(
        text.bytes()
            .all(|c| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&c))
    );
    assert_eq!(DoorChallenge::parse(&text).unwrap(), challenge);

    for bad in [
        String::new(),
        text[5..].to_owned(),
        format!("DJ1:{}", &text[5..]),
        format!("DJN1:{}", text[5..].to_lowercase()),
        format!("DJN1:{}", base45(br#"{"n":"x"}"#)),
        format!("DJN1:{}", base45(br#"{"n":"","a":"b"}"#)),
        format!("DJN1:{}", base45(br#"{"n":"x","a":"b","extra":1}"#)),
        format!("DJN1:{}", base45(br#"{"n":"x","n":"y","a":"b"}"#)),
        DoorChallenge::new("x".repeat(300), "a").to_qr_text(),
        format!("DJN1:{}", "0".repeat(2_000)),
    ] {
        assert!(
            matches!(
                DoorChallenge::parse(&bad),
                Err(verifier::Error::Protocol {
                    what: "door challenge",
                    ..
                })
            ),
            "{bad}"
        );
    }
}
