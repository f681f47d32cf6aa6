//! Credential types as data: each template is one JSON file holding the type's name, display
//! names, JSON Schema for the subject claims, derived claims, default selective disclosure
//! and validity. `EmployeeIdCredential` and `CitizenCardCredential` are built in (the files
//! under `vc-issuer/templates/`); a folder given as `templates_dir` adds more, so a third
//! credential type needs no code.

mod derive;
mod metadata;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};
use time::Date;

use crate::Error;

pub use derive::Derived;

/// The built-in templates, embedded at build time.
const BUILT_IN: [&str; 2] = [
    include_str!("../../templates/employee-id.json"),
    include_str!("../../templates/citizen-card.json"),
];

/// The largest template file read.
const MAX_TEMPLATE_LEN: u64 = 256 * 1024;

/// One display name in one locale.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Display {
    /// BCP 47 language tag.
    pub locale: String,
    /// The name shown in wallets.
    pub name: String,
}

/// A credential type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The type name, e.g. `EmployeeIdCredential`; also the route segment of its schema and
    /// type metadata, and the OpenID4VCI credential configuration ID.
    pub name: String,
    /// One sentence for people.
    pub description: String,
    /// Display names by locale.
    pub display: Vec<Display>,
    /// The W3C `type` array.
    pub types: Vec<String>,
    /// Default validity in days from issuance.
    pub validity_days: u32,
    /// The claim that identifies the subject among this type's records (e.g. the employee
    /// number); re-issuing and bulk issuance find records by it.
    pub record_key: String,
    /// Claims computed from others at issuance (e.g. `age_over_19` from `birth_date`).
    #[serde(default)]
    pub derived: Vec<Derived>,
    /// JSON Pointers (into the subject claims) made selectively disclosable in SD-JWT VC;
    /// `/x/*` means every element of the array `x`.
    pub selectively_disclosable: Vec<String>,
    /// Claim labels by claim name and locale.
    #[serde(default)]
    pub claims_display: BTreeMap<String, BTreeMap<String, String>>,
    /// JSON Schema (2020-12) of the subject claims, derived claims included.
    pub schema: Value,
    #[serde(skip)]
    validator: Option<std::sync::Arc<jsonschema::Validator>>,
}

impl Template {
    /// Parses and checks one template.
    pub fn from_json(text: &str) -> Result<Template, Error> {
        let mut template: Template =
            serde_json::from_str(text).map_err(|e| Error::config("template", e.to_string()))?;
        let field = |f: &str| format!("template {}: {f}", template.name);
        if template.name.is_empty() || !template.name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::config("template.name", "must be ASCII letters and digits"));
        }
        if template.types.first().map(String::as_str) != Some("VerifiableCredential")
            || !template.types.contains(&template.name)
        {
            return Err(Error::config(
                field("types"),
                "must start with VerifiableCredential and contain the template's name",
            ));
        }
        let key = &template.record_key;
        let required = template
            .schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(key.as_str())));
        let string = template
            .schema
            .pointer(&format!("/properties/{key}/type"))
            .and_then(Value::as_str)
            == Some("string");
        if !required || !string {
            return Err(Error::config(
                field("record_key"),
                format!("{key:?} must be a required string property of the schema: it identifies the record"),
            ));
        }
        let validator =
            jsonschema::validator_for(&template.schema).map_err(|e| Error::config(field("schema"), e.to_string()))?;
        for derived in &template.derived {
            derived
                .check(&template.schema)
                .map_err(|m| Error::config(field("derived"), m))?;
        }
        template.validator = Some(std::sync::Arc::new(validator));
        Ok(template)
    }

    /// Completes and validates `claims` for issuance on `today`: derived claims are added
    /// (a caller may not set them), then the whole object must match the schema. Errors
    /// name the claim at fault as a JSON Pointer.
    pub fn subject_claims(&self, claims: &Value, today: Date) -> Result<Map<String, Value>, Error> {
        let Value::Object(map) = claims else {
            return Err(Error::invalid("/claims", "must be a JSON object"));
        };
        let mut map = map.clone();
        for derived in &self.derived {
            if map.contains_key(&derived.claim) {
                return Err(Error::invalid(
                    format!("/claims/{}", derived.claim),
                    "is derived by the issuer and cannot be given",
                ));
            }
            let value = derived.compute(&map, today)?;
            map.insert(derived.claim.clone(), value);
        }
        let instance = Value::Object(map);
        self.validate_value(&instance)?;
        match instance {
            Value::Object(map) => {
                // Every record needs its key, whatever the schema says.
                self.record_key_of(&map)?;
                Ok(map)
            }
            _ => Err(Error::invalid("/claims", "must be a JSON object")),
        }
    }

    /// Validates `claims` for an offer, as [`Template::subject_claims`] does for issuance, and
    /// returns the record key and the claims to keep: the given ones only, so that the
    /// derived ones are computed on the day the credential is signed.
    pub fn offer_claims(&self, claims: &Value, today: Date) -> Result<(String, Map<String, Value>), Error> {
        let checked = self.subject_claims(claims, today)?;
        Ok((self.record_key_of(&checked)?, self.without_derived(checked)))
    }

    /// `claims` without the claims this template derives: what an offer or a re-issue keeps,
    /// so that issuance computes them afresh on the day it signs (and
    /// [`Template::subject_claims`] does not refuse them as given).
    pub fn without_derived(&self, mut claims: Map<String, Value>) -> Map<String, Value> {
        for derived in &self.derived {
            claims.remove(&derived.claim);
        }
        claims
    }

    /// Checks claims against the schema, reporting the first error with its location.
    pub fn validate(&self, claims: &Map<String, Value>) -> Result<(), Error> {
        self.validate_value(&Value::Object(claims.clone()))
    }

    /// [`Template::validate`] of claims already in a [`Value`]: the compiled schema's quick
    /// yes/no first, the error walk (which builds messages) only for invalid claims.
    fn validate_value(&self, instance: &Value) -> Result<(), Error> {
        let Some(validator) = &self.validator else {
            return Err(Error::config("template", "not compiled"));
        };
        if validator.is_valid(instance) {
            return Ok(());
        }
        match validator.iter_errors(instance).next() {
            None => Ok(()),
            Some(error) => Err(Error::invalid(
                format!("/claims{}", error.instance_path()),
                error.to_string(),
            )),
        }
    }

    /// The value of the record key in `claims`.
    pub fn record_key_of(&self, claims: &Map<String, Value>) -> Result<String, Error> {
        match claims.get(&self.record_key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(Error::invalid(
                format!("/claims/{}", self.record_key),
                "is required: it identifies the record",
            )),
        }
    }

    /// The selectively disclosable pointers for these claims, `/x/*` expanded.
    pub fn disclosable_pointers(&self, claims: &Map<String, Value>) -> Vec<String> {
        let mut out = Vec::new();
        for pointer in &self.selectively_disclosable {
            if let Some(array) = pointer.strip_suffix("/*") {
                let name = array.trim_start_matches('/');
                if let Some(Value::Array(items)) = claims.get(name) {
                    out.extend((0..items.len()).map(|i| format!("{array}/{i}")));
                }
            } else if claims.contains_key(pointer.trim_start_matches('/')) {
                out.push(pointer.clone());
            }
        }
        out
    }
}

/// The templates a service knows, by name.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    by_name: BTreeMap<String, Template>,
}

impl Templates {
    /// The built-in templates.
    pub fn built_in() -> Result<Templates, Error> {
        let mut templates = Templates::default();
        for text in BUILT_IN {
            templates.add(Template::from_json(text)?)?;
        }
        Ok(templates)
    }

    /// The built-in templates plus every `*.json` in `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Templates, Error> {
        let mut templates = Templates::built_in()?;
        let Some(dir) = dir else { return Ok(templates) };
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("templates_dir {}", dir.display()), e))?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let text = read_limited(&path)?;
            let template = Template::from_json(&text).map_err(|e| match e {
                Error::Config { field, message } => Error::config(format!("{}: {field}", path.display()), message),
                other => other,
            })?;
            templates.add(template)?;
        }
        Ok(templates)
    }

    fn add(&mut self, template: Template) -> Result<(), Error> {
        if self.by_name.contains_key(&template.name) {
            return Err(Error::config(
                "templates",
                format!("{} is defined twice", template.name),
            ));
        }
        self.by_name.insert(template.name.clone(), template);
        Ok(())
    }

    /// The template named `name`.
    pub fn get(&self, name: &str) -> Result<&Template, Error> {
        self.by_name.get(name).ok_or_else(|| {
            Error::NotFound(format!(
                "credential type {:?}",
                name.chars().take(64).collect::<String>()
            ))
        })
    }

    /// Every template, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Template> {
        self.by_name.values()
    }
}

fn read_limited(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let mut text = String::new();
    file.take(MAX_TEMPLATE_LEN + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if text.len() as u64 > MAX_TEMPLATE_LEN {
        return Err(Error::config(path.display().to_string(), "template over 256 KiB"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    const EMPLOYEE: &str = include_str!("../../templates/employee-id.json");

    /// Type metadata: a required claim is `mandatory`, an optional one is not, and a claim or
    /// type without labels carries no empty `display` (the draft wants one entry per locale).
    #[test]
    fn type_metadata_marks_required_claims_and_omits_empty_display() {
        let template = Template::from_json(EMPLOYEE).unwrap();
        let metadata = template.type_metadata("https://issuer.example");
        let claim = |name: &str| {
            metadata["claims"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["path"] == serde_json::json!([name]))
                .cloned()
                .unwrap()
        };
        assert_eq!(claim("employee_number")["mandatory"], true);
        assert!(claim("photo_digest").get("mandatory").is_none());
        assert_eq!(claim("department")["display"][0]["locale"], "en-US");

        let mut bare: Value = serde_json::from_str(EMPLOYEE).unwrap();
        bare["display"] = serde_json::json!([]);
        bare["claims_display"] = serde_json::json!({});
        let bare = Template::from_json(&bare.to_string()).unwrap();
        let metadata = bare.type_metadata("https://issuer.example");
        assert!(metadata.get("display").is_none(), "{metadata}");
        for claim in metadata["claims"].as_array().unwrap() {
            assert!(claim.get("display").is_none(), "{claim}");
        }
    }

    /// Found by the `issuer_template` fuzz target: a template whose schema did not require
    /// its record key (here `required` misspelled) loaded, and then accepted claims without
    /// one, so a record could not be keyed. Such a template is now refused at load, and
    /// claims without their record key are refused whatever the schema says.
    #[test]
    fn fuzz_issuer_template_record_key_not_required() {
        let misspelled = EMPLOYEE.replacen("\"required\"", "\"ruqeired\"", 1);
        match Template::from_json(&misspelled) {
            Err(Error::Config { field, .. }) => assert!(field.ends_with("record_key"), "{field}"),
            other => panic!("expected a record_key configuration error, got {other:?}"),
        }
        let not_a_string = EMPLOYEE.replacen(
            r#""employee_number": {"type": "string""#,
            r#""employee_number": {"type": "integer""#,
            1,
        );
        assert_ne!(not_a_string, EMPLOYEE);
        assert!(Template::from_json(&not_a_string).is_err());

        let template = Template::from_json(EMPLOYEE).unwrap();
        let today = time::macros::date!(2026 - 11 - 22);
        let err = template.subject_claims(&serde_json::json!({}), today).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }
}
