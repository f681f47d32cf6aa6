//! The negative suite: crafted attacks on the decision engine, each built from real signed
//! material and differing from a passing control in exactly the attacked way, each refused with
//! the reason a door operator should see.
//!
//! One table ([`all_cases`]) drives one test. Controls (expected `ALLOWED`) come first so the
//! suite proves its builders make presentations that pass when nothing is attacked.
//!
//! Run with `cargo test -p verifier --test integration every_crafted_attack -- --nocapture` to see the summary table.

use crate::support;

#[path = "attacks/binding.rs"]
mod binding;
#[path = "attacks/data_integrity.rs"]
mod data_integrity;
#[path = "attacks/jose.rs"]
mod jose;
#[path = "attacks/policy.rs"]
mod policy;
#[path = "attacks/sd_jwt.rs"]
mod sd_jwt;
#[path = "attacks/x509.rs"]
mod x509;

use std::collections::HashSet;

use did_core::clock::FixedClock;
use support::*;
use verifier::decision::Engine;
use verifier::policy::Policy;
use verifier::reason::ReasonCode;

/// One attempt at the door: the engine and policy it meets, the time, the nonce the door
/// handed out, presentations shown before (for replays), and the crafted input.
pub struct Attempt {
    pub engine: Engine,
    pub policy: Policy,
    pub clock: FixedClock,
    pub nonce: String,
    pub before: Vec<String>,
    pub input: String,
}

impl Attempt {
    /// The usual door: the world's online engine and policy, a fresh nonce, the world's time.
    pub fn new(world: &World) -> Attempt {
        Attempt::with(world, world.engine(), world.policy())
    }

    /// A door with this engine and policy, a fresh nonce from it, the world's time.
    pub fn with(world: &World, engine: Engine, policy: Policy) -> Attempt {
        let clock = FixedClock::new(world.now());
        let nonce = engine.issue_nonce(&policy, &clock);
        Attempt {
            engine,
            policy,
            clock,
            nonce,
            before: Vec::new(),
            input: String::new(),
        }
    }

    /// The crafted input.
    pub fn input(mut self, input: String) -> Attempt {
        self.input = input;
        self
    }
}

/// One row of the table.
pub struct Case {
    /// Unique, snake_case.
    pub name: &'static str,
    /// What is attacked, in a few words.
    pub attacks: &'static str,
    /// `ALLOWED` for a control; otherwise the reason the engine must give (ideally first).
    pub expect: ReasonCode,
    /// Builds the attempt from a fresh world.
    pub build: fn(&mut World) -> Attempt,
    /// A known finding: the engine does not (yet) refuse this attack with the expected
    /// reason. The case is kept as it is and must keep failing until the engine is fixed;
    /// then the marker is removed (the run fails to say so).
    pub finding: Option<&'static str>,
}

impl Case {
    /// Marks the case as a known finding, described by `what`.
    #[allow(
        dead_code,
        reason = "no case is a known finding today; a new one is marked with this"
    )]
    pub const fn known_finding(mut self, what: &'static str) -> Case {
        self.finding = Some(what);
        self
    }
}

/// A row.
pub const fn case(
    name: &'static str,
    attacks: &'static str,
    expect: ReasonCode,
    build: fn(&mut World) -> Attempt,
) -> Case {
    Case {
        name,
        attacks,
        expect,
        build,
        finding: None,
    }
}

/// The issuer JWT `jwt` with the department disclosure of `parts`, bound by the holder to the
/// attempt's nonce: how every JOSE attack on the issuer JWT reaches the door.
pub fn present(world: &World, attempt: Attempt, jwt: &str, parts: &Parts) -> Attempt {
    let sd = sd_jwt(jwt, &[parts.disclosure("department")]);
    let input = world.bind(&sd, &attempt.nonce);
    attempt.input(input)
}

/// The controls: nothing attacked, so the door opens.
fn controls() -> Vec<Case> {
    vec![
        case(
            "control",
            "nothing: the holder presents the department, as did-core issues and binds it",
            ReasonCode::Allowed,
            |w| {
                let a = Attempt::new(w);
                let input = w.present(&w.issue(&w.claims()), &a.nonce);
                a.input(input)
            },
        ),
        case(
            "control_raw_builder",
            "nothing: the same presentation rebuilt byte by byte by this suite's raw builders",
            ReasonCode::Allowed,
            |w| {
                let a = Attempt::new(w);
                let p = w.parts(&w.claims());
                let jwt = w.issuer_jwt(&p.header_json(), &p.payload_json());
                present(w, a, &jwt, &p)
            },
        ),
        case(
            "control_high_s_signature",
            "nothing: ECDSA malleability (s -> n - s) is a valid signature; did-core accepts high-S",
            ReasonCode::Allowed,
            jose::high_s,
        ),
        case(
            "control_exp_within_skew",
            "nothing: exp exactly `skew` seconds ago is still inside the allowed clock skew",
            ReasonCode::Allowed,
            |w| {
                let a = Attempt::new(w);
                let mut claims = w.claims();
                claims["exp"] = (T0 + 3600 - 60).into();
                let input = w.present(&w.issue(&claims), &a.nonce);
                a.input(input)
            },
        ),
        case(
            "control_vp_jwt",
            "nothing: a vp+jwt by the holder carrying the issuer's vc+jwt about the holder",
            ReasonCode::Allowed,
            policy::vp_control,
        ),
        case(
            "control_di_vp",
            "nothing: a Data Integrity (ecdsa-jcs-2019) VP by the holder carrying the issuer's vc+jwt",
            ReasonCode::Allowed,
            data_integrity::control,
        ),
    ]
}

/// Every case, controls first.
pub fn all_cases() -> Vec<Case> {
    let mut cases = controls();
    cases.extend(jose::cases());
    cases.extend(sd_jwt::cases());
    cases.extend(binding::cases());
    cases.extend(policy::cases());
    cases.extend(data_integrity::cases());
    cases.extend(x509::cases());
    cases
}

#[tokio::test]
async fn every_crafted_attack_is_refused_with_its_reason() {
    let cases = all_cases();
    assert!(cases.len() >= 45, "only {} cases", cases.len());
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
    }
    assert_eq!(cases[0].name, "control");
    assert_eq!(cases[0].expect, ReasonCode::Allowed);

    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut findings = Vec::new();
    let mut not_first = 0;
    for (i, case) in cases.iter().enumerate() {
        let mut world = World::new();
        let attempt = (case.build)(&mut world);
        for earlier in &attempt.before {
            attempt
                .engine
                .verify(earlier, &attempt.policy, &attempt.clock)
                .await
                .unwrap();
        }
        let outcome = attempt
            .engine
            .verify(&attempt.input, &attempt.policy, &attempt.clock)
            .await;
        let (codes, mark) = match outcome {
            Ok(decision) => {
                let codes = decision.codes();
                let text = codes.iter().map(|c| c.code()).collect::<Vec<_>>().join(",");
                let ok = if case.expect == ReasonCode::Allowed {
                    decision.allowed() && codes == [ReasonCode::Allowed]
                } else {
                    !decision.allowed() && codes.contains(&case.expect)
                };
                let mark = if let Some(what) = case.finding {
                    if ok {
                        failures.push(format!("{}: the known finding is fixed, remove its marker", case.name));
                        "FIXED?"
                    } else {
                        findings.push(format!("{}: expected {}, got {text}: {what}", case.name, case.expect));
                        "KNOWN FINDING"
                    }
                } else if !ok {
                    failures.push(format!(
                        "{}: expected {}, got {text} ({decision:?})",
                        case.name, case.expect
                    ));
                    "FAIL"
                } else if codes.first() != Some(&case.expect) {
                    not_first += 1;
                    "ok (not first)"
                } else {
                    "ok"
                };
                (text, mark)
            }
            Err(error) => {
                failures.push(format!("{}: expected {}, engine error {error}", case.name, case.expect));
                (format!("error: {error}"), "FAIL")
            }
        };
        rows.push(format!(
            "{i:>3} | {:<42} | {:<24} | {:<50} | {mark}",
            case.name,
            case.expect.code(),
            codes
        ));
    }
    println!("{} cases ({} with the expected code not first)", cases.len(), not_first);
    println!("  # | {:<42} | {:<24} | {:<50} |", "case", "expected", "codes");
    for row in &rows {
        println!("{row}");
    }
    for case in &cases {
        println!("{:<42} {}", case.name, case.attacks);
    }
    // The most decisive reason comes first: a guard reads the first line.
    assert_eq!(not_first, 0, "cases whose expected code is not the first reason");
    if !findings.is_empty() {
        println!("KNOWN FINDINGS (attacks not refused as expected):");
        for finding in &findings {
            println!("  {finding}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
