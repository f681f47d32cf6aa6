//! The offline resolver of a loaded bundle's non-registry documents.

use std::collections::HashMap;

use async_trait::async_trait;
use did_core::did::Did;
use did_core::document::{Document, Representation};
use did_core::resolve::{Resolution, ResolutionError, ResolutionOptions, Resolver};

/// Answers from DID documents carried in a bundle (did:web and other methods without proofs
/// of their own). A DID not carried is `notFound`.
#[derive(Debug, Default)]
pub(super) struct DocumentsResolver {
    documents: HashMap<String, (Document, Representation)>,
}

impl DocumentsResolver {
    /// Holds `document` for its own id.
    pub(super) fn insert(&mut self, document: Document, representation: Representation) {
        self.documents
            .insert(document.id.as_str().to_owned(), (document, representation));
    }

    /// The methods of the DIDs held.
    pub(super) fn methods(&self) -> impl Iterator<Item = &str> {
        self.documents
            .keys()
            .filter_map(|did| did.strip_prefix("did:")?.split(':').next())
    }
}

#[async_trait]
impl Resolver for DocumentsResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        options.representation()?;
        let (document, representation) = self.documents.get(did.as_str()).ok_or(ResolutionError::NotFound)?;
        Ok(Resolution::new(document.clone(), *representation))
    }
}
