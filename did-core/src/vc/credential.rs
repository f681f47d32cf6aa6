//! A verifiable credential, checked against the data model when it is built.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::datetime::{self, parse_date_time, parse_date_time_stamp};
use super::error::{CredentialError, Rule};
use super::rules::{
    check_context, check_language_values, check_optional_url, check_related_resources, check_type, check_typed_entries,
    check_url_or_object_with_id, entries, short,
};
use super::{DataModel, MAX_CREDENTIAL_LEN, parse_json_object};

/// A credential that passed every data-model check: the JSON as given plus the values a
/// verifier needs, parsed once.
///
/// Build one with [`Credential::from_json`] or [`Credential::from_slice`]. VC 2.0 is checked
/// in full; VC 1.1 credentials (`issuanceDate`, `expirationDate`) are read too.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    json: Map<String, Value>,
    model: DataModel,
    types: Vec<String>,
    issuer: String,
    valid_from: Option<OffsetDateTime>,
    valid_until: Option<OffsetDateTime>,
}

impl Credential {
    /// Parses and checks a credential from JSON text (at most [`MAX_CREDENTIAL_LEN`] bytes;
    /// duplicate member names refused).
    pub fn from_slice(bytes: &[u8]) -> Result<Credential, CredentialError> {
        if bytes.len() > MAX_CREDENTIAL_LEN {
            return Err(CredentialError::TooLarge {
                size: bytes.len(),
                limit: MAX_CREDENTIAL_LEN,
            });
        }
        Credential::from_map(parse_json_object(bytes)?)
    }

    /// Checks a credential given as a JSON value.
    pub fn from_json(value: Value) -> Result<Credential, CredentialError> {
        match value {
            Value::Object(map) => Credential::from_map(map),
            _ => Err(CredentialError::NotAnObject),
        }
    }

    /// Checks a credential given as a JSON object.
    pub fn from_map(json: Map<String, Value>) -> Result<Credential, CredentialError> {
        let model = check_context(&json)?;
        let types = check_type(&json, "VerifiableCredential", "$")?;
        check_optional_url(&json, "id", Rule::Id, "$")?;
        let issuer = match json.get("issuer") {
            None => return Err(CredentialError::invalid(Rule::Issuer, "$.issuer", "missing")),
            Some(value) => check_url_or_object_with_id(value, Rule::Issuer, "$.issuer")?,
        };
        check_subjects(&json)?;
        let (valid_from, valid_until) = match model {
            DataModel::V2 => (
                date_member(&json, "validFrom", Rule::ValidFrom, parse_date_time_stamp)?,
                date_member(&json, "validUntil", Rule::ValidUntil, parse_date_time_stamp)?,
            ),
            DataModel::V1_1 => {
                let issued = date_member(&json, "issuanceDate", Rule::IssuanceDate, parse_date_time)?;
                if issued.is_none() {
                    return Err(CredentialError::invalid(
                        Rule::IssuanceDate,
                        "$.issuanceDate",
                        "missing",
                    ));
                }
                (
                    issued,
                    date_member(&json, "expirationDate", Rule::ExpirationDate, parse_date_time)?,
                )
            }
        };
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until < from
        {
            return Err(CredentialError::invalid(
                Rule::ValidityPeriod,
                "$",
                "the end of the validity period is before its start",
            ));
        }
        check_typed_entries(&json, "credentialStatus", Rule::CredentialStatus, false)?;
        check_typed_entries(&json, "credentialSchema", Rule::CredentialSchema, true)?;
        check_typed_entries(&json, "evidence", Rule::Evidence, false)?;
        check_typed_entries(&json, "termsOfUse", Rule::TermsOfUse, false)?;
        check_typed_entries(&json, "refreshService", Rule::RefreshService, false)?;
        check_related_resources(&json)?;
        check_language_values(&json)?;
        Ok(Credential {
            json,
            model,
            types,
            issuer,
            valid_from,
            valid_until,
        })
    }

    /// The data model the `@context` declares.
    pub fn model(&self) -> DataModel {
        self.model
    }

    /// The credential's `id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.json.get("id").and_then(Value::as_str)
    }

    /// The values of `type` (always including `VerifiableCredential`).
    pub fn types(&self) -> &[String] {
        &self.types
    }

    /// The issuer's identifier: `issuer`, or `issuer.id`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Start of the validity period: `validFrom` (2.0) or `issuanceDate` (1.1).
    pub fn valid_from(&self) -> Option<OffsetDateTime> {
        self.valid_from
    }

    /// End of the validity period: `validUntil` (2.0) or `expirationDate` (1.1).
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        self.valid_until
    }

    /// The subjects: `credentialSubject` as one object or each object of the array.
    pub fn subjects(&self) -> Vec<&Map<String, Value>> {
        entries(&self.json, "credentialSubject", Rule::CredentialSubject)
            .map(|list| list.into_iter().map(|(_, subject)| subject).collect())
            .unwrap_or_default()
    }

    /// The `credentialStatus` entries.
    pub fn statuses(&self) -> Vec<&Map<String, Value>> {
        entries(&self.json, "credentialStatus", Rule::CredentialStatus)
            .map(|list| list.into_iter().map(|(_, status)| status).collect())
            .unwrap_or_default()
    }

    /// The credential as JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The credential as JSON, by value.
    pub fn into_json(self) -> Map<String, Value> {
        self.json
    }

    /// Checks the validity period against `now`, allowing `skew` either way for clocks that
    /// disagree (a door reader's clock may be a minute off).
    pub fn check_validity(&self, now: SystemTime, skew: Duration) -> Result<(), CredentialError> {
        check_period(self.valid_from, self.valid_until, now, skew)
    }
}

/// Checks that `now` lies within `[from - skew, until + skew]`.
pub(crate) fn check_period(
    from: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
    now: SystemTime,
    skew: Duration,
) -> Result<(), CredentialError> {
    let now = datetime::from_system_time(now);
    if let Some(from) = from
        && now + skew < from
    {
        return Err(CredentialError::NotYetValid {
            valid_from: datetime::format(from),
            now: datetime::format(now),
        });
    }
    if let Some(until) = until
        && now - skew > until
    {
        return Err(CredentialError::Expired {
            valid_until: datetime::format(until),
            now: datetime::format(now),
        });
    }
    Ok(())
}

/// `credentialSubject`: required, an object or a non-empty array of objects, none empty.
fn check_subjects(json: &Map<String, Value>) -> Result<(), CredentialError> {
    let rule = Rule::CredentialSubject;
    let subjects = match json.get("credentialSubject") {
        None => return Err(CredentialError::invalid(rule, "$.credentialSubject", "missing")),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(CredentialError::invalid(
                rule,
                "$.credentialSubject",
                "must not be empty",
            ));
        }
        Some(_) => entries(json, "credentialSubject", rule)?,
    };
    for (at, subject) in subjects {
        if subject.is_empty() {
            return Err(CredentialError::invalid(
                rule,
                at,
                "a subject must make at least one claim",
            ));
        }
        if let Some(id) = subject.get("id") {
            super::rules::check_url(id, rule, &format!("{at}.id"))?;
        }
    }
    Ok(())
}

/// Reads an optional date member with `parse`.
fn date_member(
    json: &Map<String, Value>,
    member: &str,
    rule: Rule,
    parse: fn(&str) -> Option<OffsetDateTime>,
) -> Result<Option<OffsetDateTime>, CredentialError> {
    let at = format!("$.{member}");
    match json.get(member) {
        None => Ok(None),
        Some(Value::String(s)) => parse(s).map(Some).ok_or_else(|| {
            CredentialError::invalid(
                rule,
                at,
                format!("{} is not an XML Schema date-time", short(&Value::String(s.clone()))),
            )
        }),
        Some(other) => Err(CredentialError::invalid(
            rule,
            at,
            format!("must be a string, found {}", short(other)),
        )),
    }
}
