//! The Authorization Request (OpenID4VP 1.0 §5) for a door or kiosk: `response_type=vp_token`,
//! `response_mode=direct_post` and a DCQL query, shown as a deep link (QR code) by value or by
//! reference (§5.7, §8.2).
//!
//! Two Client Identifier Prefixes (§5.9.3):
//! - `redirect_uri:<response_uri>` for a request by value: it cannot be signed, and the wallet
//!   trusts nothing but the Response URI the client id names.
//! - `x509_hash:<base64url SHA-256 of the DER leaf certificate>` for a request by reference: a
//!   Request Object (JAR, RFC 9101, `typ: oauth-authz-req+jwt`) signed by the certificate's
//!   key, with the chain in `x5c`, which a wallet fetches from the `request_uri` with GET.
//!   Wallets built on the common libraries (Credo's `@openid4vc/openid4vp` among them) refuse
//!   unsigned Request Objects fetched by reference.
//!
//! An unsigned `redirect_uri:` Request Object (`alg: none`, the spec's own `direct_post` example,
//! §8.2) is still read on the wallet side.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use did_core::jose::{self, Header, VerifyOptions};
use did_core::key::Signer;
use did_core::vc::jwt::Binding;
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::dcql::DcqlQuery;
use super::{FORMAT_SD_JWT_VC, WHAT_REQUEST, decode_form, encode_form, is_url_safe, protocol};
use crate::Error;

/// The largest request (JSON, deep link or Request Object) read (64 KiB).
pub const MAX_REQUEST_LEN: usize = 64 * 1024;
/// The most parameters in a deep link.
pub const MAX_LINK_PARAMETERS: usize = 32;
/// The Client Identifier Prefix of an unsigned request whose client id is its Response URI.
pub const PREFIX_REDIRECT_URI: &str = "redirect_uri:";
/// The Client Identifier Prefix of a request signed with the key of an X.509 certificate that
/// the client id names by its SHA-256 hash (base64url, no padding).
pub const PREFIX_X509_HASH: &str = "x509_hash:";
/// The only Response Type this layer uses.
pub const RESPONSE_TYPE_VP_TOKEN: &str = "vp_token";
/// The only Response Mode this layer uses.
pub const RESPONSE_MODE_DIRECT_POST: &str = "direct_post";
/// The `typ` of a Request Object (§5) and the media type it is served with (RFC 9101 §10.2).
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";
/// The `Content-Type` of a Request Object served at a `request_uri`.
pub const REQUEST_OBJECT_CONTENT_TYPE: &str = "application/oauth-authz-req+jwt";
/// The `aud` of a Request Object under static discovery (§5.8).
pub const REQUEST_OBJECT_AUDIENCE: &str = "https://self-issued.me/v2";
/// Random bytes in a fresh `nonce` (256 bits; the spec asks for at least 128).
pub const NONCE_BYTES: usize = 32;
/// Random bytes in a fresh `state` (128 bits).
pub const STATE_BYTES: usize = 16;

/// Request parameters a wallet built on this layer refuses (§5: `transaction_data` must be
/// refused when unsupported; §8.2: no `redirect_uri` with `direct_post`; §5.1: not both
/// `scope` and `dcql_query`; `request` (by value Request Objects) is not supported).
const REFUSED_PARAMETERS: [&str; 4] = ["redirect_uri", "transaction_data", "scope", "request"];

/// An Authorization Request for presentations sent to the verifier with `direct_post`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// `redirect_uri:<response_uri>`; also the `aud` every key-binding JWT must carry.
    pub client_id: String,
    /// Always `vp_token`.
    pub response_type: String,
    /// Always `direct_post`.
    pub response_mode: String,
    /// Where the wallet POSTs its response.
    pub response_uri: String,
    /// The verifier's fresh random value the presentations are bound to.
    pub nonce: String,
    /// Ties the response to this request (the door's session); echoed by the wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// What to present.
    pub dcql_query: DcqlQuery,
    /// The verifier's metadata (for `redirect_uri:`, all of it; §5.9.3), e.g.
    /// `vp_formats_supported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Map<String, Value>>,
}

/// What a deep link carries (§5.7): the request itself, or where to fetch it.
#[derive(Debug, Clone, PartialEq)]
pub enum DeepLink {
    /// The request's parameters are in the link.
    ByValue(AuthorizationRequest),
    /// The link holds `client_id` and `request_uri`; the request is fetched from there (see
    /// [`AuthorizationRequest::from_request_object`]).
    ByReference {
        /// The client id, to compare with the fetched Request Object's.
        client_id: String,
        /// Where to GET the Request Object.
        request_uri: String,
    },
}

impl AuthorizationRequest {
    /// A fresh request for the door at `response_uri`: client id `redirect_uri:<response_uri>`,
    /// a random `nonce` (256 bits, base64url) and `state` (128 bits), and `client_metadata`
    /// naming the algorithms this verifier accepts for SD-JWT VC.
    pub fn direct_post(response_uri: &str, dcql_query: DcqlQuery) -> Result<AuthorizationRequest, Error> {
        let request = AuthorizationRequest {
            client_id: format!("{PREFIX_REDIRECT_URI}{response_uri}"),
            response_type: RESPONSE_TYPE_VP_TOKEN.to_owned(),
            response_mode: RESPONSE_MODE_DIRECT_POST.to_owned(),
            response_uri: response_uri.to_owned(),
            nonce: random_b64url(NONCE_BYTES)?,
            state: Some(random_b64url(STATE_BYTES)?),
            dcql_query,
            client_metadata: Some(default_client_metadata()),
        };
        request.validate()?;
        Ok(request)
    }

    /// The nonce and audience every presentation must be bound to (§B.3.6: the key-binding
    /// JWT's `nonce` is the request's `nonce`, its `aud` the full client id, prefix included),
    /// for [`crate::verify::Verifier::binding`].
    pub fn binding(&self) -> Binding {
        Binding {
            nonce: Some(self.nonce.clone()),
            aud: Some(self.client_id.clone()),
        }
    }

    /// Checks the rules this layer follows: `response_type=vp_token`, `response_mode=
    /// direct_post`, client id `redirect_uri:` + the Response URI (an `https` URL, or `http`
    /// to a loopback host for development), `nonce` and `state` of ASCII URL safe characters
    /// (§5.2), a valid DCQL query.
    pub fn validate(&self) -> Result<(), Error> {
        let fail = |message: String| Err(protocol(WHAT_REQUEST, message));
        if self.response_type != RESPONSE_TYPE_VP_TOKEN {
            return fail(format!("`response_type` must be `{RESPONSE_TYPE_VP_TOKEN}`"));
        }
        if self.response_mode != RESPONSE_MODE_DIRECT_POST {
            return fail(format!("`response_mode` must be `{RESPONSE_MODE_DIRECT_POST}`"));
        }
        check_response_uri(&self.response_uri)?;
        if let Some(uri) = self.client_id.strip_prefix(PREFIX_REDIRECT_URI) {
            if uri != self.response_uri {
                return fail("the `redirect_uri:` client id must name the Response URI".into());
            }
        } else if let Some(hash) = self.client_id.strip_prefix(PREFIX_X509_HASH) {
            if !URL_SAFE_NO_PAD.decode(hash).is_ok_and(|digest| digest.len() == 32) {
                return fail("an `x509_hash:` client id must hold a base64url SHA-256 hash".into());
            }
        } else {
            return fail("the client id must use the `redirect_uri:` or `x509_hash:` prefix".into());
        }
        if !is_url_safe(&self.nonce) {
            return fail("`nonce` must be ASCII URL safe characters".into());
        }
        if let Some(state) = &self.state
            && !is_url_safe(state)
        {
            return fail("`state` must be ASCII URL safe characters".into());
        }
        self.dcql_query.validate()
    }

    /// The request as a JSON object's text (what a Request Object's payload holds, minus `aud`).
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses and validates a request from untrusted JSON text (at most [`MAX_REQUEST_LEN`]
    /// bytes, duplicate members refused). Unknown members are ignored (§5), except those a
    /// wallet must refuse (`redirect_uri` with `direct_post`, `transaction_data`, `scope`
    /// next to `dcql_query`, `request`).
    pub fn from_json(text: &str) -> Result<AuthorizationRequest, Error> {
        match super::parse_json(text, MAX_REQUEST_LEN, WHAT_REQUEST)? {
            Value::Object(object) => AuthorizationRequest::from_object(object),
            _ => Err(protocol(WHAT_REQUEST, "not a JSON object")),
        }
    }

    fn from_object(mut object: Map<String, Value>) -> Result<AuthorizationRequest, Error> {
        if let Some(refused) = REFUSED_PARAMETERS.iter().find(|p| object.contains_key(**p)) {
            return Err(protocol(
                WHAT_REQUEST,
                format!("parameter `{refused}` is not supported here"),
            ));
        }
        // JAR members that are not request parameters.
        for name in ["iss", "aud", "iat", "exp", "nbf", "jti"] {
            object.remove(name);
        }
        let dcql = object
            .remove("dcql_query")
            .ok_or_else(|| protocol(WHAT_REQUEST, "no `dcql_query`"))?;
        let dcql_query = DcqlQuery::from_value(dcql)?;
        object.insert(
            "dcql_query".into(),
            serde_json::to_value(&dcql_query).unwrap_or_default(),
        );
        let request: AuthorizationRequest =
            serde_json::from_value(Value::Object(object)).map_err(|e| protocol(WHAT_REQUEST, e.to_string()))?;
        request.validate()?;
        Ok(request)
    }

    /// The request by value as a deep link: `scheme_base` (e.g. `openid4vp://`, or a wallet's
    /// universal link) followed by the URL-encoded parameters, `dcql_query` and
    /// `client_metadata` as JSON text (§5.1).
    pub fn deep_link(&self, scheme_base: &str) -> String {
        let dcql = self.dcql_query.to_json();
        let metadata = self
            .client_metadata
            .as_ref()
            .map(|m| Value::Object(m.clone()).to_string());
        let mut pairs = vec![
            ("response_type", self.response_type.as_str()),
            ("client_id", self.client_id.as_str()),
            ("response_uri", self.response_uri.as_str()),
            ("response_mode", self.response_mode.as_str()),
            ("nonce", self.nonce.as_str()),
        ];
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("dcql_query", &dcql));
        if let Some(metadata) = &metadata {
            pairs.push(("client_metadata", metadata));
        }
        join_link(scheme_base, &encode_form(pairs))
    }

    /// The request by reference as a deep link, for when the by-value link is too long for a
    /// QR code: only `client_id` and `request_uri` (§5.7, §8.2). The door serves
    /// [`AuthorizationRequest::request_object`] at `request_uri` (GET, with
    /// [`REQUEST_OBJECT_CONTENT_TYPE`]).
    pub fn deep_link_by_reference(&self, scheme_base: &str, request_uri: &str) -> String {
        join_link(
            scheme_base,
            &encode_form([("client_id", self.client_id.as_str()), ("request_uri", request_uri)]),
        )
    }

    /// The request as an unsigned Request Object (RFC 9101) to serve at a `request_uri`: header
    /// `{"alg":"none","typ":"oauth-authz-req+jwt"}`, payload the request with `aud`
    /// `https://self-issued.me/v2` (§5.8, static discovery), no signature. The `redirect_uri:`
    /// prefix allows no signed request (§5.9.3).
    pub fn request_object(&self) -> String {
        let header = json!({"alg": "none", "typ": REQUEST_OBJECT_TYP});
        let mut payload = match serde_json::to_value(self) {
            Ok(Value::Object(object)) => object,
            _ => Map::new(),
        };
        payload.insert("aud".into(), Value::String(REQUEST_OBJECT_AUDIENCE.into()));
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(payload).to_string())
        )
    }

    /// The same request under the `x509_hash:` client id of `certificate` (DER), to be passed
    /// by reference as a Request Object signed by the certificate's key
    /// ([`AuthorizationRequest::signed_request_object`]). Presentations then bind to that
    /// client id.
    pub fn for_certificate(mut self, certificate: &[u8]) -> AuthorizationRequest {
        self.client_id = format!("{PREFIX_X509_HASH}{}", x509_hash(certificate));
        self
    }

    /// Whether the request must travel as a signed Request Object (its client id is an
    /// `x509_hash:` one).
    pub fn is_signed(&self) -> bool {
        self.client_id.starts_with(PREFIX_X509_HASH)
    }

    /// The request as a Request Object signed by `signer`, the key of `chain`'s leaf
    /// certificate (DER, leaf first): header `{"alg", "typ":"oauth-authz-req+jwt", "x5c"}`,
    /// payload the request with `aud` `https://self-issued.me/v2` (§5.8, static discovery).
    pub async fn signed_request_object(&self, signer: &dyn Signer, chain: &[Vec<u8>]) -> Result<String, Error> {
        let x5c: Vec<Value> = chain.iter().map(|der| Value::String(STANDARD.encode(der))).collect();
        let header = Header::new(signer.algorithm())
            .with_typ(REQUEST_OBJECT_TYP)
            .with_member("x5c", Value::Array(x5c));
        let mut payload = match serde_json::to_value(self) {
            Ok(Value::Object(object)) => object,
            _ => Map::new(),
        };
        payload.insert("aud".into(), Value::String(REQUEST_OBJECT_AUDIENCE.into()));
        jose::sign_json(header, &Value::Object(payload), signer)
            .await
            .map_err(|e| protocol(WHAT_REQUEST, format!("signing the Request Object: {e}")))
    }

    /// Reads a Request Object fetched from a `request_uri` (wallet side): `typ` must be
    /// `oauth-authz-req+jwt` (§5) and its `client_id` must equal the one in the deep link
    /// (RFC 9101 §5). An `x509_hash:` client id needs a signed object whose `x5c` leaf has
    /// that hash and whose signature that leaf's key verifies; a `redirect_uri:` client id
    /// comes unsigned (`alg: none`), as that prefix cannot be signed.
    ///
    /// The certificate is trusted by its hash alone here: the response still goes only to
    /// the Response URI in the signed request. A wallet that keeps a list of trusted verifier
    /// certificates checks the chain as well.
    pub fn from_request_object(jwt: &str, link_client_id: &str) -> Result<AuthorizationRequest, Error> {
        let fail = |message: &str| protocol(WHAT_REQUEST, message);
        if jwt.len() > MAX_REQUEST_LEN {
            return Err(fail("Request Object too large"));
        }
        if link_client_id.starts_with(PREFIX_X509_HASH) {
            return AuthorizationRequest::from_signed_request_object(jwt.trim(), link_client_id);
        }
        AuthorizationRequest::from_unsigned_request_object(jwt, link_client_id)
    }

    /// A Request Object signed under an `x509_hash:` client id.
    fn from_signed_request_object(jwt: &str, link_client_id: &str) -> Result<AuthorizationRequest, Error> {
        let fail = |message: String| protocol(WHAT_REQUEST, message);
        let decoded = jose::decode(jwt).map_err(|e| fail(format!("the Request Object is not a JWS: {e}")))?;
        let chain = crate::x509::x5c_from_header(decoded.header())
            .map_err(|e| fail(format!("the Request Object's x5c: {}", e.detail())))?
            .ok_or_else(|| fail("a signed Request Object must carry its certificate in `x5c`".into()))?;
        let leaf = chain
            .first()
            .ok_or_else(|| fail("the Request Object's x5c is empty".into()))?;
        if link_client_id != format!("{PREFIX_X509_HASH}{}", x509_hash(leaf)) {
            return Err(fail(
                "the x5c leaf certificate does not have the client id's hash".into(),
            ));
        }
        let key = crate::x509::certificate_key(leaf).map_err(|e| fail(format!("the x5c leaf: {}", e.detail())))?;
        let verified = decoded
            .verify(&key, &VerifyOptions::default().expect_typ(REQUEST_OBJECT_TYP))
            .map_err(|e| fail(format!("the Request Object's signature: {e}")))?;
        let object = verified
            .payload_object()
            .map_err(|e| fail(format!("the Request Object payload: {e}")))?;
        let request = AuthorizationRequest::from_object(object)?;
        if request.client_id != link_client_id {
            return Err(fail("Request Object `client_id` differs from the link's".into()));
        }
        Ok(request)
    }

    /// An unsigned Request Object under a `redirect_uri:` client id.
    fn from_unsigned_request_object(jwt: &str, link_client_id: &str) -> Result<AuthorizationRequest, Error> {
        let fail = |message: &str| protocol(WHAT_REQUEST, message);
        if jwt.len() > MAX_REQUEST_LEN {
            return Err(fail("Request Object too large"));
        }
        let mut parts = jwt.trim().split('.');
        let (Some(header), Some(payload), Some(""), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("not an unsigned JWT (`<header>.<payload>.`)"));
        };
        let decode = |part: &str| -> Result<Value, Error> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| fail("Request Object is not base64url"))?;
            let text = String::from_utf8(bytes).map_err(|_| fail("Request Object is not UTF-8"))?;
            super::parse_json(&text, MAX_REQUEST_LEN, WHAT_REQUEST)
        };
        let header = decode(header)?;
        if header.get("typ").and_then(Value::as_str) != Some(REQUEST_OBJECT_TYP) {
            return Err(fail("Request Object `typ` is not `oauth-authz-req+jwt`"));
        }
        if header.get("alg").and_then(Value::as_str) != Some("none") {
            return Err(fail("a `redirect_uri:` Request Object is unsigned (`alg: none`)"));
        }
        let Value::Object(object) = decode(payload)? else {
            return Err(fail("Request Object payload is not a JSON object"));
        };
        let request = AuthorizationRequest::from_object(object)?;
        if request.client_id != link_client_id || !request.client_id.starts_with(PREFIX_REDIRECT_URI) {
            return Err(fail("Request Object `client_id` differs from the link's"));
        }
        Ok(request)
    }

    /// Reads a by-value deep link back into the request (wallet side); a by-reference link
    /// is an error here (see [`DeepLink::parse`]).
    pub fn from_deep_link(link: &str) -> Result<AuthorizationRequest, Error> {
        match DeepLink::parse(link)? {
            DeepLink::ByValue(request) => Ok(request),
            DeepLink::ByReference { .. } => Err(protocol(
                WHAT_REQUEST,
                "the link passes the request by reference: fetch its `request_uri`",
            )),
        }
    }
}

/// The `x509_hash:` value of a DER certificate: base64url (no padding) of its SHA-256 hash.
pub fn x509_hash(certificate: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(certificate))
}

impl DeepLink {
    /// Parses a deep link (wallet side): its query's parameters, strictly decoded (UTF-8, no
    /// parameter twice, at most [`MAX_REQUEST_LEN`] bytes), `dcql_query` and
    /// `client_metadata` as JSON.
    pub fn parse(link: &str) -> Result<DeepLink, Error> {
        let fail = |message: String| Err(protocol(WHAT_REQUEST, message));
        if link.len() > MAX_REQUEST_LEN {
            return fail(format!("link over {MAX_REQUEST_LEN} bytes"));
        }
        let Some((_, query)) = link.split_once('?') else {
            return fail("the link has no query".into());
        };
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let pairs = decode_form(query, MAX_LINK_PARAMETERS, WHAT_REQUEST)?;
        let get = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        if let Some(request_uri) = get("request_uri") {
            let client_id = get("client_id").ok_or_else(|| protocol(WHAT_REQUEST, "no `client_id`"))?;
            if let Some(method) = get("request_uri_method")
                && method != "get"
                && method != "post"
            {
                return fail("`request_uri_method` is neither `get` nor `post`".into());
            }
            check_response_uri(&request_uri)?;
            return Ok(DeepLink::ByReference { client_id, request_uri });
        }
        if pairs.iter().any(|(n, _)| n == "request_uri_method") {
            return fail("`request_uri_method` without `request_uri`".into());
        }
        let mut object = Map::new();
        for (name, value) in pairs {
            let value = if name == "dcql_query" || name == "client_metadata" {
                super::parse_json(&value, MAX_REQUEST_LEN, WHAT_REQUEST)?
            } else {
                Value::String(value)
            };
            object.insert(name, value);
        }
        AuthorizationRequest::from_object(object).map(DeepLink::ByValue)
    }
}

/// `vp_formats_supported` for SD-JWT VC with the JWS algorithms did-core verifies (§11.1,
/// §B.3.4). The spec asks for fully-specified identifiers; did-core names Ed25519 `EdDSA`.
fn default_client_metadata() -> Map<String, Value> {
    let algs = json!(["ES256", "ES384", "EdDSA"]);
    let mut metadata = Map::new();
    metadata.insert(
        "vp_formats_supported".into(),
        json!({ FORMAT_SD_JWT_VC: { "sd-jwt_alg_values": algs, "kb-jwt_alg_values": algs } }),
    );
    metadata
}

/// An `https` URL, or `http` to a loopback host (development); no fragment, no whitespace.
fn check_response_uri(uri: &str) -> Result<(), Error> {
    let fail = |message: &str| Err(protocol(WHAT_REQUEST, message));
    if uri.len() > 2048 || uri.contains('#') || uri.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return fail("a URI is too long or holds a fragment or whitespace");
    }
    let (secure, rest) = if let Some(rest) = uri.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = uri.strip_prefix("http://") {
        (false, rest)
    } else {
        return fail("a URI must be `https`");
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once(':').map_or(authority, |(host, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            host
        } else {
            authority
        }
    });
    if host.is_empty() || authority.contains('@') {
        return fail("a URI has no host, or has user information");
    }
    if !secure && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return fail("a URI must be `https` (plain `http` only to a loopback host)");
    }
    Ok(())
}

/// `base` followed by `query`, with `?` or `&` as `base` needs.
fn join_link(base: &str, query: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

/// `bytes` random bytes from the operating system, base64url without padding.
fn random_b64url(bytes: usize) -> Result<String, Error> {
    let mut buffer = vec![0u8; bytes];
    OsRng
        .try_fill_bytes(&mut buffer)
        .map_err(|e| Error::from(crate::decision::Unavailable::Randomness(e.to_string())))?;
    Ok(URL_SAFE_NO_PAD.encode(&buffer))
}
