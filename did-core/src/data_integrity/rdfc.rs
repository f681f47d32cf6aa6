//! JSON-LD → RDF (the `json-ld` crate) → RDF Dataset Canonicalization 1.0 (rdf-canon).
//!
//! A JSON-LD processor silently drops a property, type or `@id` that does not expand to
//! an absolute IRI. A signature over the remaining quads would leave that data unsigned
//! while it still looks signed in the JSON. So expansion runs with a policy that fails on
//! undefined properties, the expanded document is searched for identifiers that are not
//! valid RDF (relative `@id`s, types), and every processor warning (malformed IRI or
//! language tag, blank node used as a property, keyword-like term) is refused; all with
//! [`DataIntegrityError::UndefinedTerm`]. With the checks in `context_scan` this is the
//! "safe mode" of jsonld.js.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use json_ld::expansion::{Action, Policy};
use json_ld::rdf_types::{self, BlankIdBuf, LiteralType};
use json_ld::syntax::Parse;
use json_ld::{Id, IriBuf, JsonLdProcessor, RemoteDocument, ValidId};
use serde_json::Value;

use super::DataIntegrityError;
use super::context_scan::{self, Loaded};
use super::loader::DocumentLoader;
use crate::text::truncated;

/// Largest document (as serialized JSON) accepted for canonicalization, in bytes (4 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 4 << 20;

/// Most RDF quads one document may produce.
pub const MAX_QUADS: usize = 100_000;

/// Work limit for the Hash N-Degree Quads step of RDFC-1.0 (poison-graph guard).
const HNDQ_CALL_LIMIT: usize = 4000;

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// The RDFC-1.0 canonical N-Quads of the JSON-LD `document`, loading contexts with `loader`.
///
/// Uses the default RDFC-1.0 hash, SHA-256. (An `ecdsa-rdfc-2019` proof with a P-384
/// key canonicalizes with SHA-384, as vc-di-ecdsa requires; [`super::hash_data`] does
/// that.) Refuses documents whose data JSON-LD would silently drop (see the module
/// docs), any context `loader` does not serve, and inputs over the size limits.
pub fn canonicalize_rdfc(document: &Value, loader: &dyn DocumentLoader) -> Result<String, DataIntegrityError> {
    canonicalize_rdfc_with(document, loader, RdfcHash::Sha256)
}

/// The hash function RDFC-1.0 runs with (it orders and names blank nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RdfcHash {
    Sha256,
    Sha384,
}

/// [`canonicalize_rdfc`] with the RDFC-1.0 hash function chosen.
pub(super) fn canonicalize_rdfc_with(
    document: &Value,
    loader: &dyn DocumentLoader,
    hash: RdfcHash,
) -> Result<String, DataIntegrityError> {
    let bytes = serde_json::to_vec(document).map_err(|e| DataIntegrityError::InvalidJson(e.to_string()))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DataIntegrityError::TooLarge {
            what: "document",
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    check_percent_encoding(document)?;
    let loaded = context_scan::prefetch(document, loader)?;
    // Defence in depth: a panic inside the JSON-LD processor on input we did not foresee
    // becomes a typed error, not a crashed verifier.
    let quads = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| to_quads(&bytes, loaded, loader)))
        .map_err(|_| DataIntegrityError::JsonLd("the JSON-LD processor failed on this input".into()))??;
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(HNDQ_CALL_LIMIT),
    };
    match hash {
        RdfcHash::Sha256 => rdf_canon::canonicalize_quads_with::<sha2::Sha256>(&quads, &options),
        RdfcHash::Sha384 => rdf_canon::canonicalize_quads_with::<sha2::Sha384>(&quads, &options),
    }
    .map_err(|e| DataIntegrityError::Canonicalization(e.to_string()))
}

/// Refuses IRI-like strings (and member names) whose percent-escapes decode to bytes
/// that are not UTF-8: IRIs like `urn:x:%83` make the IRI library panic when it normalizes
/// them, and no conforming credential needs them.
fn check_percent_encoding(value: &Value) -> Result<(), DataIntegrityError> {
    fn ok(s: &str) -> bool {
        // Only IRI-like strings (no whitespace) are checked: "50% off" is text, not an IRI.
        if !s.contains('%') || s.contains(char::is_whitespace) {
            return true;
        }
        let bytes = s.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b == b'%' {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        decoded.push(byte);
                        i += 3;
                    }
                    // A lone '%' is a literal character, which the IRI parser judges itself.
                    None => {
                        decoded.push(b);
                        i += 1;
                    }
                }
            } else {
                decoded.push(b);
                i += 1;
            }
        }
        std::str::from_utf8(&decoded).is_ok()
    }
    let valid = match value {
        Value::String(s) => ok(s),
        Value::Array(items) => return items.iter().try_for_each(check_percent_encoding),
        Value::Object(map) => {
            for (key, item) in map {
                if !ok(key) {
                    return Err(DataIntegrityError::InvalidDocument(PERCENT_ERROR));
                }
                check_percent_encoding(item)?;
            }
            true
        }
        _ => true,
    };
    if valid {
        Ok(())
    } else {
        Err(DataIntegrityError::InvalidDocument(PERCENT_ERROR))
    }
}

const PERCENT_ERROR: &str = "an IRI has a percent-escape that does not decode to UTF-8";

/// The json-ld loader: contexts from the prefetch, others through the caller's
/// [`DocumentLoader`] (with the same checks and limits). Never the network.
struct Contexts<'a> {
    loader: &'a dyn DocumentLoader,
    loaded: RefCell<Loaded>,
    parsed: RefCell<HashMap<String, json_ld::syntax::Value>>,
    /// The first typed error a load hit; json-ld only reports that loading failed.
    failure: RefCell<Option<DataIntegrityError>>,
}

#[derive(Debug, thiserror::Error)]
#[error("context not served")]
struct NotServed;

impl Contexts<'_> {
    fn fetch(&self, url: &str) -> Result<json_ld::syntax::Value, DataIntegrityError> {
        if let Some(value) = self.parsed.borrow().get(url) {
            return Ok(value.clone());
        }
        let mut loaded = self.loaded.borrow_mut();
        let mut pending = VecDeque::from([url.to_owned()]);
        while let Some(next) = pending.pop_front() {
            context_scan::load_into(&next, self.loader, &mut loaded, &mut pending)?;
        }
        let bytes = loaded
            .get(url)
            .ok_or_else(|| DataIntegrityError::UnknownContext(truncated(url)))?;
        let (value, _) = json_ld::syntax::Value::parse_slice(bytes)
            .map_err(|e| DataIntegrityError::InvalidJson(format!("context {}: {e}", truncated(url))))?;
        self.parsed.borrow_mut().insert(url.to_owned(), value.clone());
        Ok(value)
    }

    fn fail(&self, error: DataIntegrityError) {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(error);
        }
    }
}

impl json_ld::Loader for Contexts<'_> {
    async fn load(&self, url: &json_ld::Iri) -> Result<RemoteDocument<IriBuf>, json_ld::LoadError> {
        match self.fetch(url.as_str()) {
            Ok(document) => Ok(RemoteDocument::new(Some(url.to_owned()), None, document)),
            Err(error) => {
                self.fail(error);
                Err(json_ld::LoadError::new(url.to_owned(), NotServed))
            }
        }
    }
}

/// Collects processor warnings; any one of them refuses the document.
#[derive(Default)]
struct Warnings(Option<String>);

impl Warnings {
    fn note(&mut self, what: &str) {
        if self.0.is_none() {
            self.0 = Some(truncated(what));
        }
    }
}

impl json_ld::warning::Handler<(), json_ld::context_processing::Warning> for Warnings {
    fn handle(&mut self, _: &(), warning: json_ld::context_processing::Warning) {
        use json_ld::context_processing::Warning;
        match &warning {
            Warning::KeywordLikeTerm(s) | Warning::KeywordLikeValue(s) | Warning::MalformedIri(s) => self.note(s),
        }
    }
}

impl json_ld::warning::Handler<(), json_ld::expansion::Warning<BlankIdBuf>> for Warnings {
    fn handle(&mut self, _: &(), warning: json_ld::expansion::Warning<BlankIdBuf>) {
        use json_ld::expansion::Warning;
        match &warning {
            // Raised for every key tried as an IRI before its term definition; an
            // identifier that stays invalid is found in the expanded document instead.
            Warning::MalformedIri(_) => {}
            Warning::MalformedLanguageTag(s, _) => self.note(s),
            Warning::EmptyTerm => self.note("an empty term"),
            Warning::BlankNodeIdProperty(b) => self.note(b.as_str()),
        }
    }
}

fn undefined(what: &str) -> DataIntegrityError {
    DataIntegrityError::UndefinedTerm(truncated(what))
}

/// Expands `bytes` and turns the result into quads, refusing what would be dropped.
fn to_quads(bytes: &[u8], loaded: Loaded, loader: &dyn DocumentLoader) -> Result<Vec<oxrdf::Quad>, DataIntegrityError> {
    let (json, _) = json_ld::syntax::Value::parse_slice(bytes)
        .map_err(|e| DataIntegrityError::InvalidJson(truncated(&e.to_string())))?;
    let input = RemoteDocument::new(None, None, json);
    let contexts = Contexts {
        loader,
        loaded: RefCell::new(loaded),
        parsed: RefCell::new(HashMap::new()),
        failure: RefCell::new(None),
    };
    let mut warnings = Warnings::default();
    let options = json_ld::Options {
        expansion_policy: Policy {
            invalid: Action::Keep,
            vocab: Action::Keep,
            allow_undefined: false,
        },
        ..json_ld::Options::default()
    };
    let result = futures::executor::block_on(input.to_rdf_full(
        (),
        rdf_types::generator::Blank::new(),
        &contexts,
        options,
        &mut warnings,
    ));
    if let Some(error) = contexts.failure.take() {
        return Err(error);
    }
    let mut rdf = result.map_err(|json_ld::ToRdfError::Expand(error)| match error {
        json_ld::ExpandError::Expansion(json_ld::expansion::Error::KeyExpansionFailed(name)) => undefined(&name),
        other => DataIntegrityError::JsonLd(truncated(&other.to_string())),
    })?;
    for fragment in rdf.document().traverse() {
        if let Some(Id::Invalid(name)) = fragment.as_id() {
            return Err(undefined(&name));
        }
    }
    if let Some(warning) = warnings.0 {
        return Err(DataIntegrityError::UndefinedTerm(warning));
    }
    let mut quads = Vec::new();
    for quad in rdf.cloned_quads() {
        if quads.len() >= MAX_QUADS {
            return Err(DataIntegrityError::TooLarge {
                what: "number of RDF quads",
                limit: MAX_QUADS,
            });
        }
        quads.push(convert_quad(quad)?);
    }
    Ok(quads)
}

type JsonLdQuad = json_ld::rdf::Quad<IriBuf, BlankIdBuf, rdf_types::Literal>;

fn named(iri: &IriBuf) -> Result<oxrdf::NamedNode, DataIntegrityError> {
    oxrdf::NamedNode::new(iri.as_str()).map_err(|_| undefined(iri.as_str()))
}

fn blank(id: &BlankIdBuf) -> Result<oxrdf::BlankNode, DataIntegrityError> {
    oxrdf::BlankNode::new(id.suffix()).map_err(|_| undefined(id.as_str()))
}

fn subject(id: &ValidId) -> Result<oxrdf::Subject, DataIntegrityError> {
    Ok(match id {
        ValidId::Iri(iri) => oxrdf::Subject::NamedNode(named(iri)?),
        ValidId::Blank(b) => oxrdf::Subject::BlankNode(blank(b)?),
    })
}

fn literal(literal: &rdf_types::Literal) -> Result<oxrdf::Literal, DataIntegrityError> {
    match &literal.type_ {
        LiteralType::LangString(tag) => {
            // Validated by json-ld; built unchecked so the tag keeps its case.
            oxrdf::Literal::new_language_tagged_literal(&literal.value, tag.as_str())
                .map_err(|_| undefined(tag.as_str()))?;
            Ok(oxrdf::Literal::new_language_tagged_literal_unchecked(
                &literal.value,
                tag.as_str(),
            ))
        }
        LiteralType::Any(datatype) if datatype.as_str() == XSD_STRING => {
            Ok(oxrdf::Literal::new_simple_literal(&literal.value))
        }
        LiteralType::Any(datatype) => Ok(oxrdf::Literal::new_typed_literal(&literal.value, named(datatype)?)),
    }
}

fn convert_quad(quad: JsonLdQuad) -> Result<oxrdf::Quad, DataIntegrityError> {
    let rdf_types::Quad(s, p, o, g) = quad;
    let predicate = match &p {
        ValidId::Iri(iri) => named(iri)?,
        ValidId::Blank(b) => return Err(undefined(b.as_str())),
    };
    let object = match &o {
        rdf_types::Term::Id(ValidId::Iri(iri)) => oxrdf::Term::NamedNode(named(iri)?),
        rdf_types::Term::Id(ValidId::Blank(b)) => oxrdf::Term::BlankNode(blank(b)?),
        rdf_types::Term::Literal(l) => oxrdf::Term::Literal(literal(l)?),
    };
    let graph_name = match &g {
        None => oxrdf::GraphName::DefaultGraph,
        Some(ValidId::Iri(iri)) => oxrdf::GraphName::NamedNode(named(iri)?),
        Some(ValidId::Blank(b)) => oxrdf::GraphName::BlankNode(blank(b)?),
    };
    Ok(oxrdf::Quad {
        subject: subject(&s)?,
        predicate,
        object,
        graph_name,
    })
}
