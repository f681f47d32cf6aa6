// A one-shot bridge for DID resolution over HTTP (the DIF DID Resolution HTTP(S) binding, the
// Universal Resolver's `GET /1.0/identifiers/{did}`), with two independent peers (pinned in
// package-lock.json):
//
//   - the client: Veramo's Universal Resolver driver (`@veramo/did-resolver` getUniversalResolver),
//     plugged into DIF's `did-resolver` Resolver as Veramo agents use it. It GETs `<endpoint><did>`
//     (the DID appended as is, not percent-encoded) with `Accept: application/ld+json;profile=
//     "https://w3id.org/did-resolution"` and returns the JSON body as the DIDResolutionResult,
//     whatever the HTTP status (it never looks at the status; a body that is not JSON throws);
//   - the reference documents: Digital Bazaar's `@digitalbazaar/did-method-key` (keys through
//     `@digitalbazaar/ecdsa-multikey` and `@digitalbazaar/ed25519-multikey`, the Multikey form)
//     and `@digitalbazaar/did-method-jwk`, computed locally from the DID alone.
//
// Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exit 0 ({"ok": false,
// "error"} when the op cannot run at all); exit 2 when the request is not an object with a string op.
//
//   {"op": "resolve", "endpoint": "http://127.0.0.1:PORT/1.0/identifiers/", "did": "did:key:z…",
//    "methods"?: ["key", …], "direct"?: bool}
//     -> {"ok": true, "didDocument", "didResolutionMetadata", "didDocumentMetadata",
//         "result": {…everything the client returned…}, "requests": <n>}
//     Through did-resolver's Resolver with the Veramo driver registered for `methods` (default:
//     the DID's own method, as a client configured to send that method to the endpoint). The
//     Resolver answers some DIDs itself, without any request: one its DID syntax refuses
//     (`invalidDid`) and one of a method not registered (`unsupportedDidMethod`). "requests" counts
//     the driver's calls, i.e. whether the endpoint was asked at all. "direct": true calls the Veramo
//     driver on its own, skipping the Resolver's syntax check, so that a DID the Resolver would
//     refuse (`did:key:@`) still reaches the endpoint.
//     Only http(s)://127.0.0.1 endpoints are accepted: the bridge talks to nothing else.
//
//   {"op": "expected", "did": "did:key:z…" | "did:jwk:…"}
//     -> {"ok": true, "didDocument": {…Digital Bazaar's…},
//         "keys": [{"id", "type", "publicKeyMultibase"?, "publicKeyJwk"?, "jwk"}],
//         "x25519"?: "z6LS…"}
//     did:key: the document of did-method-key with Multikey handlers for P-256 (`zDna`), P-384
//     (`z82L`) and Ed25519 (`z6Mk`); any other key type fails. With Multikey keys that driver
//     writes NO `keyAgreement` (its own FIXME: no key agreement interface for Multikey yet), so
//     for Ed25519 "x25519" is the X25519 key Digital Bazaar's `x25519-key-agreement-key-2020`
//     derives from the Ed25519 key (the Montgomery form, the key a did:key document with
//     encryption key derivation lists under `keyAgreement`).
//     did:jwk: did-method-jwk's document (`JsonWebKey`, `#0`), the JWK checked by the same key
//     libraries (P-256, P-384, Ed25519).
//     "jwk" of each key is the key library's own JWK export of the method's key, so that a
//     Multikey and a JWK can be compared as key material.
import { Resolver, parse } from 'did-resolver';
import { getUniversalResolver } from '@veramo/did-resolver';
import * as didMethodKey from '@digitalbazaar/did-method-key';
import * as didMethodJwk from '@digitalbazaar/did-method-jwk';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { X25519KeyAgreementKey2020 } from '@digitalbazaar/x25519-key-agreement-key-2020';
import { needString, runBridge } from './lib/common.mjs';

// ---------------------------------------------------------------- the client

function checkEndpoint(endpoint) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`endpoint is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`endpoint must be http(s): ${endpoint}`);
  if (url.hostname !== '127.0.0.1') throw new Error(`${endpoint}: this bridge only talks to 127.0.0.1`);
  return endpoint;
}

async function resolveOp(request) {
  const endpoint = checkEndpoint(needString(request, 'endpoint'));
  const did = needString(request, 'did');
  const uniResolver = getUniversalResolver(endpoint);
  let requests = 0;
  // Counts the calls only; what is sent and what comes back are Veramo's.
  const driver = (...args) => {
    requests += 1;
    return uniResolver(...args);
  };
  let result;
  if (request.direct === true) {
    result = await driver(did, parse(did), undefined, {});
  } else {
    const methods = request.methods ?? [did.split(':')[1] ?? ''];
    if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
      throw new Error('methods must be an array of strings');
    }
    const registry = Object.fromEntries(methods.map((method) => [method, driver]));
    result = await new Resolver(registry).resolve(did);
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new Error(`the client returned ${JSON.stringify(result)} for a resolution result`);
  }
  return {
    didDocument: result.didDocument,
    didResolutionMetadata: result.didResolutionMetadata,
    didDocumentMetadata: result.didDocumentMetadata,
    result,
    requests,
  };
}

// ---------------------------------------------------------------- the reference documents

const KEY_LIBRARIES = {
  zDna: EcdsaMultikey, // P-256: 0x80 0x24
  z82L: EcdsaMultikey, // P-384: 0x81 0x24
  z6Mk: Ed25519Multikey, // Ed25519: 0xed 0x01
};

function keyDriver() {
  const driver = didMethodKey.driver();
  for (const [multibaseMultikeyHeader, library] of Object.entries(KEY_LIBRARIES)) {
    driver.use({ multibaseMultikeyHeader, fromMultibase: library.from });
  }
  return driver;
}

function jwkDriver() {
  const driver = didMethodJwk.driver();
  // By curve: the driver's alg -> curve table maps ES384 to the string 'P-384' (not a list), so
  // registering by alg would not cover P-384.
  for (const [algorithm, library] of [['P-256', EcdsaMultikey], ['P-384', EcdsaMultikey], ['Ed25519', Ed25519Multikey]]) {
    driver.use({ algorithm, handler: library.from });
  }
  return driver;
}

/// The key library's JWK for a verification method (Multikey or JWK).
async function jwkOf(method) {
  const header = method.publicKeyMultibase?.slice(0, 4);
  const crv = method.publicKeyJwk?.crv;
  const library = header ? KEY_LIBRARIES[header] : crv === 'Ed25519' ? Ed25519Multikey : EcdsaMultikey;
  if (!library) throw new Error(`no key library for ${method.id}`);
  const keyPair = await library.from(method);
  return library.toJwk({ keyPair });
}

async function expectedOp(request) {
  const did = needString(request, 'did');
  let didDocument;
  if (did.startsWith('did:key:')) {
    didDocument = await keyDriver().get({ did });
  } else if (did.startsWith('did:jwk:')) {
    didDocument = await jwkDriver().get({ did });
  } else {
    throw new Error(`no reference driver for ${did} (did:key and did:jwk only)`);
  }
  const keys = [];
  for (const method of didDocument.verificationMethod ?? []) {
    const { id, type, publicKeyMultibase, publicKeyJwk } = method;
    keys.push({ id, type, publicKeyMultibase, publicKeyJwk, jwk: await jwkOf(method) });
  }
  const out = { didDocument, keys };
  const first = didDocument.verificationMethod?.[0];
  if (first?.publicKeyMultibase?.startsWith('z6Mk')) {
    out.x25519 = X25519KeyAgreementKey2020.fromEd25519VerificationKey2020({ keyPair: first }).publicKeyMultibase;
  }
  return out;
}

await runBridge({ resolve: resolveOp, expected: expectedOp });
