//! The Digital Credentials Query Language (OpenID4VP 1.0 §6) and the claims path pointer (§7).
//!
//! [`DcqlQuery::from_json`] parses and validates a query from untrusted text;
//! [`DcqlQuery::check_presentation`] tells whether a verified presentation's disclosed claims
//! answer one Credential Query; [`DcqlQuery::check_response`] whether a VP Token holds the
//! presentations the query asks for (§6.4.2, §8.1).
//!
//! Value matching (`values`) is a privacy aid, not a security check (§6.4.1): a door's entry
//! rules belong in its policy.

use std::collections::HashSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{FORMAT_SD_JWT_VC, WHAT_DCQL, is_dcql_id, protocol};
use crate::Error;
use crate::oid4vp::response::VpToken;
use crate::reason::ReasonCode;

/// The largest DCQL query text [`DcqlQuery::from_json`] reads (32 KiB).
pub const MAX_QUERY_LEN: usize = 32 * 1024;
/// The most Credential Queries in one query.
pub const MAX_CREDENTIALS: usize = 32;
/// The most Claims Queries in one Credential Query.
pub const MAX_CLAIMS: usize = 64;
/// The most components in a claims path pointer.
pub const MAX_PATH_LEN: usize = 16;
/// The most entries in any other array of a query (`values`, `vct_values`, `claim_sets`,
/// `credential_sets`, `options`, ...).
pub const MAX_ARRAY_LEN: usize = 64;

/// The Credential Format Identifier of ISO mdoc (§B.2).
const FORMAT_MSO_MDOC: &str = "mso_mdoc";

/// A DCQL query (§6): which credentials, which claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DcqlQuery {
    /// The Credential Queries; non-empty.
    pub credentials: Vec<CredentialQuery>,
    /// Constraints on which Credential Queries must be answered together; absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_sets: Option<Vec<CredentialSetQuery>>,
}

/// A Credential Query (§6.1): one requested credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialQuery {
    /// Names the credential in the response; unique, `[A-Za-z0-9_-]+`.
    pub id: String,
    /// The Credential Format Identifier, e.g. `dc+sd-jwt`.
    pub format: String,
    /// Whether more than one presentation may answer this query (default `false`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub multiple: bool,
    /// Format-specific constraints on the credential's metadata; for `dc+sd-jwt`,
    /// `vct_values` is required.
    pub meta: CredentialMeta,
    /// Authorities the verifier accepts as certifying the issuer (a wallet-side filter; the
    /// verifier still checks issuer trust itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_authorities: Option<Vec<TrustedAuthority>>,
    /// Whether a holder binding proof is required (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_cryptographic_holder_binding: Option<bool>,
    /// The requested claims; absent means only the claims always disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ClaimsQuery>>,
    /// Alternative combinations of claim ids, most preferred first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_sets: Option<Vec<Vec<String>>>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The `meta` object of a Credential Query (§6.1, §B.3.5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CredentialMeta {
    /// SD-JWT VC: the accepted `vct` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct_values: Option<Vec<String>>,
    /// Any other (format-specific) member, kept as is.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A Trusted Authorities Query (§6.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedAuthority {
    /// `aki`, `etsi_tl`, `openid_federation`, or another type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The type-specific values; non-empty.
    pub values: Vec<String>,
}

/// A Credential Set Query (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialSetQuery {
    /// Alternatives, each a non-empty list of Credential Query ids.
    pub options: Vec<Vec<String>>,
    /// Whether the set must be satisfied (default `true`).
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub required: bool,
}

fn default_true() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// A Claims Query (§6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimsQuery {
    /// Names the claim for `claim_sets`; required when `claim_sets` is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The claims path pointer (§7); non-empty.
    pub path: Vec<PathElement>,
    /// Expected values (strings, integers or booleans); the claim matches one of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
}

impl ClaimsQuery {
    /// A query for the claim at `path`, with no id and no values.
    pub fn new(path: Vec<PathElement>) -> ClaimsQuery {
        ClaimsQuery {
            id: None,
            path,
            values: None,
        }
    }
}

/// One component of a claims path pointer (§7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElement {
    /// An object member (a JSON string).
    Key(String),
    /// An array index (a non-negative JSON integer).
    Index(u64),
    /// Every element of an array (JSON `null`).
    Wildcard,
}

impl From<&str> for PathElement {
    fn from(key: &str) -> PathElement {
        PathElement::Key(key.to_owned())
    }
}

impl Serialize for PathElement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PathElement::Key(key) => serializer.serialize_str(key),
            PathElement::Index(index) => serializer.serialize_u64(*index),
            PathElement::Wildcard => serializer.serialize_unit(),
        }
    }
}

impl<'de> Deserialize<'de> for PathElement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PathElement, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(key) => Ok(PathElement::Key(key)),
            Value::Null => Ok(PathElement::Wildcard),
            Value::Number(n) => n
                .as_u64()
                .map(PathElement::Index)
                .ok_or_else(|| serde::de::Error::custom("a claims path index must be a non-negative integer")),
            _ => Err(serde::de::Error::custom(
                "a claims path component must be a string, a non-negative integer or null",
            )),
        }
    }
}

impl DcqlQuery {
    /// Parses and validates a DCQL query from untrusted JSON text (at most
    /// [`MAX_QUERY_LEN`] bytes, duplicate member names refused).
    pub fn from_json(text: &str) -> Result<DcqlQuery, Error> {
        let value = super::parse_json(text, MAX_QUERY_LEN, WHAT_DCQL)?;
        DcqlQuery::from_value(value)
    }

    /// Validates an already parsed query (e.g. the `dcql_query` member of a request object).
    pub fn from_value(value: Value) -> Result<DcqlQuery, Error> {
        let query: DcqlQuery = serde_json::from_value(value).map_err(|e| protocol(WHAT_DCQL, e.to_string()))?;
        query.validate()?;
        Ok(query)
    }

    /// The query as compact JSON.
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The common door query: one SD-JWT VC of one of `vct_values`, disclosing each claim
    /// of `claim_paths` (each a path of object member names).
    pub fn sd_jwt_vc(id: &str, vct_values: &[&str], claim_paths: &[&[&str]]) -> Result<DcqlQuery, Error> {
        let claims: Vec<ClaimsQuery> = claim_paths
            .iter()
            .map(|path| ClaimsQuery::new(path.iter().map(|key| PathElement::from(*key)).collect()))
            .collect();
        let query = DcqlQuery {
            credentials: vec![CredentialQuery {
                id: id.to_owned(),
                format: FORMAT_SD_JWT_VC.to_owned(),
                multiple: false,
                meta: CredentialMeta {
                    vct_values: Some(vct_values.iter().map(|v| (*v).to_owned()).collect()),
                    other: Map::new(),
                },
                trusted_authorities: None,
                require_cryptographic_holder_binding: None,
                claims: (!claims.is_empty()).then_some(claims),
                claim_sets: None,
            }],
            credential_sets: None,
        };
        query.validate()?;
        Ok(query)
    }

    /// The Credential Query named `id`.
    pub fn credential(&self, id: &str) -> Option<&CredentialQuery> {
        self.credentials.iter().find(|c| c.id == id)
    }

    /// Checks the rules of §6 and this crate's size limits.
    pub fn validate(&self) -> Result<(), Error> {
        let fail = |message: String| Err(protocol(WHAT_DCQL, message));
        if self.credentials.is_empty() {
            return fail("`credentials` is empty".into());
        }
        if self.credentials.len() > MAX_CREDENTIALS {
            return fail(format!("more than {MAX_CREDENTIALS} credential queries"));
        }
        let mut ids = HashSet::new();
        for credential in &self.credentials {
            credential.validate()?;
            if !ids.insert(credential.id.as_str()) {
                return fail(format!(
                    "credential query id `{}` appears more than once",
                    credential.id
                ));
            }
        }
        if let Some(sets) = &self.credential_sets {
            check_array_len(sets.len(), "credential_sets")?;
            for set in sets {
                check_array_len(set.options.len(), "options")?;
                for option in &set.options {
                    check_array_len(option.len(), "an option of `credential_sets`")?;
                    if let Some(unknown) = option.iter().find(|id| !ids.contains(id.as_str())) {
                        return fail(format!("`credential_sets` names unknown credential query `{unknown}`"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the presentation answering Credential Query `credential_query_id` must carry a
    /// holder binding proof (§6.1: `require_cryptographic_holder_binding`, default `true`).
    /// `None` for an unknown id.
    pub fn requires_holder_binding(&self, credential_query_id: &str) -> Option<bool> {
        self.credential(credential_query_id)
            .map(|c| c.require_cryptographic_holder_binding.unwrap_or(true))
    }

    /// Tells whether a verified credential answers Credential Query `credential_query_id`:
    /// its `format`, its `vct` (for `dc+sd-jwt`, one of `vct_values`, compared exactly: type
    /// inheritance is not followed) and its `disclosed` claims (the verified, disclosed claims
    /// set, with `vct`): every requested claim present (with one of its `values` if given),
    /// or, with `claim_sets`, every claim of at least one set.
    ///
    /// An unknown id, another format or another type is [`ReasonCode::RequestMismatch`]; a
    /// claim not disclosed (or not with a requested value) is [`ReasonCode::ClaimMissing`].
    pub fn check_presentation(
        &self,
        credential_query_id: &str,
        format: &str,
        disclosed: &Map<String, Value>,
    ) -> Result<(), ReasonCode> {
        let query = self
            .credential(credential_query_id)
            .ok_or(ReasonCode::RequestMismatch)?;
        if query.format != format {
            return Err(ReasonCode::RequestMismatch);
        }
        if let Some(vct_values) = &query.meta.vct_values {
            let vct = disclosed.get("vct").and_then(Value::as_str);
            if !vct.is_some_and(|vct| vct_values.iter().any(|v| v == vct)) {
                return Err(ReasonCode::RequestMismatch);
            }
        }
        let Some(claims) = &query.claims else {
            return Ok(());
        };
        let root = Value::Object(disclosed.clone());
        let present = |claim: &ClaimsQuery| claim_matches(&root, claim);
        match &query.claim_sets {
            None => {
                if claims.iter().all(present) {
                    Ok(())
                } else {
                    Err(ReasonCode::ClaimMissing)
                }
            }
            Some(sets) => {
                let satisfied = sets.iter().any(|set| {
                    set.iter().all(|id| {
                        claims
                            .iter()
                            .find(|c| c.id.as_deref() == Some(id.as_str()))
                            .is_some_and(present)
                    })
                });
                if satisfied {
                    Ok(())
                } else {
                    Err(ReasonCode::ClaimMissing)
                }
            }
        }
    }

    /// Tells whether `vp_token` holds what the query asks for (§6.4.2, §8.1): no entry for an
    /// unknown Credential Query (or, with `credential_sets`, one no set names), every entry
    /// non-empty and holding exactly one presentation unless `multiple` is `true`, and every
    /// Credential Query answered (without `credential_sets`) or every required Credential Set
    /// Query satisfied by one of its options. Any failure is [`ReasonCode::RequestMismatch`].
    pub fn check_response(&self, vp_token: &VpToken) -> Result<(), ReasonCode> {
        for (id, presentations) in vp_token.iter() {
            let query = self.credential(id).ok_or(ReasonCode::RequestMismatch)?;
            if presentations.is_empty() || (!query.multiple && presentations.len() != 1) {
                return Err(ReasonCode::RequestMismatch);
            }
        }
        let answered = |id: &String| vp_token.get(id).is_some();
        match &self.credential_sets {
            None => {
                if self.credentials.iter().all(|c| answered(&c.id)) {
                    Ok(())
                } else {
                    Err(ReasonCode::RequestMismatch)
                }
            }
            Some(sets) => {
                let named = |id: &str| sets.iter().flat_map(|s| &s.options).flatten().any(|n| n == id);
                if vp_token.ids().any(|id| !named(id)) {
                    return Err(ReasonCode::RequestMismatch);
                }
                let satisfied = sets
                    .iter()
                    .filter(|set| set.required)
                    .all(|set| set.options.iter().any(|option| option.iter().all(answered)));
                if satisfied {
                    Ok(())
                } else {
                    Err(ReasonCode::RequestMismatch)
                }
            }
        }
    }
}

impl CredentialQuery {
    fn validate(&self) -> Result<(), Error> {
        let fail = |message: String| Err(protocol(WHAT_DCQL, message));
        if !is_dcql_id(&self.id) {
            return fail("a credential query id must be 1 to 64 of `A-Za-z0-9_-`".into());
        }
        if self.format.is_empty() {
            return fail(format!("credential query `{}` has an empty `format`", self.id));
        }
        if self.format == FORMAT_SD_JWT_VC {
            match &self.meta.vct_values {
                Some(values) if !values.is_empty() && values.iter().all(|v| !v.is_empty()) => {
                    check_array_len(values.len(), "vct_values")?;
                }
                _ => {
                    return fail(format!(
                        "`{}`: `dc+sd-jwt` needs a non-empty `meta.vct_values`",
                        self.id
                    ));
                }
            }
        }
        if let Some(authorities) = &self.trusted_authorities {
            check_array_len(authorities.len(), "trusted_authorities")?;
            for authority in authorities {
                check_array_len(authority.values.len(), "trusted_authorities values")?;
            }
        }
        let Some(claims) = &self.claims else {
            if self.claim_sets.is_some() {
                return fail(format!("`{}`: `claim_sets` without `claims`", self.id));
            }
            return Ok(());
        };
        if claims.is_empty() {
            return fail(format!("`{}`: `claims` is empty", self.id));
        }
        if claims.len() > MAX_CLAIMS {
            return fail(format!("`{}`: more than {MAX_CLAIMS} claims", self.id));
        }
        let mut claim_ids = HashSet::new();
        let mut paths = HashSet::new();
        for claim in claims {
            self.validate_claim(claim)?;
            if let Some(id) = &claim.id
                && !claim_ids.insert(id.as_str())
            {
                return fail(format!("`{}`: claim id `{id}` appears more than once", self.id));
            }
            // With claim_sets, one path may appear in several claims (alternatives that differ
            // in `values`); without them a repeated path is a mistake.
            if self.claim_sets.is_none() && !paths.insert(&claim.path) {
                return fail(format!("`{}`: the same claim path appears more than once", self.id));
            }
        }
        if let Some(sets) = &self.claim_sets {
            check_array_len(sets.len(), "claim_sets")?;
            if claims.iter().any(|c| c.id.is_none()) {
                return fail(format!("`{}`: with `claim_sets` every claim needs an `id`", self.id));
            }
            for set in sets {
                check_array_len(set.len(), "a claim set")?;
                if let Some(unknown) = set.iter().find(|id| !claim_ids.contains(id.as_str())) {
                    return fail(format!("`{}`: `claim_sets` names unknown claim `{unknown}`", self.id));
                }
            }
        }
        Ok(())
    }

    fn validate_claim(&self, claim: &ClaimsQuery) -> Result<(), Error> {
        let fail = |message: String| Err(protocol(WHAT_DCQL, message));
        if let Some(id) = &claim.id
            && !is_dcql_id(id)
        {
            return fail(format!("`{}`: a claim id must be 1 to 64 of `A-Za-z0-9_-`", self.id));
        }
        if claim.path.is_empty() {
            return fail(format!("`{}`: a claim path is empty", self.id));
        }
        if claim.path.len() > MAX_PATH_LEN {
            return fail(format!("`{}`: a claim path is longer than {MAX_PATH_LEN}", self.id));
        }
        if self.format == FORMAT_MSO_MDOC
            && (claim.path.len() != 2 || claim.path.iter().any(|p| !matches!(p, PathElement::Key(_))))
        {
            return fail(format!(
                "`{}`: an mdoc claim path is a namespace and an element name",
                self.id
            ));
        }
        if let Some(values) = &claim.values {
            check_array_len(values.len(), "values")?;
            let allowed = |v: &Value| match v {
                Value::String(_) | Value::Bool(_) => true,
                Value::Number(n) => n.is_i64() || n.is_u64(),
                _ => false,
            };
            if !values.iter().all(allowed) {
                return fail(format!(
                    "`{}`: claim values must be strings, integers or booleans",
                    self.id
                ));
            }
        }
        Ok(())
    }
}

/// A non-empty array of at most [`MAX_ARRAY_LEN`] entries.
fn check_array_len(len: usize, what: &str) -> Result<(), Error> {
    if len == 0 {
        return Err(protocol(WHAT_DCQL, format!("`{what}` is empty")));
    }
    if len > MAX_ARRAY_LEN {
        return Err(protocol(
            WHAT_DCQL,
            format!("`{what}` has more than {MAX_ARRAY_LEN} entries"),
        ));
    }
    Ok(())
}

/// Whether `claim` selects at least one element of `root` (with one of its `values`, if any).
fn claim_matches(root: &Value, claim: &ClaimsQuery) -> bool {
    let Some(selected) = select(root, &claim.path) else {
        return false;
    };
    match &claim.values {
        None => true,
        Some(values) => selected.iter().any(|s| values.contains(s)),
    }
}

/// Processes a claims path pointer against a JSON credential (§7.1.1); `None` where the
/// processing aborts with an error or selects nothing.
pub fn select<'a>(root: &'a Value, path: &[PathElement]) -> Option<Vec<&'a Value>> {
    let mut selected = vec![root];
    for component in path {
        let mut next = Vec::new();
        for element in selected {
            match component {
                PathElement::Key(key) => next.extend(element.as_object()?.get(key)),
                PathElement::Wildcard => next.extend(element.as_array()?),
                PathElement::Index(index) => {
                    let array = element.as_array()?;
                    next.extend(usize::try_from(*index).ok().and_then(|i| array.get(i)));
                }
            }
        }
        selected = next;
    }
    (!selected.is_empty()).then_some(selected)
}
