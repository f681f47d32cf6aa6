//! Securing a credential in one of the supported formats.

use std::fmt;
use std::str::FromStr;

use std::time::SystemTime;

use did_core::data_integrity::{self, Cryptosuite, ProofOptions};
use did_core::sd_jwt::{self, IssueOptions};
use did_core::vc::jwt::{self, JwtEncoding};
use serde_json::Value;
use time::OffsetDateTime;

use crate::Error;
use crate::key_file::IssuerKey;

/// The securing formats `issue` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// VC-JOSE-COSE: a JWT whose claims set is the credential (`typ: vc+jwt`).
    VcJwt,
    /// VC 1.1 JWT encoding (`vc` claim with `iss`, `sub`, `nbf`, `exp`, `jti`).
    Vc1Jwt,
    /// SD-JWT VC (`typ: dc+sd-jwt`) with the chosen claims selectively disclosable.
    SdJwt,
    /// Data Integrity, `ecdsa-rdfc-2019` (P-256 or P-384).
    EcdsaRdfc2019,
    /// Data Integrity, `ecdsa-jcs-2019` (P-256 or P-384).
    EcdsaJcs2019,
    /// Data Integrity, `eddsa-rdfc-2022` (Ed25519).
    EddsaRdfc2022,
    /// Data Integrity, `eddsa-jcs-2022` (Ed25519).
    EddsaJcs2022,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 7] = [
        Format::VcJwt,
        Format::Vc1Jwt,
        Format::SdJwt,
        Format::EcdsaRdfc2019,
        Format::EcdsaJcs2019,
        Format::EddsaRdfc2022,
        Format::EddsaJcs2022,
    ];

    /// Whether the format embeds a Data Integrity proof (the credential stays JSON-LD).
    pub fn is_data_integrity(self) -> bool {
        matches!(
            self,
            Format::EcdsaRdfc2019 | Format::EcdsaJcs2019 | Format::EddsaRdfc2022 | Format::EddsaJcs2022
        )
    }

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::VcJwt => "vc+jwt",
            Format::Vc1Jwt => "vc1-jwt",
            Format::SdJwt => "sd-jwt",
            Format::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Format::EcdsaJcs2019 => "ecdsa-jcs-2019",
            Format::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Format::EddsaJcs2022 => "eddsa-jcs-2022",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format {s:?}; expected one of {}", names.join(", "))
        })
    }
}

pub use crate::prepare::prepare;

/// The Data Integrity context, which VC 1.1 credentials need for their proof's terms.
const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";

/// Secures `credential` in `format` with `issuer`'s key. `disclose` lists JSON Pointers of the
/// claims to make selectively disclosable (SD-JWT only), into the credential as given
/// (`/credentialSubject/name`) or into the SD-JWT VC claims it becomes (`/name`). Returns the compact form for JOSE
/// and SD-JWT, pretty JSON for Data Integrity.
pub fn issue(
    credential: Value,
    format: Format,
    issuer: &IssuerKey,
    disclose: &[String],
    now: OffsetDateTime,
) -> Result<String, Error> {
    if !disclose.is_empty() && format != Format::SdJwt {
        return Err(Error::Unsupported(format!(
            "--disclose applies to sd-jwt only, not {format}"
        )));
    }
    match format {
        Format::VcJwt => {
            let credential = prepare(credential, issuer, now)?;
            Ok(jwt::sign_credential(&credential, JwtEncoding::JoseCose, &issuer.key)?)
        }
        Format::Vc1Jwt => {
            let credential = prepare(credential, issuer, now)?;
            Ok(jwt::sign_credential(&credential, JwtEncoding::Vc11, &issuer.key)?)
        }
        Format::SdJwt => {
            let pointers = crate::sd_jwt_claims::disclosure_pointers(&credential, disclose);
            let (claims, holder) = crate::sd_jwt_claims::claims_for(credential, issuer, now)?;
            let mut options = IssueOptions::sd_jwt_vc().kid(issuer.method.clone());
            for pointer in pointers {
                options = options.disclose(pointer);
            }
            if let Some(holder) = holder {
                options = options.holder_key(holder);
            }
            sd_jwt::issue(&Value::Object(claims), &options, &issuer.key).map_err(|e| Error::Core(e.into()))
        }
        Format::EcdsaRdfc2019 | Format::EcdsaJcs2019 | Format::EddsaRdfc2022 | Format::EddsaJcs2022 => {
            let suite = Cryptosuite::from_name(format.name()).map_err(|e| Error::Core(e.into()))?;
            if !suite.accepts(issuer.key_type()) {
                return Err(Error::Unsupported(format!(
                    "{format} cannot sign with a {:?} key",
                    issuer.key_type()
                )));
            }
            let mut credential = prepare(credential, issuer, now)?.into_json();
            // VC 1.1's context does not define the proof's terms: JSON-LD would drop them.
            if crate::prepare::first_context(&credential) == Some(did_core::vc::CONTEXT_V1)
                && let Some(Value::Array(contexts)) = credential.get_mut("@context")
                && !contexts.iter().any(|c| c.as_str() == Some(DATA_INTEGRITY_V2))
            {
                contexts.push(Value::String(DATA_INTEGRITY_V2.to_owned()));
            }
            let options = ProofOptions::new(issuer.method.clone()).with_created(SystemTime::from(now));
            let signed = data_integrity::sign(&Value::Object(credential), suite, &options, &issuer.key)
                .map_err(|e| Error::Core(e.into()))?;
            serde_json::to_string_pretty(&signed).map_err(|e| Error::Unsupported(e.to_string()))
        }
    }
}
