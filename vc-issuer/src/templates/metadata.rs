//! What a template publishes: its JSON Schema (the W3C `credentialSchema`), its SD-JWT VC
//! type metadata (the `vct` URL resolves to it) and its display names.

use serde_json::{Map, Value, json};

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

    /// SD-JWT VC type metadata (draft-ietf-oauth-sd-jwt-vc, "Type Metadata"): display names
    /// and claim labels by `locale`, and each claim's selective-disclosure rule (`sd`). An
    /// array whose elements are disclosable one by one (`/access_groups/*`) is itself in clear
    /// (`sd: "never"`), and its elements (`path: [name, null]`) are `sd: "always"`. A claim
    /// the schema requires is `mandatory`. A claim with no labels has no `display` (the draft
    /// wants one entry per locale, so an empty list would say nothing). The claims' JSON
    /// Schema is published at [`Template::schema_url`] for W3C credentials; the current draft
    /// has no schema member, so none is given here.
    pub fn type_metadata(&self, public_url: &str) -> Value {
        let rule = |pointer: &str| {
            if self.selectively_disclosable.iter().any(|p| p == pointer) {
                "always"
            } else {
                "never"
            }
        };
        let properties = self.schema.get("properties").and_then(Value::as_object);
        let required: Vec<&str> = self
            .schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut claims: Vec<Value> = Vec::new();
        for name in properties.into_iter().flat_map(|p| p.keys()) {
            let display: Vec<Value> = self
                .claims_display
                .get(name)
                .into_iter()
                .flat_map(|labels| labels.iter())
                .map(|(locale, label)| json!({"locale": locale, "label": label}))
                .collect();
            let mut claim = Map::new();
            claim.insert("path".into(), json!([name]));
            if !display.is_empty() {
                claim.insert("display".into(), Value::Array(display));
            }
            claim.insert("sd".into(), json!(rule(&format!("/{name}"))));
            if required.contains(&name.as_str()) {
                claim.insert("mandatory".into(), Value::Bool(true));
            }
            claims.push(Value::Object(claim));
            let elements = format!("/{name}/*");
            if self.selectively_disclosable.contains(&elements) {
                claims.push(json!({"path": [name, null], "sd": rule(&elements)}));
            }
        }
        let display: Vec<Value> = self
            .display
            .iter()
            .map(|d| json!({"locale": d.locale, "name": d.name}))
            .collect();
        let mut metadata = Map::new();
        metadata.insert("vct".into(), Value::String(self.vct(public_url)));
        metadata.insert("name".into(), Value::String(self.name.clone()));
        metadata.insert("description".into(), Value::String(self.description.clone()));
        if !display.is_empty() {
            metadata.insert("display".into(), Value::Array(display));
        }
        metadata.insert("claims".into(), Value::Array(claims));
        Value::Object(metadata)
    }
}
