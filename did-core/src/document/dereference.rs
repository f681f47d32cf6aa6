//! Finding verification methods and services inside one document by (relative) DID URL, and
//! checking what a verification relationship authorizes.

use super::{Document, DocumentError, MethodRef, Relationship, Service, VerificationMethod};
use crate::did::{DidUrl, truncated};

/// What a DID URL dereferences to within a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource<'a> {
    /// The DID URL has no fragment (nor path or query): the whole document.
    Document(&'a Document),
    /// A verification method (in `verificationMethod` or embedded in a relationship).
    VerificationMethod(&'a VerificationMethod),
    /// A service.
    Service(&'a Service),
}

impl Document {
    /// `id` (absolute or relative, such as `#key-1`) resolved against this document's DID.
    fn absolute(&self, id: &str) -> Option<DidUrl> {
        DidUrl::resolve_relative(&self.id, id).ok()
    }

    /// Every verification method: `verificationMethod` first, then the embedded ones.
    pub fn all_verification_methods(&self) -> impl Iterator<Item = &VerificationMethod> + '_ {
        let embedded = Relationship::ALL
            .into_iter()
            .flat_map(|r| self.relationship(r))
            .filter_map(|entry| match entry {
                MethodRef::Embedded(method) => Some(method),
                MethodRef::Reference(_) => None,
            });
        self.verification_method.iter().chain(embedded)
    }

    /// The verification method whose id, resolved against the document id, equals `id`
    /// resolved the same way (so `#key-1` and `did:example:123#key-1` find the same method).
    /// Searches `verificationMethod` and the methods embedded in relationships.
    pub fn verification_method(&self, id: &str) -> Option<&VerificationMethod> {
        let target = self.absolute(id)?;
        self.all_verification_methods()
            .find(|method| self.absolute(&method.id).as_ref() == Some(&target))
    }

    /// The method a reference in `relationship` points to. Only `verificationMethod` and the
    /// methods embedded in the same relationship count: a method embedded in another
    /// relationship is authorized for that purpose only.
    fn referenced_method(&self, relationship: Relationship, target: &DidUrl) -> Option<&VerificationMethod> {
        let embedded = self.relationship(relationship).iter().filter_map(|entry| match entry {
            MethodRef::Embedded(method) => Some(method),
            MethodRef::Reference(_) => None,
        });
        self.verification_method
            .iter()
            .chain(embedded)
            .find(|method| self.absolute(&method.id).as_ref() == Some(target))
    }

    /// The methods of a relationship, in order: embedded ones as they are, references looked up
    /// in this document. A reference that matches no method here is
    /// [`DocumentError::DanglingReference`] (it may name a method in another DID's document,
    /// which the caller must resolve).
    pub fn methods_for(
        &self,
        relationship: Relationship,
    ) -> impl Iterator<Item = Result<&VerificationMethod, DocumentError>> + '_ {
        self.relationship(relationship).iter().map(move |entry| match entry {
            MethodRef::Embedded(method) => Ok(method),
            MethodRef::Reference(reference) => self
                .absolute(reference)
                .and_then(|target| self.referenced_method(relationship, &target))
                .ok_or_else(|| DocumentError::DanglingReference {
                    relationship,
                    reference: truncated(reference),
                }),
        })
    }

    /// Whether `relationship` lists the method `method_id` (absolute or relative).
    ///
    /// A reference to a method of this DID counts only if the method exists in this document
    /// (in `verificationMethod` or embedded in the same relationship); a reference to another
    /// DID's method counts as listed, and the caller must resolve that DID for the key.
    pub fn authorizes(&self, relationship: Relationship, method_id: &str) -> bool {
        let Some(target) = self.absolute(method_id) else {
            return false;
        };
        self.relationship(relationship).iter().any(|entry| {
            if self.absolute(entry.id()).as_ref() != Some(&target) {
                return false;
            }
            match entry {
                MethodRef::Embedded(_) => true,
                MethodRef::Reference(_) => {
                    target.did_str() != self.id.as_str() || self.referenced_method(relationship, &target).is_some()
                }
            }
        })
    }

    /// Dereferences a DID URL within this document (DID Core 1.0 §7.2, fragment part): with
    /// a fragment, the verification method or service with that id; without one, the document.
    /// `None` if the URL is for another DID, has a path or query (which need a resolver), or
    /// names nothing here.
    pub fn dereference(&self, did_url: &DidUrl) -> Option<Resource<'_>> {
        if did_url.did_str() != self.id.as_str() || did_url.path().is_some() || did_url.query().is_some() {
            return None;
        }
        if did_url.fragment().is_none() {
            return Some(Resource::Document(self));
        }
        if let Some(method) = self.verification_method(did_url.as_str()) {
            return Some(Resource::VerificationMethod(method));
        }
        self.service
            .iter()
            .find(|service| self.absolute(&service.id).as_ref() == Some(did_url))
            .map(Resource::Service)
    }
}
