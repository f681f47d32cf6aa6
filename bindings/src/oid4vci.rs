//! Receiving a credential with OpenID4VCI 1.0, pre-authorized code flow (the wallet side of
//! vc-issuer's `/offers`, `/token`, `/nonce` and `/credential`).
//!
//! The offer link (scanned from a QR code) is read by value or by reference; the issuer's
//! metadata names the credential and token endpoints; the PIN (`tx_code`) goes with the
//! pre-authorized code to the token endpoint; a key proof over the issuer's fresh nonce
//! binds the credential to the holder key. The credential that comes back is verified (issuer
//! signature through its DID, disclosures, validity) and must be bound to the holder key
//! before the wallet keeps it.

use std::time::{SystemTime, UNIX_EPOCH};

use did_core::jose::{self, Header};
use did_core::key::Signer;
use reqwest::Url;
use serde_json::{Value, json};

use crate::DojangError;
use crate::http::{self, check_url, truncated};

/// The pre-authorized code grant type.
pub(crate) const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// The `typ` of a key proof JWT.
const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// The credential format received.
pub(crate) const FORMAT_SD_JWT_VC: &str = "dc+sd-jwt";
/// The longest offer link accepted.
const MAX_OFFER_LEN: usize = 16 * 1024;
/// The most parameters in an offer link.
const MAX_LINK_PARAMETERS: usize = 32;
/// What errors call an offer.
const WHAT_OFFER: &str = "credential offer";

fn bad_offer(detail: impl Into<String>) -> DojangError {
    DojangError::invalid("oid4vci.offer", detail)
}

/// What a credential offer says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Offer {
    /// The issuer's URL (`credential_issuer`).
    pub(crate) issuer: String,
    /// The credential configuration offered (the first, when several are).
    pub(crate) configuration_id: String,
    /// The pre-authorized code.
    pub(crate) code: String,
    /// Whether a PIN is required, and how many characters it has (if the issuer said).
    pub(crate) pin: Option<Option<u64>>,
}

/// Reads an offer object (OpenID4VCI §4.1.1).
pub(crate) fn parse_offer(value: &Value) -> Result<Offer, DojangError> {
    let issuer = value
        .get("credential_issuer")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_offer("no credential_issuer"))?;
    let configuration_id = value
        .get("credential_configuration_ids")
        .and_then(Value::as_array)
        .and_then(|ids| ids.first())
        .and_then(Value::as_str)
        .ok_or_else(|| bad_offer("no credential_configuration_ids"))?;
    let grant = value
        .get("grants")
        .and_then(|g| g.get(PRE_AUTHORIZED_GRANT))
        .ok_or_else(|| {
            DojangError::invalid(
                "oid4vci.unsupported_grant",
                "the offer has no pre-authorized code grant",
            )
        })?;
    let code = grant
        .get("pre-authorized_code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| bad_offer("no pre-authorized_code"))?;
    let pin = grant.get("tx_code").map(|tx| tx.get("length").and_then(Value::as_u64));
    Ok(Offer {
        issuer: issuer.to_owned(),
        configuration_id: configuration_id.to_owned(),
        code: code.to_owned(),
        pin,
    })
}

/// Where an offer link's offer is: in it, or at a URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OfferLink {
    /// `credential_offer=`.
    ByValue(Value),
    /// `credential_offer_uri=`.
    ByReference(String),
}

/// Reads an offer link: `openid-credential-offer://?credential_offer_uri=…` (or any scheme
/// with that query, e.g. an https universal link), or `…?credential_offer=<JSON>`.
pub(crate) fn parse_offer_link(link: &str) -> Result<OfferLink, DojangError> {
    if link.len() > MAX_OFFER_LEN {
        return Err(bad_offer(format!("the link is over {MAX_OFFER_LEN} bytes")));
    }
    let query = link
        .split_once('?')
        .map(|(_, q)| q)
        .ok_or_else(|| bad_offer("the link has no query"))?;
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    // The same strict form decoding as OpenID4VP links: UTF-8, no parameter twice, bounded.
    let pairs =
        verifier::oid4vp::decode_form(query, MAX_LINK_PARAMETERS, WHAT_OFFER).map_err(|e| bad_offer(e.to_string()))?;
    let get = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    match (get("credential_offer"), get("credential_offer_uri")) {
        (Some(json), None) => verifier::oid4vp::parse_json(json, MAX_OFFER_LEN, WHAT_OFFER)
            .map(OfferLink::ByValue)
            .map_err(|_| bad_offer("credential_offer is not JSON (or names a member twice)")),
        (None, Some(uri)) => Ok(OfferLink::ByReference(uri.to_owned())),
        (Some(_), Some(_)) => Err(bad_offer("both credential_offer and credential_offer_uri")),
        (None, None) => Err(bad_offer("neither credential_offer nor credential_offer_uri")),
    }
}

/// A well-known metadata URL for `base` (RFC 8414 §3.1: the well-known segment goes between
/// the host and the path).
fn well_known(base: &Url, name: &str) -> String {
    let path = base.path().trim_end_matches('/');
    let mut origin = base.clone();
    origin.set_path("");
    origin.set_query(None);
    format!("{}/.well-known/{name}{path}", origin.as_str().trim_end_matches('/'))
}

/// What the wallet needs of the issuer's metadata.
#[derive(Debug, Clone)]
pub(crate) struct IssuerEndpoints {
    pub(crate) token: String,
    pub(crate) nonce: Option<String>,
    pub(crate) credential: String,
    /// The `vct` the configuration promises, if it names one.
    pub(crate) vct: Option<String>,
    /// The configuration's display name (first `display` entry), for the app.
    pub(crate) display_name: Option<String>,
}

/// A client for one issuer.
pub(crate) struct Client<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) allow_loopback_http: bool,
}

impl Client<'_> {
    fn url(&self, text: &str, what: &str) -> Result<Url, DojangError> {
        check_url(text, self.allow_loopback_http, what)
    }

    /// The offer a link carries, fetching it if it is by reference.
    pub(crate) async fn offer(&self, link: &str) -> Result<Offer, DojangError> {
        let value = match parse_offer_link(link)? {
            OfferLink::ByValue(value) => value,
            OfferLink::ByReference(uri) => {
                let url = self.url(&uri, "credential_offer_uri")?;
                http::json(self.http.get(url), "credential offer").await?
            }
        };
        parse_offer(&value)
    }

    /// Reads the issuer's and its authorization server's metadata.
    pub(crate) async fn endpoints(&self, offer: &Offer) -> Result<IssuerEndpoints, DojangError> {
        let issuer = self.url(&offer.issuer, "credential_issuer")?;
        let meta = http::json(
            self.http.get(well_known(&issuer, "openid-credential-issuer")),
            "issuer metadata",
        )
        .await?;
        let bad = |detail: &str| DojangError::invalid("oid4vci.metadata", detail.to_owned());
        if meta.get("credential_issuer").and_then(Value::as_str) != Some(offer.issuer.as_str()) {
            return Err(bad("the metadata's credential_issuer is not the offer's"));
        }
        let endpoint = |name: &str| meta.get(name).and_then(Value::as_str).map(str::to_owned);
        let credential = endpoint("credential_endpoint").ok_or_else(|| bad("no credential_endpoint"))?;
        let configuration = meta
            .get("credential_configurations_supported")
            .and_then(|c| c.get(&offer.configuration_id))
            .ok_or_else(|| bad("the offered configuration is not in the metadata"))?;
        if configuration.get("format").and_then(Value::as_str) != Some(FORMAT_SD_JWT_VC) {
            return Err(DojangError::invalid(
                "oid4vci.unsupported_format",
                format!("only {FORMAT_SD_JWT_VC} credentials are supported"),
            ));
        }
        let authorization_server = meta
            .get("authorization_servers")
            .and_then(Value::as_array)
            .and_then(|servers| servers.first())
            .and_then(Value::as_str)
            .unwrap_or(&offer.issuer);
        let server = self.url(authorization_server, "authorization server")?;
        let oauth = http::json(
            self.http.get(well_known(&server, "oauth-authorization-server")),
            "authorization server metadata",
        )
        .await?;
        let token = oauth
            .get("token_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no token_endpoint"))?
            .to_owned();
        Ok(IssuerEndpoints {
            token,
            nonce: endpoint("nonce_endpoint"),
            credential,
            vct: configuration.get("vct").and_then(Value::as_str).map(str::to_owned),
            display_name: configuration
                .get("display")
                .and_then(Value::as_array)
                .and_then(|d| d.first())
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// Trades the pre-authorized code (and PIN) for an access token.
    pub(crate) async fn access_token(
        &self,
        offer: &Offer,
        endpoints: &IssuerEndpoints,
        pin: Option<&str>,
    ) -> Result<String, DojangError> {
        let mut form = vec![
            ("grant_type", PRE_AUTHORIZED_GRANT),
            ("pre-authorized_code", offer.code.as_str()),
        ];
        match (&offer.pin, pin) {
            (Some(_), None) => {
                return Err(DojangError::invalid(
                    "oid4vci.pin_required",
                    "the offer needs the PIN given with it",
                ));
            }
            (Some(_), Some(pin)) => form.push(("tx_code", pin)),
            (None, _) => {}
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let url = self.url(&endpoints.token, "token_endpoint")?;
        let answer = http::json(
            self.http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
            "token endpoint",
        )
        .await?;
        answer
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| DojangError::invalid("oid4vci.token", "the token answer has no access_token"))
    }

    /// A fresh `c_nonce` from the nonce endpoint, if the issuer has one.
    async fn nonce(&self, endpoints: &IssuerEndpoints) -> Result<Option<String>, DojangError> {
        let Some(endpoint) = &endpoints.nonce else {
            return Ok(None);
        };
        let url = self.url(endpoint, "nonce_endpoint")?;
        let answer = http::json(self.http.post(url), "nonce endpoint").await?;
        Ok(answer.get("c_nonce").and_then(Value::as_str).map(str::to_owned))
    }

    /// Asks for the credential with a key proof signed by `holder`, naming its key by
    /// `did_key` (a DID URL) when the holder has a DID, else by its JWK; returns the
    /// credential text (an SD-JWT VC).
    pub(crate) async fn credential(
        &self,
        offer: &Offer,
        endpoints: &IssuerEndpoints,
        token: &str,
        holder: &dyn Signer,
        did_key: Option<&str>,
    ) -> Result<String, DojangError> {
        let nonce = self.nonce(endpoints).await?;
        let proof = key_proof(&offer.issuer, nonce.as_deref(), holder, did_key).await?;
        let request = json!({
            "credential_configuration_id": offer.configuration_id,
            "proofs": {"jwt": [proof]},
        });
        let url = self.url(&endpoints.credential, "credential_endpoint")?;
        let answer = http::json(
            self.http
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(request.to_string()),
            "credential endpoint",
        )
        .await?;
        if let Some(transaction) = answer.get("transaction_id").and_then(Value::as_str) {
            return Err(DojangError::Refused {
                code: "oid4vci.issuance_pending".into(),
                detail: format!(
                    "the issuer will issue later (deferred transaction {}); ask again when it says so",
                    truncated(transaction)
                ),
            });
        }
        answer
            .get("credentials")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
            .and_then(|c| c.get("credential"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| DojangError::invalid("oid4vci.credential", "the answer holds no credential"))
    }
}

/// A key proof JWT (OpenID4VCI §F.1): the holder's key named in the header (its DID URL
/// `did_key` as `kid`, else its public JWK as `jwk`), the issuer as audience, the issuer's
/// nonce.
async fn key_proof(
    issuer: &str,
    nonce: Option<&str>,
    holder: &dyn Signer,
    did_key: Option<&str>,
) -> Result<String, DojangError> {
    let header = Header::new(holder.algorithm()).with_typ(PROOF_TYP);
    let header = match did_key {
        Some(did_key) => header.with_kid(did_key),
        None => {
            let jwk = serde_json::to_value(holder.verifying_key().to_jwk())
                .map_err(|e| DojangError::invalid("oid4vci.proof", e.to_string()))?;
            header.with_member("jwk", jwk)
        }
    };
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut claims = json!({"aud": issuer, "iat": iat});
    if let (Some(nonce), Value::Object(map)) = (nonce, &mut claims) {
        map.insert("nonce".into(), Value::String(nonce.to_owned()));
    }
    jose::sign_json(header, &claims, holder)
        .await
        .map_err(|e| DojangError::signer("signer", e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn offer_links_by_value_and_by_reference() {
        let link = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffers%2Fabc";
        assert_eq!(
            parse_offer_link(link).unwrap(),
            OfferLink::ByReference("https://issuer.example/offers/abc".into())
        );
        let offer = json!({
            "credential_issuer": "https://issuer.example",
            "credential_configuration_ids": ["EmployeeIdCredential"],
            "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "c0de", "tx_code": {"length": 6}}},
        });
        let by_value = format!(
            "openid-credential-offer://?credential_offer={}",
            url::form_urlencoded::byte_serialize(offer.to_string().as_bytes()).collect::<String>()
        );
        let OfferLink::ByValue(value) = parse_offer_link(&by_value).unwrap() else {
            unreachable!()
        };
        let parsed = parse_offer(&value).unwrap();
        assert_eq!(parsed.configuration_id, "EmployeeIdCredential");
        assert_eq!(parsed.code, "c0de");
        assert_eq!(parsed.pin, Some(Some(6)));
    }

    #[test]
    fn bad_offer_links_are_refused_with_a_code() {
        let twice = "x://?credential_offer_uri=https%3A%2F%2Fa&credential_offer_uri=https%3A%2F%2Fb";
        for link in ["no query", "x://?other=1", twice, "x://?credential_offer=%7Bnot json"] {
            assert_eq!(parse_offer_link(link).unwrap_err().code(), "oid4vci.offer", "{link}");
        }
        let no_grant = json!({"credential_issuer": "https://i", "credential_configuration_ids": ["A"], "grants": {}});
        assert_eq!(parse_offer(&no_grant).unwrap_err().code(), "oid4vci.unsupported_grant");
    }

    #[test]
    fn well_known_urls_insert_the_segment_before_the_path() {
        let root = Url::parse("https://issuer.example").unwrap();
        assert_eq!(
            well_known(&root, "openid-credential-issuer"),
            "https://issuer.example/.well-known/openid-credential-issuer"
        );
        let tenant = Url::parse("https://issuer.example/tenant/1/").unwrap();
        assert_eq!(
            well_known(&tenant, "oauth-authorization-server"),
            "https://issuer.example/.well-known/oauth-authorization-server/tenant/1"
        );
    }

    #[test]
    fn plain_http_only_to_loopback_and_only_when_allowed() {
        assert!(check_url("https://issuer.example/x", false, "t").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x", true, "t").is_ok());
        assert!(check_url("http://localhost/x", true, "t").is_ok());
        assert_eq!(
            check_url("http://127.0.0.1/x", false, "t").unwrap_err().code(),
            "url.insecure"
        );
        assert_eq!(
            check_url("http://issuer.example/x", true, "t").unwrap_err().code(),
            "url.insecure"
        );
        assert_eq!(check_url("file:///etc/passwd", true, "t").unwrap_err().code(), "url");
    }
}
