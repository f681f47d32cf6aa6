//! A held credential: the record the wallet stores, and the view the app displays.

use did_core::json_pointer::escape;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::DojangError;

/// Claims that describe the credential rather than its subject; not listed as claims.
const REGISTERED: [&str; 9] = [
    "iss",
    "iat",
    "nbf",
    "exp",
    "cnf",
    "vct",
    "vct#integrity",
    "status",
    "_sd_alg",
];

/// A credential the wallet holds, as an app lists and displays it. It holds personal data
/// (its claims): do not log it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Credential {
    /// The wallet's ID for it (stable; pass it to the presentation functions).
    pub id: String,
    /// Always `dc+sd-jwt` (SD-JWT VC) today.
    pub format: String,
    /// Its type: the SD-JWT VC `vct`.
    pub credential_type: String,
    /// The issuer configuration it came from (e.g. `EmployeeIdCredential`).
    pub configuration_id: String,
    /// The issuer's display name for it, if its metadata gave one.
    pub display_name: Option<String>,
    /// The issuer (its DID, the credential's `iss`).
    pub issuer: String,
    /// When it was issued (Unix seconds), if it says.
    pub issued_at: Option<i64>,
    /// When it expires (Unix seconds), if it does.
    pub expires_at: Option<i64>,
    /// Its claims, one per value, sorted by path.
    pub claims: Vec<Claim>,
    /// The JSON pointers the holder may choose to disclose or withhold (pass a subset to the
    /// presentation functions); every other claim is always disclosed.
    pub disclosable: Vec<String>,
}

/// One claim of a `Credential`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Claim {
    /// Where it is: a JSON pointer such as `/department` or `/address/locality`.
    pub path: String,
    /// Its value as JSON text (`"Digital Policy"`, `true`, `["hq-main","lab"]`).
    pub value_json: String,
    /// Whether the holder can withhold it (or part of it) from a verifier.
    pub disclosable: bool,
}

/// What the wallet stores for one credential (JSON in the app's `CredentialStore`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Record {
    /// Always 1.
    pub(crate) version: u32,
    pub(crate) id: String,
    pub(crate) configuration_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) display_name: Option<String>,
    /// The issuer's URL, where the credential came from.
    pub(crate) issuer_url: String,
    /// The SD-JWT VC as issued, with every disclosure.
    pub(crate) sd_jwt: String,
    /// The processed claims, verified when the credential was received.
    pub(crate) claims: Map<String, Value>,
    /// The JSON pointers of the disclosures.
    pub(crate) disclosable: Vec<String>,
}

impl Record {
    /// Reads a stored record.
    pub(crate) fn from_json(text: &str) -> Result<Record, DojangError> {
        // The serde message could quote a claim value: only its position is reported.
        let record: Record = serde_json::from_str(text).map_err(|e| DojangError::Storage {
            code: "storage.corrupt".into(),
            detail: format!(
                "a stored credential record is not readable (line {}, column {}); delete it by its ID",
                e.line(),
                e.column()
            ),
        })?;
        if record.version != 1 {
            return Err(DojangError::Storage {
                code: "storage.corrupt".into(),
                detail: format!("record version {} is not supported", record.version),
            });
        }
        Ok(record)
    }

    /// The record as JSON.
    pub(crate) fn to_json(&self) -> Result<String, DojangError> {
        serde_json::to_string(self).map_err(|e| DojangError::Storage {
            code: "storage.encode".into(),
            detail: e.to_string(),
        })
    }

    /// The app's view of it.
    pub(crate) fn view(&self) -> Credential {
        let text = |name: &str| {
            self.claims
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let number = |name: &str| self.claims.get(name).and_then(Value::as_i64);
        let mut claims = Vec::new();
        for (name, value) in &self.claims {
            if !REGISTERED.contains(&name.as_str()) {
                flatten(&format!("/{}", escape(name)), value, &self.disclosable, &mut claims);
            }
        }
        Credential {
            id: self.id.clone(),
            format: crate::oid4vci::FORMAT_SD_JWT_VC.to_owned(),
            credential_type: text("vct"),
            configuration_id: self.configuration_id.clone(),
            display_name: self.display_name.clone(),
            issuer: text("iss"),
            issued_at: number("iat"),
            expires_at: number("exp"),
            claims,
            disclosable: self.disclosable.clone(),
        }
    }
}

/// Lists `value` at `path`: objects by their members, everything else (arrays too) whole.
fn flatten(path: &str, value: &Value, disclosable: &[String], out: &mut Vec<Claim>) {
    match value {
        Value::Object(members) if !members.is_empty() => {
            for (name, member) in members {
                flatten(&format!("{path}/{}", escape(name)), member, disclosable, out);
            }
        }
        _ => out.push(Claim {
            path: path.to_owned(),
            value_json: value.to_string(),
            disclosable: disclosable.iter().any(|d| is_within(path, d) || is_within(d, path)),
        }),
    }
}

/// Whether pointer `inner` is `outer` or inside it.
fn is_within(inner: &str, outer: &str) -> bool {
    inner == outer || inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_view_lists_subject_claims_and_what_can_be_withheld() {
        let claims = json!({
            "iss": "did:key:z1", "vct": "https://i/vct/E", "iat": 10, "exp": 20, "cnf": {"jwk": {}},
            "name": "Kim", "department": "Digital Policy",
            "address": {"locality": "Suwon", "a/b": 1}, "groups": ["x", "y"],
        });
        let record = Record {
            version: 1,
            id: "c1".into(),
            configuration_id: "E".into(),
            display_name: None,
            issuer_url: "https://i".into(),
            sd_jwt: String::new(),
            claims: claims.as_object().unwrap().clone(),
            disclosable: vec!["/department".into(), "/address/locality".into(), "/groups/1".into()],
        };
        let view = record.view();
        assert_eq!(view.credential_type, "https://i/vct/E");
        assert_eq!((view.issued_at, view.expires_at), (Some(10), Some(20)));
        let listed: Vec<(&str, &str, bool)> = view
            .claims
            .iter()
            .map(|c| (c.path.as_str(), c.value_json.as_str(), c.disclosable))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("/address/a~1b", "1", false),
                ("/address/locality", "\"Suwon\"", true),
                ("/department", "\"Digital Policy\"", true),
                ("/groups", "[\"x\",\"y\"]", true),
                ("/name", "\"Kim\"", false),
            ]
        );
    }
}
