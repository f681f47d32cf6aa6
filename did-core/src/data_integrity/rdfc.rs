//! JSON-LD → RDF (oxjsonld) → RDF Dataset Canonicalization 1.0 (rdf-canon).
//!
//! oxjsonld, like every JSON-LD processor, silently drops a property, type or `@id`
//! that does not expand to an absolute IRI, and reports nothing in its strict mode. A
//! signature over the remaining quads would leave that data unsigned while it still
//! looks signed in the JSON. So the document is processed twice: strictly, for the
//! quads that are canonicalized, and leniently, where oxjsonld keeps such terms as
//! relative IRIs; any term of the lenient run that is not valid RDF, or any difference
//! in the number of quads, is refused with [`DataIntegrityError::UndefinedTerm`]. With
//! the checks in `context_scan` this is the "safe mode" of jsonld.js.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde_json::Value;

use super::DataIntegrityError;
use super::context_scan::{self, Loaded};
use super::loader::{DocumentLoader, MAX_CONTEXTS};
use crate::error::truncated;

/// Largest document (as serialized JSON) accepted for canonicalization, in bytes (4 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 4 << 20;

/// Most RDF quads one document may produce.
pub const MAX_QUADS: usize = 100_000;

/// Work limit for the Hash N-Degree Quads step of RDFC-1.0 (poison-graph guard).
const HNDQ_CALL_LIMIT: usize = 4000;

/// The RDFC-1.0 canonical N-Quads of the JSON-LD `document`, loading contexts with `loader`.
///
/// Refuses documents whose data JSON-LD would silently drop (see the module docs), any
/// context `loader` does not serve, and inputs over the size limits.
pub fn canonicalize_rdfc(document: &Value, loader: &dyn DocumentLoader) -> Result<String, DataIntegrityError> {
    let bytes = serde_json::to_vec(document).map_err(|e| DataIntegrityError::InvalidJson(e.to_string()))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DataIntegrityError::TooLarge {
            what: "document",
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let mut loaded = context_scan::prefetch(document, loader)?;
    let strict = to_quads(&bytes, &mut loaded, loader, false)?;
    let lenient = to_quads(&bytes, &mut loaded, loader, true)?;
    for quad in &lenient {
        check_quad(quad)?;
    }
    if lenient.len() != strict.len() {
        return Err(DataIntegrityError::UndefinedTerm(
            "a value that does not map to valid RDF".into(),
        ));
    }
    let quads: Vec<oxrdf02::Quad> = strict.into_iter().map(convert_quad).collect();
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(HNDQ_CALL_LIMIT),
    };
    rdf_canon::canonicalize_quads_with::<sha2::Sha256>(&quads, &options)
        .map_err(|e| DataIntegrityError::Canonicalization(e.to_string()))
}

/// What the loader callback saw: URLs it did not have.
#[derive(Default)]
struct Misses(Mutex<Vec<String>>);

impl Misses {
    fn push(&self, url: &str) {
        let mut misses = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        misses.push(url.to_owned());
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// Runs oxjsonld over `bytes`. Contexts come from `loaded`; a context the prefetch did
/// not find (e.g. named through a construct it does not follow) is loaded through
/// `loader` and the run repeated, at most [`MAX_CONTEXTS`] times.
fn to_quads(
    bytes: &[u8],
    loaded: &mut Loaded,
    loader: &dyn DocumentLoader,
    lenient: bool,
) -> Result<Vec<Quad>, DataIntegrityError> {
    for _ in 0..=MAX_CONTEXTS {
        let snapshot = Arc::new(loaded.clone());
        let misses = Arc::new(Misses::default());
        let callback_docs = AssertUnwindSafe(Arc::clone(&snapshot));
        let callback_misses = AssertUnwindSafe(Arc::clone(&misses));
        let parser = if lenient {
            JsonLdParser::new().lenient()
        } else {
            JsonLdParser::new()
        };
        let iter = parser
            .for_slice(bytes)
            .with_load_document_callback(move |url, _options| match callback_docs.get(url) {
                Some(document) => Ok(JsonLdRemoteDocument {
                    document: document.clone(),
                    document_url: url.to_owned(),
                }),
                None => {
                    callback_misses.push(url);
                    Err(format!("context {url} not loaded").into())
                }
            });
        let mut quads = Vec::new();
        let mut failure = None;
        for item in iter {
            match item {
                Ok(quad) => {
                    if quads.len() >= MAX_QUADS {
                        return Err(DataIntegrityError::TooLarge {
                            what: "number of RDF quads",
                            limit: MAX_QUADS,
                        });
                    }
                    quads.push(quad);
                }
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let missing = misses.take();
        if missing.is_empty() {
            return match failure {
                Some(error) => Err(DataIntegrityError::JsonLd(truncated(&error.to_string()))),
                None => Ok(quads),
            };
        }
        let mut pending: VecDeque<String> = missing.into();
        while let Some(url) = pending.pop_front() {
            context_scan::load_into(&url, loader, loaded, &mut pending)?;
        }
    }
    Err(DataIntegrityError::TooLarge {
        what: "number of JSON-LD contexts",
        limit: MAX_CONTEXTS,
    })
}

fn undefined(what: &str) -> DataIntegrityError {
    DataIntegrityError::UndefinedTerm(truncated(what))
}

fn check_named(node: &NamedNode) -> Result<(), DataIntegrityError> {
    NamedNode::new(node.as_str())
        .map(|_| ())
        .map_err(|_| undefined(node.as_str()))
}

fn check_blank(node: &BlankNode) -> Result<(), DataIntegrityError> {
    BlankNode::new(node.as_str())
        .map(|_| ())
        .map_err(|_| undefined(node.as_str()))
}

/// Every term of a quad from the lenient run must be one the strict run would keep.
fn check_quad(quad: &Quad) -> Result<(), DataIntegrityError> {
    match &quad.subject {
        NamedOrBlankNode::NamedNode(n) => check_named(n)?,
        NamedOrBlankNode::BlankNode(b) => check_blank(b)?,
    }
    check_named(&quad.predicate)?;
    #[allow(unreachable_patterns)]
    match &quad.object {
        Term::NamedNode(n) => check_named(n)?,
        Term::BlankNode(b) => check_blank(b)?,
        Term::Literal(literal) => {
            if let Some(language) = literal.language() {
                Literal::new_language_tagged_literal(literal.value(), language).map_err(|_| undefined(language))?;
            } else {
                NamedNode::new(literal.datatype().as_str()).map_err(|_| undefined(literal.datatype().as_str()))?;
            }
        }
        _ => return Err(undefined("an RDF 1.2 triple term")),
    }
    match &quad.graph_name {
        GraphName::NamedNode(n) => check_named(n),
        GraphName::BlankNode(b) => check_blank(b),
        GraphName::DefaultGraph => Ok(()),
    }
}

fn convert_named(node: NamedNode) -> oxrdf02::NamedNode {
    oxrdf02::NamedNode::new_unchecked(node.into_string())
}

fn convert_blank(node: &BlankNode) -> oxrdf02::BlankNode {
    oxrdf02::BlankNode::new_unchecked(node.as_str())
}

/// oxjsonld speaks oxrdf 0.3, rdf-canon oxrdf 0.2: the same terms, other types.
fn convert_quad(quad: Quad) -> oxrdf02::Quad {
    let subject = match quad.subject {
        NamedOrBlankNode::NamedNode(n) => oxrdf02::Subject::NamedNode(convert_named(n)),
        NamedOrBlankNode::BlankNode(b) => oxrdf02::Subject::BlankNode(convert_blank(&b)),
    };
    #[allow(unreachable_patterns)]
    let object = match quad.object {
        Term::NamedNode(n) => oxrdf02::Term::NamedNode(convert_named(n)),
        Term::BlankNode(b) => oxrdf02::Term::BlankNode(convert_blank(&b)),
        Term::Literal(literal) => oxrdf02::Term::Literal(convert_literal(&literal)),
        // Refused by `check_quad` before conversion.
        _ => oxrdf02::Term::Literal(oxrdf02::Literal::new_simple_literal("")),
    };
    let graph_name = match quad.graph_name {
        GraphName::NamedNode(n) => oxrdf02::GraphName::NamedNode(convert_named(n)),
        GraphName::BlankNode(b) => oxrdf02::GraphName::BlankNode(convert_blank(&b)),
        GraphName::DefaultGraph => oxrdf02::GraphName::DefaultGraph,
    };
    oxrdf02::Quad {
        subject,
        predicate: convert_named(quad.predicate),
        object,
        graph_name,
    }
}

fn convert_literal(literal: &Literal) -> oxrdf02::Literal {
    if let Some(language) = literal.language() {
        oxrdf02::Literal::new_language_tagged_literal_unchecked(literal.value(), language)
    } else if literal.datatype() == oxrdf::vocab::xsd::STRING {
        oxrdf02::Literal::new_simple_literal(literal.value())
    } else {
        oxrdf02::Literal::new_typed_literal(
            literal.value(),
            oxrdf02::NamedNode::new_unchecked(literal.datatype().as_str()),
        )
    }
}
