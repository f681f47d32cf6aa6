// A one-shot bridge to npm did-jwt-vc / did-jwt (pinned in package-lock.json): VC Data Model 1.1
// JWT encoding ("vc"/"vp" claims, iss, sub, nbf, exp, jti, nonce, aud). Algorithms: ES256, EdDSA
// (did-jwt has no ES384). DIDs are resolved locally, never over the network: did:key (P-256,
// Ed25519) and did:jwk are built from the identifier; others must be passed in "did_documents".
//
// Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exit 0 ({"ok": false,
// "error": "..."} when the op fails); exit 2 when the request is not an object with a string op.
//
//   {"op": "generate", "alg": "ES256"|"EdDSA"}
//     -> {"ok": true, "jwk": {private}, "public_jwk": {...}, "did": "did:key:z...", "kid": "did:key:z...#z..."}
//
//   {"op": "issue_vc", "jwk": {private JWK}, "credential": {...},
//    "issuer": "did:..."          (optional; default the did:key of jwk; becomes iss),
//    "kid": "did:...#..."         (optional; default the did:key verification method; header kid),
//    "header": {...}              (optional; extra protected header members, e.g. typ),
//    "remove_original_fields": b  (optional, default true: move issuer/id/dates out of "vc")}
//     "credential" is either a W3C credential (issuer, issuanceDate, expirationDate, id,
//     credentialSubject.id -> iss, nbf, exp, jti, sub) or a JWT payload with a "vc" claim.
//     -> {"ok": true, "jwt": "...", "header": {...}, "payload": {...}}
//
//   {"op": "issue_vp", "jwk": {private JWK}, "presentation": {...},
//    "holder", "kid", "header"   (optional, as above; holder becomes iss),
//    "challenge": "..."           (optional; becomes nonce), "domain": "..." (optional; added to aud)}
//     "presentation" is a W3C presentation (verifiableCredential: [JWT strings or objects]) or a
//     JWT payload with a "vp" claim.
//     -> {"ok": true, "jwt": "...", "header": {...}, "payload": {...}}
//
//   Every verify op takes "proof_purpose" (optional): the DID document relationship the signing
//   method must be in; default "assertionMethod" (verify_vc, verify_jwt, and the credentials inside
//   a VP) or "authentication" (verify_vp); null = any method of the DID (did-jwt's own default).
//
//   {"op": "verify_vc", "jwt": "...", "did_documents": {did: doc} (optional),
//    "now": unix seconds (optional; default the clock), "skew": seconds (optional; did-jwt default 300),
//    "audience": "..." (optional; needed when the JWT has aud)}
//     -> {"ok": true, "header": {...}, "payload": {...}, "issuer": "did:...", "signer": "<vm id>",
//         "credential": {normalized W3C credential}}
//
//   {"op": "verify_vp", "jwt": "...", "challenge": "..." (optional; must equal nonce),
//    "domain": "..." (optional; must be in aud), "did_documents", "now", "skew" (optional),
//    "verify_credentials": bool (optional, default true: also verify every JWT credential inside)}
//     -> {"ok": true, "header", "payload", "issuer", "signer",
//         "presentation": {normalized W3C presentation},
//         "credentials": [{"header", "payload", "issuer", "signer", "credential"}]}
//
//   {"op": "verify_jwt", "jwt": "...", "did_documents", "now", "skew", "audience" (optional)}
//     did-jwt's plain JWT check (signature by the iss DID, nbf/exp), no VC data-model check:
//     how a VC 2.0 "vc+jwt" (claims set = credential) can be checked with this peer.
//     -> {"ok": true, "header", "payload", "issuer", "signer"}
import { EdDSASigner, ES256Signer, decodeJWT, verifyJWT } from 'did-jwt';
import {
  createVerifiableCredentialJwt,
  createVerifiablePresentationJwt,
  verifyCredential,
  verifyPresentation,
} from 'did-jwt-vc';
import { algOf, b64uDecode, didKeyFromJwk, needObject, needString, resolveLocally, runBridge } from './lib/common.mjs';

function signerFor(jwk) {
  if (!jwk || typeof jwk !== 'object' || typeof jwk.d !== 'string') throw new Error('jwk must be a private JWK (with d)');
  const alg = algOf(jwk);
  const d = b64uDecode(jwk.d);
  if (alg === 'ES256') return { alg, signer: ES256Signer(d) };
  if (alg === 'EdDSA') return { alg, signer: EdDSASigner(d) };
  throw new Error(`did-jwt cannot sign ${alg}`);
}

function signingIdentity(request, didField) {
  const jwk = needObject(request, 'jwk');
  const { alg, signer } = signerFor(jwk);
  const own = didKeyFromJwk(jwk);
  const did = request[didField] ?? own.did;
  const kid = request.kid ?? (did === own.did ? own.kid : undefined);
  const header = { ...(request.header ?? {}), ...(kid ? { kid } : {}), alg };
  return { did, signer, alg, header };
}

function resolver(request) {
  const documents = request.did_documents ?? {};
  return {
    async resolve(didUrl) {
      try {
        return {
          didDocument: resolveLocally(didUrl, documents),
          didDocumentMetadata: {},
          didResolutionMetadata: { contentType: 'application/did+ld+json' },
        };
      } catch (error) {
        return { didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error: 'notFound', message: error.message } };
      }
    },
  };
}

function verifyOptions(request, purpose) {
  const options = { policies: {} };
  const proofPurpose = request.proof_purpose === undefined ? purpose : request.proof_purpose;
  if (proofPurpose) options.proofPurpose = proofPurpose;
  if (request.now !== undefined) options.policies.now = request.now;
  if (request.skew !== undefined) options.skewTime = request.skew;
  if (request.audience !== undefined) options.audience = request.audience;
  return options;
}

function report(verified) {
  const { header, payload } = decodeJWT(verified.jwt);
  return { header, payload, issuer: verified.issuer, signer: verified.signer?.id };
}

async function issueVc(request) {
  const credential = needObject(request, 'credential');
  const { did, signer, alg, header } = signingIdentity(request, 'issuer');
  const jwt = await createVerifiableCredentialJwt(credential, { did, signer, alg }, {
    header,
    removeOriginalFields: request.remove_original_fields ?? true,
  });
  return { jwt, ...decodeJWT(jwt) };
}

async function issueVp(request) {
  const presentation = needObject(request, 'presentation');
  const { did, signer, alg, header } = signingIdentity(request, 'holder');
  const options = { header };
  if (request.challenge !== undefined) options.challenge = request.challenge;
  if (request.domain !== undefined) options.domain = request.domain;
  const jwt = await createVerifiablePresentationJwt(presentation, { did, signer, alg }, options);
  return { jwt, header: decodeJWT(jwt).header, payload: decodeJWT(jwt).payload };
}

async function verifyVc(request) {
  const jwt = needString(request, 'jwt');
  const verified = await verifyCredential(jwt, resolver(request), verifyOptions(request, 'assertionMethod'));
  return { ...report(verified), credential: verified.verifiableCredential };
}

async function verifyVp(request) {
  const jwt = needString(request, 'jwt');
  const options = verifyOptions(request, 'authentication');
  if (request.challenge !== undefined) options.challenge = request.challenge;
  if (request.domain !== undefined) options.domain = request.domain;
  const verified = await verifyPresentation(jwt, resolver(request), options);
  const credentials = [];
  if (request.verify_credentials ?? true) {
    const inner = decodeJWT(jwt).payload.vp?.verifiableCredential ?? [];
    for (const vc of Array.isArray(inner) ? inner : [inner]) {
      if (typeof vc !== 'string') continue; // embedded JSON credentials carry no JWT proof to check here
      const one = await verifyCredential(vc, resolver(request), { ...verifyOptions(request, 'assertionMethod'), proofPurpose: 'assertionMethod' });
      credentials.push({ ...report(one), credential: one.verifiableCredential });
    }
  }
  return { ...report(verified), presentation: verified.verifiablePresentation, credentials };
}

async function verifyPlainJwt(request) {
  const jwt = needString(request, 'jwt');
  const verified = await verifyJWT(jwt, { resolver: resolver(request), ...verifyOptions(request, 'assertionMethod') });
  return report(verified);
}

await runBridge({
  issue_vc: issueVc,
  issue_vp: issueVp,
  verify_vc: verifyVc,
  verify_vp: verifyVp,
  verify_jwt: verifyPlainJwt,
});
