// A one-shot bridge to npm @digitalbazaar/vc with @digitalbazaar/data-integrity and the cryptosuites
// ecdsa-rdfc-2019, eddsa-rdfc-2022, ecdsa-jcs-2019 and eddsa-jcs-2022 (pinned in package-lock.json):
// W3C Data Integrity proofs ("type": "DataIntegrityProof") on credentials and presentations.
//
// No network at all: the JSON-LD document loader is STATIC. Contexts come from "contexts_dir" (a
// directory holding *.jsonld files and an index.json mapping URL -> file name under "contexts");
// did:key (P-256, P-384, Ed25519) and did:jwk documents and their verification methods are built
// locally; any other DID document must be given in "did_documents" ({did: document}). Any other
// URL fails to load.
//
// Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exit 0 ({"ok": false,
// "error": "..."} when the op fails, including a proof that does not verify); exit 2 when the
// request is not an object with a string op.
//
// Keys: "jwk" (private JWK with d) or "multikey" ({"publicKeyMultibase", "secretKeyMultibase"}).
// "verification_method" (optional) defaults to the key's did:key method, did:key:z..#z...
// "cryptosuite" (optional): "ecdsa-rdfc-2019" (default for P-256/P-384), "eddsa-rdfc-2022" (default
// for Ed25519), "ecdsa-jcs-2019", "eddsa-jcs-2022". "created" (optional): proof creation date-time
// (ISO 8601); default now. "now" (optional, verify ops): ISO date-time the checks use.
//
//   {"op": "generate", "alg": "ES256"|"ES384"|"EdDSA"}
//     -> {"ok": true, "jwk", "public_jwk", "did", "kid", "multikey": {"publicKeyMultibase", "secretKeyMultibase"}}
//
//   {"op": "issue", "credential": {...unsigned...}, "contexts_dir": "...", key, "verification_method",
//    "cryptosuite", "created"}
//     -> {"ok": true, "credential": {...with proof...}}
//
//   {"op": "verify", "credential": {...signed...}, "contexts_dir": "...", "did_documents", "now",
//    "check_issuer": bool (optional, default true: the credential issuer must be the verification
//                    method's controller; false keeps only the assertionMethod purpose check, e.g.
//                    for the W3C test vectors whose issuer is an https URL but whose key is a did:key)}
//     -> {"ok": true, "verified": true, "proof": {...the checked proof...}}   | {"ok": false, "error"}
//
//   {"op": "sign_presentation", "presentation": {...unsigned; verifiableCredential: [signed VCs]},
//    "contexts_dir", key, "verification_method", "cryptosuite", "created",
//    "challenge": "..." (required by the peer), "domain": "..." (optional)}
//     -> {"ok": true, "presentation": {...with proof...}}
//
//   {"op": "verify_presentation", "presentation": {...signed...}, "contexts_dir", "did_documents",
//    "challenge": "...", "domain": "..." (optional), "now"}
//     Checks the presentation proof (authentication purpose, challenge, domain) and every credential in it.
//     -> {"ok": true, "verified": true, "credentials": [{"verified": true}...]}   | {"ok": false, "error"}
import fs from 'node:fs';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {
  didKeyFromJwk, generateKeyOp, jwkToMultikey, multikeyToJwk, needObject, needString, resolveLocally, runBridge,
} from './lib/common.mjs';

const SUITES = {
  'ecdsa-rdfc-2019': { sign: () => ecdsaRdfc2019, verify: () => ecdsaRdfc2019, ecdsa: true },
  'eddsa-rdfc-2022': { sign: () => eddsaRdfc2022, verify: () => eddsaRdfc2022, ecdsa: false },
  'ecdsa-jcs-2019': { sign: ecdsaJcs2019.createSignCryptosuite, verify: ecdsaJcs2019.createVerifyCryptosuite, ecdsa: true },
  'eddsa-jcs-2022': { sign: eddsaJcs2022.createSignCryptosuite, verify: eddsaJcs2022.createVerifyCryptosuite, ecdsa: false },
};

const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

// ---------------------------------------------------------------- the static document loader

function documentLoaderFor(request) {
  const dir = needString(request, 'contexts_dir');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const contexts = index.contexts ?? {};
  const documents = request.did_documents ?? {};
  const cache = new Map();
  return async (url) => {
    if (Object.hasOwn(contexts, url)) {
      if (!cache.has(url)) {
        const file = contexts[url];
        if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) throw new Error(`bad index entry for ${url}`);
        cache.set(url, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
      }
      return { contextUrl: null, documentUrl: url, document: cache.get(url) };
    }
    if (typeof url === 'string' && url.startsWith('did:')) {
      const [did, fragment] = url.split('#');
      const document = resolveLocally(did, documents);
      if (fragment === undefined) return { contextUrl: null, documentUrl: url, document };
      const method = (document.verificationMethod ?? []).find((m) => m.id === url || m.id === `#${fragment}`);
      if (!method) throw new Error(`${url} is not a verification method of ${did}`);
      const context = method.type === 'Multikey' ? MULTIKEY_CONTEXT : document['@context'];
      return { contextUrl: null, documentUrl: url, document: { '@context': context, ...method, id: url } };
    }
    throw new Error(`the static document loader has no ${url} (no network)`);
  };
}

// ---------------------------------------------------------------- keys and suites

async function signingSuite(request) {
  let multikey = request.multikey;
  let jwk = request.jwk;
  if (jwk) {
    if (typeof jwk.d !== 'string') throw new Error('jwk must be a private JWK (with d)');
    multikey = jwkToMultikey(jwk);
  } else if (multikey) {
    jwk = multikeyToJwk(multikey.publicKeyMultibase);
  } else {
    throw new Error('need jwk or multikey');
  }
  if (typeof multikey.secretKeyMultibase !== 'string') throw new Error('multikey needs secretKeyMultibase');
  const own = didKeyFromJwk(jwk);
  const id = request.verification_method ?? own.kid;
  const controller = id.split('#')[0];
  const ecdsa = jwk.kty === 'EC';
  const name = request.cryptosuite ?? (ecdsa ? 'ecdsa-rdfc-2019' : 'eddsa-rdfc-2022');
  const suite = SUITES[name];
  if (!suite) throw new Error(`unknown cryptosuite ${name}`);
  if (suite.ecdsa !== ecdsa) throw new Error(`cryptosuite ${name} does not take a ${jwk.crv} key`);
  const keyPair = await (ecdsa ? EcdsaMultikey : Ed25519Multikey).from({
    '@context': MULTIKEY_CONTEXT,
    type: 'Multikey',
    id,
    controller,
    publicKeyMultibase: multikey.publicKeyMultibase,
    secretKeyMultibase: multikey.secretKeyMultibase,
  });
  const options = { signer: keyPair.signer(), cryptosuite: suite.sign() };
  if (request.created !== undefined) options.date = request.created;
  return new DataIntegrityProof(options);
}

function verifyingSuites() {
  return Object.values(SUITES).map((suite) => new DataIntegrityProof({ cryptosuite: suite.verify() }));
}

function failure(result) {
  const errors = [];
  const walk = (r) => {
    if (!r) return;
    if (r.error) errors.push(r.error);
    for (const inner of r.results ?? []) walk(inner);
    for (const inner of r.credentialResults ?? []) walk(inner);
    if (r.presentationResult) walk(r.presentationResult);
  };
  walk(result);
  const messages = [...new Set(errors.flatMap((e) => (e.errors ?? [e]).map((x) => `${x.name ?? 'Error'}: ${x.message}`)))];
  return new Error(messages.join('; ') || 'not verified');
}

// ---------------------------------------------------------------- ops

async function generate(request) {
  const key = await generateKeyOp(request);
  return { ...key, multikey: jwkToMultikey(key.jwk) };
}

async function issue(request) {
  const credential = structuredClone(needObject(request, 'credential'));
  const documentLoader = documentLoaderFor(request);
  const suite = await signingSuite(request);
  return { credential: await vc.issue({ credential, suite, documentLoader }) };
}

async function verify(request) {
  const credential = needObject(request, 'credential');
  const options = { credential, suite: verifyingSuites(), documentLoader: documentLoaderFor(request) };
  if (request.now !== undefined) options.now = request.now;
  if (request.check_issuer === false) {
    // CredentialIssuancePurpose = AssertionProofPurpose + the issuer check; use its parent alone.
    const AssertionProofPurpose = Object.getPrototypeOf(vc.CredentialIssuancePurpose);
    options.purpose = new AssertionProofPurpose();
  }
  const result = await vc.verifyCredential(options);
  if (!result.verified) throw failure(result);
  return { verified: true, proof: result.results?.[0]?.proof ?? credential.proof };
}

async function signPresentation(request) {
  const presentation = structuredClone(needObject(request, 'presentation'));
  const suite = await signingSuite(request);
  const options = { presentation, suite, documentLoader: documentLoaderFor(request), challenge: needString(request, 'challenge') };
  if (request.domain !== undefined) options.domain = request.domain;
  return { presentation: await vc.signPresentation(options) };
}

async function verifyPresentation(request) {
  const presentation = needObject(request, 'presentation');
  const options = {
    presentation,
    suite: verifyingSuites(),
    documentLoader: documentLoaderFor(request),
    challenge: needString(request, 'challenge'),
  };
  if (request.domain !== undefined) options.domain = request.domain;
  if (request.now !== undefined) options.now = request.now;
  const result = await vc.verify(options);
  if (!result.verified) throw failure(result);
  return { verified: true, credentials: (result.credentialResults ?? []).map((r) => ({ verified: r.verified })) };
}

await runBridge({
  generate,
  issue,
  verify,
  sign_presentation: signPresentation,
  verify_presentation: verifyPresentation,
});
