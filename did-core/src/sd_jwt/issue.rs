//! Issuance: turning chosen claims into disclosures and signing the payload.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::disclosure::{self, Disclosure, RESERVED_NAMES};
use super::{MAX_DEPTH, Profile, SdJwtError, pointer};
use crate::jose::{self, Header};
use crate::key::{Signer, SigningKey, VerifyingKey};
use crate::text::truncated;

/// Top-level claims SD-JWT VC forbids to be selectively disclosable.
pub(crate) const VC_VISIBLE_CLAIMS: [&str; 7] = ["iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"];

/// What to make selectively disclosable, and how to sign.
///
/// ```
/// use did_core::sd_jwt::IssueOptions;
/// let options = IssueOptions::sd_jwt_vc().disclose("/given_name").disclose("/address/street_address").decoys(2);
/// assert_eq!(options.typ, "dc+sd-jwt");
/// ```
#[derive(Debug, Clone)]
pub struct IssueOptions {
    /// JSON Pointers (RFC 6901) into the claims, naming each object member or array
    /// element to make selectively disclosable. Naming both `/address` and
    /// `/address/country` makes the disclosure recursive.
    pub disclose: Vec<String>,
    /// How many decoy digests to add to each `_sd` array made (and to the top level).
    pub decoys: usize,
    /// The holder's public key, put in `cnf.jwk` so the holder can add key binding.
    pub holder_key: Option<VerifyingKey>,
    /// The holder's key as a DID URL (`did:…#fragment`), put in `cnf.kid` instead: the
    /// key binding is then checked against whatever key the holder's DID document lists
    /// under that id when the credential is presented, so it follows the DID's key
    /// rotations. Exclusive with [`IssueOptions::holder_key`].
    pub holder_did_url: Option<String>,
    /// The header `typ`; `dc+sd-jwt` by default.
    pub typ: String,
    /// The header `kid`, if any (otherwise the signer's key ID, if it has one).
    pub kid: Option<String>,
    /// An X.509 chain certifying the issuer's key (`x5c` header: base64 DER, leaf first), for
    /// verifiers that trust issuers through a certificate authority.
    pub x5c: Vec<String>,
    /// Which rules apply: [`Profile::SdJwtVc`] also keeps `iss`, `nbf`, `exp`, `cnf`,
    /// `vct`, `vct#integrity` and `status` always visible and requires a string `vct`.
    pub profile: Profile,
}

impl IssueOptions {
    /// Plain SD-JWT (RFC 9901), `typ` `dc+sd-jwt`, no decoys, no holder key.
    pub fn sd_jwt() -> IssueOptions {
        IssueOptions {
            disclose: Vec::new(),
            decoys: 0,
            holder_key: None,
            holder_did_url: None,
            typ: "dc+sd-jwt".to_owned(),
            kid: None,
            x5c: Vec::new(),
            profile: Profile::SdJwt,
        }
    }

    /// SD-JWT VC: as [`IssueOptions::sd_jwt`], with the SD-JWT VC rules.
    pub fn sd_jwt_vc() -> IssueOptions {
        IssueOptions {
            profile: Profile::SdJwtVc,
            ..IssueOptions::sd_jwt()
        }
    }

    /// Makes the claim at `pointer` selectively disclosable.
    pub fn disclose(mut self, pointer: impl Into<String>) -> IssueOptions {
        self.disclose.push(pointer.into());
        self
    }

    /// Adds `count` decoy digests to each `_sd` array.
    pub fn decoys(mut self, count: usize) -> IssueOptions {
        self.decoys = count;
        self
    }

    /// Binds the credential to `key` (`cnf.jwk`).
    pub fn holder_key(mut self, key: VerifyingKey) -> IssueOptions {
        self.holder_key = Some(key);
        self
    }

    /// Binds the credential to the holder's DID key `did_url` (`cnf.kid`), an absolute DID
    /// URL with a fragment, such as `did:dojang:…#key-1`.
    pub fn holder_did_url(mut self, did_url: impl Into<String>) -> IssueOptions {
        self.holder_did_url = Some(did_url.into());
        self
    }

    /// Sets the header `typ`.
    pub fn typ(mut self, typ: impl Into<String>) -> IssueOptions {
        self.typ = typ.into();
        self
    }

    /// Sets the header `kid`.
    pub fn kid(mut self, kid: impl Into<String>) -> IssueOptions {
        self.kid = Some(kid.into());
        self
    }

    /// Sets the header `x5c`: the DER certificates (leaf first) certifying the issuer's key.
    pub fn x5c<C: AsRef<[u8]>>(mut self, chain: &[C]) -> IssueOptions {
        use base64::Engine as _;
        self.x5c = chain
            .iter()
            .map(|der| base64::engine::general_purpose::STANDARD.encode(der))
            .collect();
        self
    }
}

/// The most decoys per `_sd` array.
const MAX_DECOYS: usize = 1024;

/// Issues an SD-JWT over `claims` (a JSON object), signed with an in-memory key.
/// Returns the compact serialization `<jwt>~<disclosure>~…~`.
pub fn issue(claims: &Value, options: &IssueOptions, key: &SigningKey) -> Result<String, SdJwtError> {
    let (header, payload, disclosures) = prepare(claims, options, key.verifying_key())?;
    let jwt = jose::sign_json_with_key(header, &payload, key)?;
    Ok(serialize(&jwt, &disclosures))
}

/// Issues an SD-JWT over `claims`, signed with any [`Signer`] (HSM, phone key store).
pub async fn issue_with_signer(
    claims: &Value,
    options: &IssueOptions,
    signer: &dyn Signer,
) -> Result<String, SdJwtError> {
    let (header, payload, disclosures) = prepare(claims, options, signer.verifying_key())?;
    let jwt = jose::sign_json(header, &payload, signer).await?;
    Ok(serialize(&jwt, &disclosures))
}

fn serialize(jwt: &str, disclosures: &[Disclosure]) -> String {
    let mut out = String::from(jwt);
    out.push('~');
    for disclosure in disclosures {
        out.push_str(disclosure.encoded());
        out.push('~');
    }
    out
}

/// The header, payload and disclosures, ready to sign.
type Prepared = (Header, Map<String, Value>, Vec<Disclosure>);

/// Checks the input and builds the header, the payload and the disclosures.
fn prepare(claims: &Value, options: &IssueOptions, issuer_key: &VerifyingKey) -> Result<Prepared, SdJwtError> {
    let Value::Object(claims) = claims else {
        return Err(SdJwtError::InvalidClaims("not a JSON object"));
    };
    check_names(claims, 0)?;
    if claims.contains_key("_sd_alg") {
        return Err(SdJwtError::InvalidClaims("_sd_alg is set by the issuer"));
    }
    let binds = options.holder_key.is_some() || options.holder_did_url.is_some();
    if binds && claims.contains_key("cnf") {
        return Err(SdJwtError::InvalidClaims("cnf is set from the holder key"));
    }
    if options.holder_key.is_some() && options.holder_did_url.is_some() {
        return Err(SdJwtError::InvalidClaims(
            "the holder is bound by one key: holder_key or holder_did_url, not both",
        ));
    }
    if let Some(did_url) = &options.holder_did_url {
        super::key_binding::check_did_url(did_url)?;
    }
    if options.profile == Profile::SdJwtVc && !claims.get("vct").is_some_and(Value::is_string) {
        return Err(SdJwtError::InvalidVc("vct must be a string"));
    }
    if options.decoys > MAX_DECOYS {
        return Err(SdJwtError::TooLarge {
            what: "number of decoys",
            limit: MAX_DECOYS,
        });
    }
    let whole = Value::Object(claims.clone());
    let mut marked = HashSet::new();
    for text in &options.disclose {
        let tokens = pointer::parse(text)?;
        let reserved = tokens
            .iter()
            .find(|t| RESERVED_NAMES.contains(&t.as_str()))
            .or_else(|| match (options.profile, tokens.first()) {
                (Profile::SdJwtVc, Some(first)) if VC_VISIBLE_CLAIMS.contains(&first.as_str()) => Some(first),
                _ => None,
            });
        if let Some(name) = reserved {
            return Err(SdJwtError::ReservedClaim(truncated(name)));
        }
        if pointer::resolve(&whole, &tokens).is_none() {
            return Err(SdJwtError::PointerNotFound(truncated(text)));
        }
        marked.insert(tokens);
    }
    let mut builder = Builder {
        marked: &marked,
        decoys: options.decoys,
        disclosures: Vec::new(),
    };
    let mut payload = builder.object(claims, &mut Vec::new(), true)?;
    payload.insert("_sd_alg".to_owned(), Value::from("sha-256"));
    if let Some(holder) = &options.holder_key {
        let jwk = serde_json::to_value(holder.to_jwk()).map_err(|_| SdJwtError::InvalidClaims("holder JWK"))?;
        let mut cnf = Map::new();
        cnf.insert("jwk".to_owned(), jwk);
        payload.insert("cnf".to_owned(), Value::Object(cnf));
    }
    if let Some(did_url) = &options.holder_did_url {
        let mut cnf = Map::new();
        cnf.insert("kid".to_owned(), Value::from(did_url.as_str()));
        payload.insert("cnf".to_owned(), Value::Object(cnf));
    }
    let mut header = Header::new(issuer_key.algorithm()).with_typ(options.typ.clone());
    if let Some(kid) = &options.kid {
        header = header.with_kid(kid.clone());
    }
    if !options.x5c.is_empty() {
        header = header.with_member("x5c", options.x5c.clone());
    }
    Ok((header, payload, builder.disclosures))
}

/// Refuses `_sd` and `...` as member names anywhere, and nesting deeper than [`MAX_DEPTH`].
fn check_names(map: &Map<String, Value>, depth: usize) -> Result<(), SdJwtError> {
    if depth > MAX_DEPTH {
        return Err(SdJwtError::TooDeep(MAX_DEPTH));
    }
    for (name, value) in map {
        if name == "_sd" || name == "..." {
            return Err(SdJwtError::InvalidClaims("a member is named _sd or ..."));
        }
        check_value(value, depth + 1)?;
    }
    Ok(())
}

fn check_value(value: &Value, depth: usize) -> Result<(), SdJwtError> {
    match value {
        Value::Object(map) => check_names(map, depth),
        Value::Array(items) => items.iter().try_for_each(|item| check_value(item, depth + 1)),
        _ => Ok(()),
    }
}

struct Builder<'a> {
    marked: &'a HashSet<Vec<String>>,
    decoys: usize,
    disclosures: Vec<Disclosure>,
}

impl Builder<'_> {
    fn value(&mut self, value: &Value, path: &mut Vec<String>) -> Result<Value, SdJwtError> {
        match value {
            Value::Object(map) => Ok(Value::Object(self.object(map, path, false)?)),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let encoded = self.value(item, path)?;
                    let element = if self.marked.contains(path.as_slice()) {
                        let disclosure = Disclosure::new(None, encoded)?;
                        let mut map = Map::new();
                        map.insert("...".to_owned(), Value::from(disclosure.digest()));
                        self.disclosures.push(disclosure);
                        Value::Object(map)
                    } else {
                        encoded
                    };
                    path.pop();
                    out.push(element);
                }
                Ok(Value::Array(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn object(
        &mut self,
        map: &Map<String, Value>,
        path: &mut Vec<String>,
        top: bool,
    ) -> Result<Map<String, Value>, SdJwtError> {
        let mut out = Map::new();
        let mut digests = Vec::new();
        for (name, value) in map {
            path.push(name.clone());
            let encoded = self.value(value, path)?;
            if self.marked.contains(path.as_slice()) {
                let disclosure = Disclosure::new(Some(name), encoded)?;
                digests.push(disclosure.digest().to_owned());
                self.disclosures.push(disclosure);
            } else {
                out.insert(name.clone(), encoded);
            }
            path.pop();
        }
        if !digests.is_empty() || (top && self.decoys > 0) {
            for _ in 0..self.decoys {
                digests.push(disclosure::decoy_digest()?);
            }
            // Sorted, so the order says nothing about which claim a digest hides.
            digests.sort_unstable();
            out.insert("_sd".to_owned(), Value::from(digests));
        }
        Ok(out)
    }
}
