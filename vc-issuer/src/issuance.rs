//! The issuance engine shared by every route: validate the claims against the template,
//! commit the record with its status-list slot, then sign in the requested format.
//!
//! The order matters: a credential is only ever returned after its record is committed, so
//! every credential in a holder's hands can be found, suspended and revoked.

use std::sync::Arc;
use std::time::SystemTime;

use did_core::clock::Clock;
use did_core::data_integrity::{self, StaticLoader};
use did_core::key::{Signer, VerifyingKey};
use did_core::secure::{SecureOptions, secure};
use did_core::status::{BitstringStatusListEntry, StatusListReference, StatusPurpose};
use did_core::vc::{CONTEXT_V2, Credential};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::issue::Format;
use crate::store::{CredentialRecord, NewCredential, Store};
use crate::templates::{Template, Templates};

/// The VC 1.1 context.
const CONTEXT_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// The Bitstring Status List terms, for VC 1.1 credentials (VC 2.0's context has them).
const CONTEXT_STATUS_V1: &str = "https://www.w3.org/ns/credentials/status/v1";
/// The Data Integrity terms, for VC 1.1 credentials (VC 2.0's context has them).
const CONTEXT_DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";

/// Appends `context` to the credential's `@context` unless it is there already.
fn append_context(credential: &mut Map<String, Value>, context: &str) {
    match credential.get_mut("@context") {
        Some(Value::Array(contexts)) if !contexts.iter().any(|c| c.as_str() == Some(context)) => {
            contexts.push(Value::String(context.to_owned()));
        }
        Some(Value::String(only)) if only != context => {
            let first = std::mem::take(only);
            credential.insert(
                "@context".into(),
                Value::Array(vec![Value::String(first), Value::String(context.to_owned())]),
            );
        }
        _ => {}
    }
}

/// Who the credential is bound to.
#[derive(Debug, Clone, Default)]
pub struct Holder {
    /// The holder's DID (`credentialSubject.id` / `sub`).
    pub did: Option<String>,
    /// The holder's key (SD-JWT VC `cnf.jwk`).
    pub key: Option<VerifyingKey>,
    /// A key of the holder's DID, as a DID URL (SD-JWT VC `cnf.kid`, in place of `cnf.jwk`):
    /// presentations must then be signed by whatever key the DID lists under it, so the
    /// credential follows the DID's key rotations.
    pub did_key: Option<String>,
}

impl Holder {
    /// Bound to `key` (`cnf.jwk`).
    pub fn bound_to_key(key: VerifyingKey) -> Holder {
        Holder {
            did: None,
            key: Some(key),
            did_key: None,
        }
    }

    /// Bound to the DID key `did_url` (`cnf.kid`); the DID is also the subject (`sub`) and
    /// what the credential's record is found by.
    pub fn bound_to_did_key(did_url: String) -> Holder {
        Holder {
            did: did_url.split('#').next().map(str::to_owned),
            key: None,
            did_key: Some(did_url),
        }
    }
}

/// One issuance request, from any route.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The template name.
    pub template: String,
    /// The subject claims.
    pub claims: Value,
    /// The securing format.
    pub format: Format,
    /// The holder binding.
    pub holder: Holder,
    /// Validity end (Unix seconds); default: the template's validity.
    pub valid_until: Option<i64>,
    /// Makes the request idempotent.
    pub idempotency_key: Option<String>,
    /// The credential this one replaces.
    pub replaces: Option<String>,
}

/// An issued credential and its record.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The committed record.
    pub record: CredentialRecord,
    /// Compact JWT / SD-JWT as a string, Data Integrity as a JSON object.
    pub credential: Value,
}

/// The key the issuer signs with and the verification method that names it, as one value.
#[derive(Clone)]
pub struct Signing {
    /// Signs credentials and status lists; its key ID is `method`.
    pub signer: Arc<dyn Signer>,
    /// The verification method credentials name (`kid`, `verificationMethod`).
    pub method: String,
}

/// Where the issuer's current [`Signing`] lives: replaced whole when the key is rotated, and
/// read whole, so a credential never names one key while another signs it.
pub struct SigningSlot(std::sync::RwLock<Arc<Signing>>);

impl SigningSlot {
    /// A slot holding `signer`, named by `method`.
    pub fn new(signer: Arc<dyn Signer>, method: String) -> SigningSlot {
        SigningSlot(std::sync::RwLock::new(Arc::new(Signing { signer, method })))
    }

    /// The key and method in use now.
    pub fn current(&self) -> Arc<Signing> {
        Arc::clone(&self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Signs with `signer`, named by `method`, from now on.
    pub(crate) fn replace(&self, signer: Arc<dyn Signer>, method: String) {
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(Signing { signer, method });
    }
}

/// The issuer: its key and DID, templates, database and public URL.
pub struct Issuer {
    /// The key credentials and status lists are signed with now (see [`Issuer::signing`]).
    pub signing: SigningSlot,
    /// The issuer DID.
    pub did: String,
    /// The base URL of the service (no trailing slash).
    pub public_url: String,
    /// The database.
    pub store: Store,
    /// The credential types.
    pub templates: Templates,
    /// Entries per status list.
    pub list_size: u64,
    /// The time issuance reads (once per credential: its validity, `iat` and proof `created`
    /// agree); [`SystemClock`](did_core::clock::SystemClock) in the service.
    pub clock: Arc<dyn Clock>,
}

impl Issuer {
    /// The key and verification method to sign with now.
    pub fn signing(&self) -> Arc<Signing> {
        self.signing.current()
    }
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("did", &self.did)
            .field("method", &self.signing().method)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// The URL of status list `list` for `purpose` (`revocation`, `suspension`) or `token`
    /// (the IETF Token Status List).
    pub fn status_list_url(&self, list: i64, purpose: &str) -> String {
        format!("{}/status/{list}/{purpose}", self.public_url)
    }

    /// Validates, records and signs one credential; `actor` goes to the audit log.
    pub async fn issue(&self, request: IssueRequest, actor: &str) -> Result<Issued, Error> {
        let template = self.templates.get(&request.template)?;
        let now = OffsetDateTime::from(self.clock.now());
        let claims = template.subject_claims(&request.claims, now.date())?;
        let record_key = template.record_key_of(&claims)?;
        let valid_from = now.unix_timestamp();
        let valid_until = match request.valid_until {
            Some(until) if until <= valid_from => {
                return Err(Error::invalid("/validUntil", "must be after the issuance time"));
            }
            Some(until) => until,
            None => valid_from + i64::from(template.validity_days) * 86_400,
        };
        if let Some(key) = &request.idempotency_key
            && let Some(existing) = self.store.credential_by_idempotency_key(key).await?
        {
            return Err(Error::Conflict(format!(
                "idempotency key already used by {}",
                existing.id
            )));
        }
        let new = NewCredential {
            id: format!("urn:uuid:{}", uuid_v7()),
            template: template.name.clone(),
            record_key,
            format: request.format.name().to_owned(),
            claims,
            holder: request.holder.did.clone(),
            valid_from,
            valid_until,
            replaces: request.replaces.clone(),
            idempotency_key: request.idempotency_key.clone(),
        };
        let record = self.store.insert_credential(&new, self.list_size, actor).await?;
        let credential = self
            .sign_at(template, &record, &request.holder, request.format, now.into())
            .await?;
        Ok(Issued { record, credential })
    }

    /// Signs a credential for an existing record (used by issuance and re-issuance), at the
    /// clock's time.
    pub async fn sign(
        &self,
        template: &Template,
        record: &CredentialRecord,
        holder: &Holder,
        format: Format,
    ) -> Result<Value, Error> {
        self.sign_at(template, record, holder, format, self.clock.now()).await
    }

    /// [`Issuer::sign`] at `now` (the SD-JWT `iat`, the proof's `created`).
    async fn sign_at(
        &self,
        template: &Template,
        record: &CredentialRecord,
        holder: &Holder,
        format: Format,
        now: SystemTime,
    ) -> Result<Value, Error> {
        match format {
            Format::SdJwt => {
                let claims = self.sd_jwt_claims(template, record, holder, now);
                let signing = self.signing();
                let mut options = SecureOptions::new(signing.method.clone(), now);
                for pointer in template.disclosable_pointers(&record.claims) {
                    options = options.disclose(pointer);
                }
                if let Some(did_url) = &holder.did_key {
                    options = options.holder_did_url(did_url.clone());
                } else if let Some(key) = &holder.key {
                    options = options.holder_key(key.clone());
                }
                Ok(
                    secure(&Value::Object(claims), format, &options, signing.signer.as_ref())
                        .await?
                        .into_json(),
                )
            }
            _ => {
                let credential = self.w3c_credential(template, record, holder, format == Format::Vc1Jwt)?;
                self.sign_w3c_at(credential, format, now).await
            }
        }
    }

    /// Secures a W3C credential in `format` with the issuer's signer (JWT or Data Integrity),
    /// at the clock's time.
    pub(crate) async fn sign_w3c(&self, credential: Map<String, Value>, format: Format) -> Result<Value, Error> {
        self.sign_w3c_at(credential, format, self.clock.now()).await
    }

    /// [`Issuer::sign_w3c`] at `now` (the proof's `created`).
    async fn sign_w3c_at(
        &self,
        credential: Map<String, Value>,
        format: Format,
        now: SystemTime,
    ) -> Result<Value, Error> {
        if format == Format::SdJwt {
            return Err(Error::Unsupported(
                "sd-jwt does not secure a W3C credential here".into(),
            ));
        }
        let signing = self.signing();
        let options = SecureOptions::new(signing.method.clone(), now);
        Ok(
            secure(&Value::Object(credential), format, &options, signing.signer.as_ref())
                .await?
                .into_json(),
        )
    }

    /// The `credentialStatus` entries of a record: revocation and suspension, one slot.
    fn status_entries(&self, record: &CredentialRecord) -> Result<Value, Error> {
        self.status_entries_at(&record.id, record.status_list, record.status_index)
    }

    /// The `credentialStatus` entries for slot `index` of list `list`.
    fn status_entries_at(&self, id: &str, list: i64, index: i64) -> Result<Value, Error> {
        let mut entries = Vec::new();
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            let entry = BitstringStatusListEntry::new(
                purpose,
                u64::try_from(index).unwrap_or(0),
                self.status_list_url(list, purpose.as_str()),
            )
            .map_err(|e| Error::Core(e.into()))?;
            entries.push(
                entry
                    .with_id(format!("{id}#{}-{index}", purpose.as_str()))
                    .to_json_value(),
            );
        }
        Ok(Value::Array(entries))
    }

    /// The W3C credential (VC 2.0, or VC 1.1 for the `vc1-jwt` encoding) for a record.
    pub fn w3c_credential(
        &self,
        template: &Template,
        record: &CredentialRecord,
        holder: &Holder,
        v1: bool,
    ) -> Result<Map<String, Value>, Error> {
        let mut subject = Map::new();
        if let Some(did) = &holder.did {
            subject.insert("id".into(), Value::String(did.clone()));
        }
        subject.extend(record.claims.clone());
        let mut credential = json!({
            "@context": if v1 {
                json!([CONTEXT_V1])
            } else {
                // Template claims are plain JSON names: give them IRIs under the issuer's
                // vocabulary so JSON-LD processing (Data Integrity RDFC) keeps every claim.
                json!([CONTEXT_V2, {"@vocab": format!("{}/vocab#", self.public_url)}])
            },
            "id": record.id,
            "type": template.types,
            "issuer": self.did,
            "credentialSubject": subject,
            "credentialSchema": template.credential_schema(&self.public_url),
            "credentialStatus": self.status_entries(record)?,
        });
        let (from_name, until_name) = if v1 {
            ("issuanceDate", "expirationDate")
        } else {
            ("validFrom", "validUntil")
        };
        if let Value::Object(map) = &mut credential {
            map.insert(from_name.into(), Value::String(rfc3339(record.valid_from)?));
            map.insert(until_name.into(), Value::String(rfc3339(record.valid_until)?));
            return Ok(std::mem::take(map));
        }
        Err(Error::Unsupported("credential is not an object".into()))
    }

    /// The SD-JWT VC claims set for a record (before disclosures are cut out).
    pub fn sd_jwt_claims(
        &self,
        template: &Template,
        record: &CredentialRecord,
        holder: &Holder,
        now: SystemTime,
    ) -> Map<String, Value> {
        let iat = OffsetDateTime::from(now).unix_timestamp();
        let mut claims = Map::new();
        claims.insert("iss".into(), Value::String(self.did.clone()));
        claims.insert("vct".into(), Value::String(template.vct(&self.public_url)));
        claims.insert("iat".into(), json!(iat));
        claims.insert("nbf".into(), json!(record.valid_from));
        claims.insert("exp".into(), json!(record.valid_until));
        if let Some(did) = &holder.did {
            claims.insert("sub".into(), Value::String(did.clone()));
        }
        if let Ok(reference) = StatusListReference::new(
            u64::try_from(record.status_index).unwrap_or(0),
            self.status_list_url(record.status_list, "token"),
        ) {
            claims.insert("status".into(), reference.to_status_claim());
        }
        claims.extend(record.claims.clone());
        claims
    }
}

fn rfc3339(unix: i64) -> Result<String, Error> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| Error::invalid("/validUntil", "out of range"))
}

/// A time-ordered (version 7) UUID, hyphenated: 48 bits of Unix milliseconds, then random
/// bits (a counter keeps IDs made in the same millisecond by this process in order).
///
/// Credential IDs are these: the database then adds each new record at the end of its ID
/// index instead of at a random place in it (one page written per batch rather than one
/// per record), and listing by ID is listing in issuance order. The time they reveal is
/// the issuance time the credential states anyway.
pub fn uuid_v7() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// The template name recorded for credentials issued as given (no template).
pub const GENERIC: &str = "VerifiableCredential";

impl Issuer {
    /// Issues a W3C credential as the caller wrote it (the W3C VC-API path, for types without
    /// a template): the issuer, an `id` when missing, `validFrom` and the status entries are
    /// set; the data model is checked; the record is committed before signing.
    pub async fn issue_as_given(
        &self,
        mut credential: Map<String, Value>,
        format: Format,
        actor: &str,
    ) -> Result<Issued, Error> {
        if matches!(format, Format::SdJwt) {
            return Err(Error::invalid(
                "/options/format",
                "sd-jwt needs a credential type with a template",
            ));
        }
        match credential.get("issuer") {
            // VC DM 2.0 §4.7: a credential has an issuer; the caller names it (this issuer's DID).
            None => {
                return Err(Error::invalid(
                    "/credential/issuer",
                    format!("is required: this issuer is {}", self.did),
                ));
            }
            // An issuer object keeps its other members (`name`, `description`): they are signed.
            Some(issuer) => {
                let id = issuer.as_str().or_else(|| issuer.get("id").and_then(Value::as_str));
                if id != Some(self.did.as_str()) {
                    return Err(Error::issuer_not_controlled(id.unwrap_or_default(), &self.did));
                }
            }
        }
        // An `id` the caller gave is the credential's; one that is not a string is refused,
        // never silently replaced by one of ours.
        let id = match credential.get("id") {
            None => {
                let id = format!("urn:uuid:{}", uuid_v7());
                credential.insert("id".into(), Value::String(id.clone()));
                id
            }
            Some(Value::String(id)) => id.clone(),
            Some(_) => return Err(Error::invalid("/credential/id", "must be a URL (a string)")),
        };
        let at = self.clock.now();
        let now = OffsetDateTime::from(at).unix_timestamp();
        let v1 = credential
            .get("@context")
            .and_then(|c| c.get(0))
            .and_then(Value::as_str)
            == Some(CONTEXT_V1);
        let from_name = if v1 { "issuanceDate" } else { "validFrom" };
        if !credential.contains_key(from_name) {
            credential.insert(from_name.into(), Value::String(rfc3339(now)?));
        }
        // Check the data model before anything is recorded; the record's validity window is
        // the credential's own, as the data model reads it.
        let checked = Credential::from_map(credential)?;
        let valid_from = checked.valid_from().map_or(now, OffsetDateTime::unix_timestamp);
        // No end is recorded as the largest time.
        let valid_until = checked.valid_until().map_or(i64::MAX, OffsetDateTime::unix_timestamp);
        let mut credential = checked.into_json();
        let adds_status = !credential.contains_key("credentialStatus");
        // Status entries the caller wrote must be well formed: a verifier could not check them.
        if !adds_status {
            did_core::status::bitstring_entries(&Value::Object(credential.clone()))
                .map_err(|e| Error::invalid("/credential/credentialStatus", e.to_string()))?;
        }
        // The VC 1.1 context defines neither the Bitstring Status List terms nor Data
        // Integrity's (`cryptosuite`, `created`, ...): JSON-LD would drop them from what is
        // signed, so their contexts join the credential's.
        if v1 {
            if adds_status {
                append_context(&mut credential, CONTEXT_STATUS_V1);
            }
            if format.is_data_integrity() {
                append_context(&mut credential, CONTEXT_DATA_INTEGRITY_V2);
            }
        }
        // A credential JSON-LD cannot express (an undefined term, an unknown context, a
        // redefined protected term), or one pinning a context the issuer does not sign with,
        // is refused before anything is recorded.
        if matches!(format, Format::EcdsaRdfc2019 | Format::EddsaRdfc2022) {
            let mut probe = credential.clone();
            if adds_status {
                probe.insert("credentialStatus".into(), self.status_entries_at(&id, 1, 0)?);
            }
            // A relatedResource pinning another version of a context than the one signed
            // with would make a credential no verifier accepts.
            data_integrity::check_pinned_contexts(&probe, &StaticLoader).map_err(|e| Error::Core(e.into()))?;
            data_integrity::canonicalize_rdfc(&Value::Object(probe), &StaticLoader)
                .map_err(|e| Error::Core(e.into()))?;
        }
        let claims = match credential.get("credentialSubject") {
            Some(Value::Object(subject)) => subject.clone(),
            _ => Map::new(),
        };
        let new = NewCredential {
            id: id.clone(),
            template: GENERIC.to_owned(),
            record_key: id,
            format: format.name().to_owned(),
            claims,
            holder: None,
            valid_from,
            valid_until,
            replaces: None,
            idempotency_key: None,
        };
        let record = self.store.insert_credential(&new, self.list_size, actor).await?;
        if adds_status {
            credential.insert("credentialStatus".into(), self.status_entries(&record)?);
        }
        let secured = self.sign_w3c_at(credential, format, at).await?;
        Ok(Issued {
            record,
            credential: secured,
        })
    }
}
