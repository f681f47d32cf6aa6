//! What a template publishes: its JSON Schema (the W3C `credentialSchema`), its SD-JWT VC
//! type metadata (the `vct` URL resolves to it) and its display names.

use serde_json::{Value, json};

use super::Template;

impl Template {
    /// The `vct` of this type: `<public_url>/vct/<name>`, which serves [`Template::type_metadata`].
    pub fn vct(&self, public_url: &str) -> String {
        format!("{public_url}/vct/{}", self.name)
    }

    /// The URL of the subject claims' JSON Schema: `<public_url>/schemas/<name>`.
    pub fn schema_url(&self, public_url: &str) -> String {
        format!("{public_url}/schemas/{}", self.name)
    }

    /// The JSON Schema document, with its `$id`.
    pub fn schema_document(&self, public_url: &str) -> Value {
        let mut schema = self.schema.clone();
        if let Value::Object(map) = &mut schema {
            map.insert("$id".into(), Value::String(self.schema_url(public_url)));
        }
        schema
    }

    /// The W3C `credentialSchema` member.
    pub fn credential_schema(&self, public_url: &str) -> Value {
        json!({"id": self.schema_url(public_url), "type": "JsonSchema"})
    }

    /// SD-JWT VC type metadata (draft-ietf-oauth-sd-jwt-vc §6): display, claim labels with
    /// their selective-disclosure rule, and the schema by reference.
    pub fn type_metadata(&self, public_url: &str) -> Value {
        let disclosable = |name: &str| {
            self.selectively_disclosable
                .iter()
                .any(|p| p.trim_start_matches('/').split('/').next() == Some(name))
        };
        let properties = self.schema.get("properties").and_then(Value::as_object);
        let claims: Vec<Value> = properties
            .into_iter()
            .flat_map(|p| p.keys())
            .map(|name| {
                let display: Vec<Value> = self
                    .claims_display
                    .get(name)
                    .into_iter()
                    .flat_map(|labels| labels.iter())
                    .map(|(locale, label)| json!({"lang": locale, "label": label}))
                    .collect();
                json!({
                    "path": [name],
                    "display": display,
                    "sd": if disclosable(name) { "always" } else { "never" },
                })
            })
            .collect();
        let display: Vec<Value> = self
            .display
            .iter()
            .map(|d| json!({"lang": d.locale, "name": d.name}))
            .collect();
        json!({
            "vct": self.vct(public_url),
            "name": self.name,
            "description": self.description,
            "display": display,
            "claims": claims,
            "schema_uri": self.schema_url(public_url),
        })
    }
}
