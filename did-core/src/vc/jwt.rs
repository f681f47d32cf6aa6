//! Credentials and presentations secured as JWTs: VC-JOSE-COSE (`vc+jwt`, `vp+jwt`, the JWT
//! claims set *is* the credential) and the VC 1.1 JWT encoding (`vc` / `vp` claims with `iss`,
//! `sub`, `nbf`, `exp`, `jti`), which did-jwt-vc and older wallets speak.

use std::time::Duration;

use serde_json::{Map, Number, Value};
use time::OffsetDateTime;

use super::credential::{Credential, check_period};
use super::datetime::{self, from_unix, parse_date_time};
use super::error::{CredentialError, Rule};
use super::presentation::Presentation;
use super::{DataModel, truncated};
use crate::clock::Clock;
use crate::document::Relationship;
use crate::jose::{self, Header, VerifyOptions};
use crate::key::{Signer, SigningKey};
use crate::resolve::{Resolver, resolve_party_key};

/// Media type (`typ`) of a VC-JOSE-COSE credential.
pub const TYP_VC: &str = "vc+jwt";
/// Media type (`typ`) of a VC-JOSE-COSE presentation.
pub const TYP_VP: &str = "vp+jwt";

/// How a credential or presentation is laid out in a JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwtEncoding {
    /// VC-JOSE-COSE: `typ: vc+jwt` / `vp+jwt`, the claims set is the credential.
    JoseCose,
    /// VC 1.1 §6.3.1: `typ: JWT`, the credential in a `vc` (or `vp`) claim, with `iss`, `sub`,
    /// `nbf`, `exp` and `jti` standing for issuer, subject id, issuance, expiry and id.
    Vc11,
}

impl JwtEncoding {
    /// The name used in reports: `vc+jwt` or `vc1-jwt`.
    pub fn name(self) -> &'static str {
        match self {
            JwtEncoding::JoseCose => "vc+jwt",
            JwtEncoding::Vc11 => "vc1-jwt",
        }
    }
}

/// Who a presentation is for and which exchange it answers: binds it so it cannot be replayed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    /// The verifier's challenge (`nonce` claim).
    pub nonce: Option<String>,
    /// The verifier's identifier (`aud` claim).
    pub aud: Option<String>,
}

/// What a verifier allows and expects.
#[derive(Clone, Copy)]
pub struct JwtVerifyOptions<'a> {
    /// The current time.
    pub clock: &'a dyn Clock,
    /// How far the issuer's and our clocks may disagree.
    pub skew: Duration,
    /// For presentations: the `nonce` and `aud` the presentation must carry (each checked if set).
    pub expected: Option<&'a Binding>,
}

/// A credential JWT whose signature, issuer key and validity were checked.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedCredentialJwt {
    /// The credential (for VC 1.1, rebuilt from the `vc` claim and the JWT claims).
    pub credential: Credential,
    /// The JWS protected header.
    pub header: Header,
    /// The layout that was found.
    pub encoding: JwtEncoding,
    /// The verification method that signed (absolute DID URL).
    pub verification_method: String,
}

/// A presentation JWT whose signature, holder key and binding were checked. The credentials
/// inside are **not** verified here: each has its own securing format.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedPresentationJwt {
    /// The presentation (for VC 1.1, rebuilt from the `vp` claim).
    pub presentation: Presentation,
    /// The JWS protected header.
    pub header: Header,
    /// The layout that was found.
    pub encoding: JwtEncoding,
    /// The holder's verification method that signed (absolute DID URL).
    pub verification_method: String,
}

/// The JWT claims for `credential` in `encoding`.
pub fn credential_claims(credential: &Credential, encoding: JwtEncoding) -> Map<String, Value> {
    let mut vc = credential.as_json().clone();
    match encoding {
        JwtEncoding::JoseCose => vc,
        JwtEncoding::Vc11 => {
            let mut claims = Map::new();
            claims.insert("iss".into(), Value::String(credential.issuer().to_owned()));
            if let Some(Value::String(_)) = vc.get("issuer") {
                vc.remove("issuer");
            }
            if let Some(id) = vc.remove("id") {
                claims.insert("jti".into(), id);
            }
            if let Some(Value::Object(subject)) = vc.get_mut("credentialSubject")
                && let Some(id) = subject.remove("id")
            {
                claims.insert("sub".into(), id);
            }
            let (from_member, until_member) = date_members(credential.model());
            if let Some(from) = credential.valid_from() {
                vc.remove(from_member);
                claims.insert("nbf".into(), Value::Number(Number::from(from.unix_timestamp())));
            }
            if let Some(until) = credential.valid_until() {
                vc.remove(until_member);
                claims.insert("exp".into(), Value::Number(Number::from(until.unix_timestamp())));
            }
            claims.insert("vc".into(), Value::Object(vc));
            claims
        }
    }
}

/// The JWT header for a credential in `encoding`.
fn credential_header(encoding: JwtEncoding, signer: &dyn Signer) -> Header {
    let header = Header::new(signer.algorithm());
    match encoding {
        JwtEncoding::JoseCose => header.with_typ(TYP_VC).with_cty("vc"),
        JwtEncoding::Vc11 => header.with_typ("JWT"),
    }
}

/// Signs `credential` as a JWT with an in-memory key (its key ID becomes `kid`).
pub fn sign_credential(
    credential: &Credential,
    encoding: JwtEncoding,
    key: &SigningKey,
) -> Result<String, CredentialError> {
    let claims = credential_claims(credential, encoding);
    Ok(jose::sign_json_with_key(
        credential_header(encoding, key),
        &claims,
        key,
    )?)
}

/// Signs `credential` as a JWT with any [`Signer`] (HSM, phone key store).
pub async fn sign_credential_with(
    credential: &Credential,
    encoding: JwtEncoding,
    signer: &dyn Signer,
) -> Result<String, CredentialError> {
    let claims = credential_claims(credential, encoding);
    Ok(jose::sign_json(credential_header(encoding, signer), &claims, signer).await?)
}

/// Signs `presentation` as a JWT bound to `binding`, with `iat` set to `now`.
pub fn sign_presentation(
    presentation: &Presentation,
    encoding: JwtEncoding,
    binding: &Binding,
    now: OffsetDateTime,
    key: &SigningKey,
) -> Result<String, CredentialError> {
    let mut vp = presentation.as_json().clone();
    let mut claims = match encoding {
        JwtEncoding::JoseCose => vp,
        JwtEncoding::Vc11 => {
            let mut claims = Map::new();
            if let Some(holder) = presentation.holder() {
                claims.insert("iss".into(), Value::String(holder.to_owned()));
                vp.remove("holder");
            }
            if let Some(id) = vp.remove("id") {
                claims.insert("jti".into(), id);
            }
            claims.insert("nbf".into(), Value::Number(Number::from(now.unix_timestamp())));
            claims.insert("vp".into(), Value::Object(vp));
            claims
        }
    };
    claims.insert("iat".into(), Value::Number(Number::from(now.unix_timestamp())));
    if let Some(nonce) = &binding.nonce {
        claims.insert("nonce".into(), Value::String(nonce.clone()));
    }
    if let Some(aud) = &binding.aud {
        claims.insert("aud".into(), Value::String(aud.clone()));
    }
    let header = Header::new(key.verifying_key().algorithm());
    let header = match encoding {
        JwtEncoding::JoseCose => header.with_typ(TYP_VP).with_cty("vp"),
        JwtEncoding::Vc11 => header.with_typ("JWT"),
    };
    Ok(jose::sign_json_with_key(header, &claims, key)?)
}

/// Verifies a credential JWT in either encoding: the `kid` must be a method of the issuer's
/// DID listed under `assertionMethod`, the signature must verify with it, the claims must form
/// a valid credential, and `now` must lie in its validity period (and `nbf`/`exp`).
pub async fn verify_credential(
    token: &str,
    resolver: &dyn Resolver,
    options: &JwtVerifyOptions<'_>,
) -> Result<VerifiedCredentialJwt, CredentialError> {
    let decoded = jose::decode(token)?;
    let claims = parse_claims(decoded.payload())?;
    let encoding = credential_encoding(decoded.header(), &claims)?;
    let times = JwtTimes::read(&claims)?;
    let credential = match encoding {
        JwtEncoding::JoseCose => credential_from_jose_claims(claims)?,
        JwtEncoding::Vc11 => credential_from_vc11_claims(&claims)?,
    };
    let (key, method) = resolve_party_key(
        resolver,
        credential.issuer(),
        decoded.header().kid.as_deref(),
        Relationship::AssertionMethod,
    )
    .await?;
    let mut verify_options = VerifyOptions::default();
    if encoding == JwtEncoding::JoseCose {
        verify_options = verify_options.expect_typ(TYP_VC);
    }
    let verified = decoded.verify(&key, &verify_options)?;
    times.check(options)?;
    credential.check_validity(options.clock.now(), options.skew)?;
    Ok(VerifiedCredentialJwt {
        credential,
        header: verified.header,
        encoding,
        verification_method: method.into_string(),
    })
}

/// Verifies a presentation JWT in either encoding: signed by a method the holder's DID lists
/// under `authentication`, within `iat`/`nbf`/`exp`, and carrying the expected `nonce` and `aud`.
pub async fn verify_presentation(
    token: &str,
    resolver: &dyn Resolver,
    options: &JwtVerifyOptions<'_>,
) -> Result<VerifiedPresentationJwt, CredentialError> {
    let decoded = jose::decode(token)?;
    let claims = parse_claims(decoded.payload())?;
    let (encoding, presentation) = match claims.get("vp") {
        Some(Value::Object(vp)) => {
            let mut vp = vp.clone();
            if let Some(iss) = claims.get("iss") {
                merge_claim(&mut vp, "holder", iss, "iss")?;
            }
            if let Some(jti) = claims.get("jti") {
                merge_claim(&mut vp, "id", jti, "jti")?;
            }
            (JwtEncoding::Vc11, Presentation::from_map(vp)?)
        }
        Some(_) => return Err(CredentialError::invalid(Rule::JwtClaims, "$.vp", "must be an object")),
        None if typ_is(decoded.header(), TYP_VP) => (JwtEncoding::JoseCose, Presentation::from_map(claims.clone())?),
        None => {
            return Err(CredentialError::invalid(
                Rule::JwtClaims,
                "$",
                "neither typ vp+jwt nor a vp claim: not a presentation JWT",
            ));
        }
    };
    let holder = match (presentation.holder(), decoded.header().kid.as_deref()) {
        (Some(holder), _) => holder.to_owned(),
        // No holder: the kid's DID speaks for itself.
        (None, Some(kid)) => kid.split('#').next().unwrap_or_default().to_owned(),
        (None, None) => {
            return Err(CredentialError::KeyNotControlled {
                kid: None,
                party: String::new(),
            });
        }
    };
    let (key, method) = resolve_party_key(
        resolver,
        &holder,
        decoded.header().kid.as_deref(),
        Relationship::Authentication,
    )
    .await?;
    let mut verify_options = VerifyOptions::default();
    if encoding == JwtEncoding::JoseCose {
        verify_options = verify_options.expect_typ(TYP_VP);
    }
    let verified = decoded.verify(&key, &verify_options)?;
    JwtTimes::read(&claims)?.check(options)?;
    if let Some(expected) = options.expected {
        check_binding("nonce", expected.nonce.as_deref(), claims.get("nonce"))?;
        check_binding("aud", expected.aud.as_deref(), claims.get("aud"))?;
    }
    Ok(VerifiedPresentationJwt {
        presentation,
        header: verified.header,
        encoding,
        verification_method: method.into_string(),
    })
}

fn parse_claims(payload: &[u8]) -> Result<Map<String, Value>, CredentialError> {
    super::parse_json_object(payload)
}

fn typ_is(header: &Header, typ: &str) -> bool {
    header
        .typ
        .as_deref()
        .map(|t| t.strip_prefix("application/").unwrap_or(t))
        .is_some_and(|t| t.eq_ignore_ascii_case(typ))
}

fn credential_encoding(header: &Header, claims: &Map<String, Value>) -> Result<JwtEncoding, CredentialError> {
    if typ_is(header, TYP_VC) {
        return Ok(JwtEncoding::JoseCose);
    }
    if claims.contains_key("vc") {
        return Ok(JwtEncoding::Vc11);
    }
    Err(CredentialError::invalid(
        Rule::JwtClaims,
        "$",
        "neither typ vc+jwt nor a vc claim: not a credential JWT",
    ))
}

/// VC-JOSE-COSE: the claims are the credential; registered claims, if present, must agree.
fn credential_from_jose_claims(claims: Map<String, Value>) -> Result<Credential, CredentialError> {
    for forbidden in ["vc", "vp"] {
        if claims.contains_key(forbidden) {
            return Err(CredentialError::invalid(
                Rule::JwtClaims,
                format!("$.{forbidden}"),
                "must not be present in a vc+jwt claims set",
            ));
        }
    }
    let credential = Credential::from_map(claims)?;
    let claims = credential.as_json();
    if let Some(iss) = claims.get("iss")
        && iss.as_str() != Some(credential.issuer())
    {
        return Err(CredentialError::invalid(
            Rule::JwtClaims,
            "$.iss",
            "does not match the issuer",
        ));
    }
    if let Some(jti) = claims.get("jti")
        && jti.as_str() != credential.id()
    {
        return Err(CredentialError::invalid(
            Rule::JwtClaims,
            "$.jti",
            "does not match the credential id",
        ));
    }
    Ok(credential)
}

/// VC 1.1 JWT: rebuild the credential from the `vc` claim and `iss`, `jti`, `sub`, `nbf`, `exp`.
/// Where both a JWT claim and the credential property are present they must agree.
fn credential_from_vc11_claims(claims: &Map<String, Value>) -> Result<Credential, CredentialError> {
    let mut vc = match claims.get("vc") {
        Some(Value::Object(vc)) => vc.clone(),
        _ => return Err(CredentialError::invalid(Rule::JwtClaims, "$.vc", "must be an object")),
    };
    let model = match vc.get("@context").and_then(|c| c.get(0)).and_then(Value::as_str) {
        Some(super::CONTEXT_V2) => DataModel::V2,
        _ => DataModel::V1_1,
    };
    if let Some(iss) = claims.get("iss") {
        match vc.get("issuer") {
            Some(Value::Object(issuer)) if issuer.get("id") == Some(iss) => {}
            Some(Value::Object(_)) => {
                return Err(CredentialError::invalid(
                    Rule::JwtClaims,
                    "$.iss",
                    "does not match vc.issuer.id",
                ));
            }
            _ => merge_claim(&mut vc, "issuer", iss, "iss")?,
        }
    }
    if let Some(jti) = claims.get("jti") {
        merge_claim(&mut vc, "id", jti, "jti")?;
    }
    if let Some(sub) = claims.get("sub")
        && let Some(Value::Object(subject)) = vc.get_mut("credentialSubject")
    {
        merge_claim(subject, "id", sub, "sub")?;
    }
    let (from_member, until_member) = date_members(model);
    for (claim, member) in [("nbf", from_member), ("exp", until_member)] {
        let Some(value) = claims.get(claim) else { continue };
        let time = numeric_date(value, claim)?;
        match vc.get(member).and_then(Value::as_str) {
            Some(existing) => {
                let same = parse_date_time(existing).is_some_and(|t| t.unix_timestamp() == time.unix_timestamp());
                if !same {
                    return Err(CredentialError::invalid(
                        Rule::JwtClaims,
                        format!("$.{claim}"),
                        format!("does not match vc.{member}"),
                    ));
                }
            }
            None => {
                vc.insert(member.into(), Value::String(datetime::format(time)));
            }
        }
    }
    Credential::from_map(vc)
}

/// Inserts JWT claim `claim`'s `value` as `member`, or checks that the existing member agrees.
fn merge_claim(
    object: &mut Map<String, Value>,
    member: &str,
    value: &Value,
    claim: &str,
) -> Result<(), CredentialError> {
    match object.get(member) {
        Some(existing) if existing == value => Ok(()),
        Some(Value::Object(o)) if o.get("id") == Some(value) => Ok(()),
        Some(_) => Err(CredentialError::invalid(
            Rule::JwtClaims,
            format!("$.{claim}"),
            format!("does not match {member}"),
        )),
        None => {
            object.insert(member.to_owned(), value.clone());
            Ok(())
        }
    }
}

fn date_members(model: DataModel) -> (&'static str, &'static str) {
    match model {
        DataModel::V2 => ("validFrom", "validUntil"),
        DataModel::V1_1 => ("issuanceDate", "expirationDate"),
    }
}

fn numeric_date(value: &Value, claim: &str) -> Result<OffsetDateTime, CredentialError> {
    value
        .as_i64()
        .and_then(from_unix)
        .ok_or_else(|| CredentialError::invalid(Rule::JwtClaims, format!("$.{claim}"), "must be a NumericDate"))
}

/// A JWT's `nbf`, `exp` and `iat` (not in the future), read before the claims move into a
/// credential and checked, with the allowed skew, after the signature.
struct JwtTimes {
    not_before: Option<OffsetDateTime>,
    expires: Option<OffsetDateTime>,
}

impl JwtTimes {
    fn read(claims: &Map<String, Value>) -> Result<JwtTimes, CredentialError> {
        let nbf = claims.get("nbf").map(|v| numeric_date(v, "nbf")).transpose()?;
        let exp = claims.get("exp").map(|v| numeric_date(v, "exp")).transpose()?;
        let iat = claims.get("iat").map(|v| numeric_date(v, "iat")).transpose()?;
        let not_before = match (nbf, iat) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Ok(JwtTimes {
            not_before,
            expires: exp,
        })
    }

    fn check(&self, options: &JwtVerifyOptions<'_>) -> Result<(), CredentialError> {
        check_period(self.not_before, self.expires, options.clock.now(), options.skew)
    }
}

fn check_binding(what: &'static str, expected: Option<&str>, found: Option<&Value>) -> Result<(), CredentialError> {
    let Some(expected) = expected else { return Ok(()) };
    let matches = match found {
        Some(Value::String(s)) => s == expected,
        // `aud` may be an array of audiences (RFC 7519 §4.1.3).
        Some(Value::Array(items)) if what == "aud" => items.iter().any(|a| a.as_str() == Some(expected)),
        _ => false,
    };
    if matches {
        return Ok(());
    }
    Err(CredentialError::Binding {
        what,
        expected: truncated(expected),
        found: found.map(|v| truncated(&v.to_string())),
    })
}
