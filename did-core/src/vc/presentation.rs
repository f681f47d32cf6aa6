//! A verifiable presentation and the credentials it carries.

use serde_json::{Map, Value};

use super::credential::Credential;
use super::error::{CredentialError, Rule};
use super::rules::{check_context, check_optional_url, check_type, check_url_or_object_with_id, short};
use super::{DataModel, MAX_CREDENTIAL_LEN, parse_json_object};

/// A credential inside a presentation, in the form it was carried.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EmbeddedCredential {
    /// A credential object, secured (if at all) by its own embedded `proof`.
    Object(Box<Credential>),
    /// An `EnvelopedVerifiableCredential`: its `id` is a `data:` URL holding a secured credential
    /// (VC-JOSE-COSE §3.2), e.g. `data:application/vc+jwt,eyJ…`.
    Enveloped {
        /// The media type of the data URL, e.g. `application/vc+jwt` or `application/dc+sd-jwt`.
        media_type: String,
        /// The secured credential (the data URL's payload).
        token: String,
    },
    /// A compact JWT string, as VC 1.1 JWT presentations carry credentials.
    Jwt(String),
}

/// A presentation that passed every data-model check.
#[derive(Debug, Clone, PartialEq)]
pub struct Presentation {
    json: Map<String, Value>,
    model: DataModel,
    holder: Option<String>,
    credentials: Vec<EmbeddedCredential>,
}

impl Presentation {
    /// Parses and checks a presentation from JSON text (at most [`MAX_CREDENTIAL_LEN`] bytes).
    pub fn from_slice(bytes: &[u8]) -> Result<Presentation, CredentialError> {
        if bytes.len() > MAX_CREDENTIAL_LEN {
            return Err(CredentialError::TooLarge {
                size: bytes.len(),
                limit: MAX_CREDENTIAL_LEN,
            });
        }
        Presentation::from_map(parse_json_object(bytes)?)
    }

    /// Checks a presentation given as a JSON value.
    pub fn from_json(value: Value) -> Result<Presentation, CredentialError> {
        match value {
            Value::Object(map) => Presentation::from_map(map),
            _ => Err(CredentialError::NotAnObject),
        }
    }

    /// Checks a presentation given as a JSON object. Embedded credential objects are checked
    /// as credentials; enveloped and JWT credentials are only unwrapped (their securing format
    /// checks them).
    pub fn from_map(json: Map<String, Value>) -> Result<Presentation, CredentialError> {
        let model = check_context(&json)?;
        check_type(&json, "VerifiablePresentation", "$")?;
        check_optional_url(&json, "id", Rule::Id, "$")?;
        let holder = json
            .get("holder")
            .map(|h| check_url_or_object_with_id(h, Rule::Holder, "$.holder"))
            .transpose()?;
        let credentials = match json.get("verifiableCredential") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| embedded(item, &format!("$.verifiableCredential[{i}]")))
                .collect::<Result<_, _>>()?,
            Some(item) => vec![embedded(item, "$.verifiableCredential")?],
        };
        Ok(Presentation {
            json,
            model,
            holder,
            credentials,
        })
    }

    /// The data model the `@context` declares.
    pub fn model(&self) -> DataModel {
        self.model
    }

    /// The holder's identifier (`holder` or `holder.id`), if given.
    pub fn holder(&self) -> Option<&str> {
        self.holder.as_deref()
    }

    /// The credentials carried, in order.
    pub fn credentials(&self) -> &[EmbeddedCredential] {
        &self.credentials
    }

    /// The presentation as JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }
}

fn embedded(item: &Value, at: &str) -> Result<EmbeddedCredential, CredentialError> {
    let rule = Rule::VerifiableCredential;
    match item {
        Value::String(jwt) => Ok(EmbeddedCredential::Jwt(jwt.clone())),
        Value::Object(object) if is_enveloped(object) => {
            let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
            let (media_type, token) = parse_data_url(id)
                .ok_or_else(|| CredentialError::invalid(rule, format!("{at}.id"), "must be a data: URL"))?;
            Ok(EmbeddedCredential::Enveloped { media_type, token })
        }
        Value::Object(object) => {
            let credential = Credential::from_map(object.clone()).map_err(|e| match e {
                CredentialError::Invalid {
                    rule,
                    at: inner,
                    reason,
                } => CredentialError::Invalid {
                    rule,
                    at: format!("{at}{}", inner.trim_start_matches('$')),
                    reason,
                },
                other => other,
            })?;
            Ok(EmbeddedCredential::Object(Box::new(credential)))
        }
        other => Err(CredentialError::invalid(
            rule,
            at,
            format!("must be a credential object or a JWT, found {}", short(other)),
        )),
    }
}

fn is_enveloped(object: &Map<String, Value>) -> bool {
    match object.get("type") {
        Some(Value::String(t)) => t == "EnvelopedVerifiableCredential",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "EnvelopedVerifiableCredential"),
        _ => false,
    }
}

/// Splits `data:<media type>[;params],<data>` into the media type and the data.
pub(crate) fn parse_data_url(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("data:")?;
    let (head, data) = rest.split_once(',')?;
    let media_type = head.split(';').next().unwrap_or_default();
    if media_type.is_empty() || head.contains(";base64") {
        return None;
    }
    Some((media_type.to_owned(), data.to_owned()))
}
