// A one-shot bridge to npm @digitalbazaar/vc with @digitalbazaar/vc-bitstring-status-list (pinned in
// package-lock.json): verifies a Data Integrity credential AND its W3C Bitstring Status List status,
// fetching the status list credentials over HTTP from a live issuer; and verifies a status list
// credential on its own. Cryptosuites as in vc_di.mjs: ecdsa-rdfc-2019, ecdsa-jcs-2019,
// eddsa-rdfc-2022, eddsa-jcs-2022 (VC 1.1 and VC 2.0 credentials).
//
// The JSON-LD document loader:
//   - contexts come from "contexts_dir" (optional; default <repo>/did-core/contexts: *.jsonld and an
//     index.json mapping URL -> file name under "contexts"), never from the network;
//   - did:key (P-256, P-384, Ed25519) and did:jwk documents are built locally; any other DID
//     document must be given in "did_documents" ({did: document});
//   - any other URL is fetched with GET and "Accept: application/ld+json, application/json", but
//     ONLY when its host is 127.0.0.1: https always, http only with "allow_http": true. No
//     redirects are followed. Anything else fails to load (the bridge talks to nothing else).
//
// Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exit 0 ({"ok": false,
// "error"} when the op cannot run at all); exit 2 when the request is not an object with a string op.
//
//   {"op": "verify_credential", "credential": {...signed...}, "allow_http": bool, "contexts_dir"?,
//    "did_documents"?, "now"? (ISO date-time for the credential's own validity checks)}
//     -> {"ok": true, "verified": bool, "proof_verified": bool,
//         "status": [{"purpose", "verified": bool, "status": bool|null, "index", "list", "error"?}],
//         "errors": ["..."]}
//     "verified" is the library's verdict: vc.verifyCredential with the status list library's
//     checkStatus as its checkStatus hook (proof, credential shape and validity, then every
//     BitstringStatusListEntry: list credential fetched, its proof verified, same issuer, status
//     purpose matches, list decoded). A SET status bit does not make it false: the library reports
//     the bit ("status": true = set, i.e. revoked / suspended) and leaves judging it to the caller.
//     "status" has one item per BitstringStatusListEntry, each checked with checkStatus on its own
//     (the credential with that one entry), so that a failing list is attributed to its purpose.
//     The status is checked even when the proof fails (the library itself would skip it); the
//     verdict stays false then. "errors" are the messages of every failure met.
//
//   {"op": "verify_status_list", "url": "http://127.0.0.1:PORT/status/1/revocation", "allow_http": bool,
//    "contexts_dir"?, "did_documents"?, "now"?}
//     -> {"ok": true, "verified": bool, "proof_verified": bool, "status_purpose", "length": <bits>|null,
//         "credential": {...as fetched...}, "errors": ["..."]}
//     Fetches the list credential (same loader and Accept), verifies it with vc.verifyCredential and
//     checks what the status list library requires of a list credential (the checks of its
//     checkStatus: type BitstringStatusListCredential, credentialSubject.type BitstringStatusList,
//     and its context rule for VC 1.1) and decodes encodedList with its decodeList.
//     A fetch failure or a body that is not JSON answers {"ok": false, "error"}.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {
  assertBitstringStatusListContext, checkStatus, decodeList,
} from '@digitalbazaar/vc-bitstring-status-list';
import { needObject, needString, resolveLocally, runBridge } from './lib/common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_CONTEXTS_DIR = path.resolve(here, '../../did-core/contexts');
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
const ACCEPT = 'application/ld+json, application/json';
const FETCH_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function verifyingSuites() {
  return [
    ecdsaRdfc2019,
    eddsaRdfc2022,
    ecdsaJcs2019.createVerifyCryptosuite(),
    eddsaJcs2022.createVerifyCryptosuite(),
  ].map((cryptosuite) => new DataIntegrityProof({ cryptosuite }));
}

// ---------------------------------------------------------------- the document loader

function loadContexts(request) {
  const dir = request.contexts_dir === undefined ? DEFAULT_CONTEXTS_DIR : needString(request, 'contexts_dir');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const contexts = index.contexts ?? {};
  const cache = new Map();
  return (url) => {
    if (!Object.hasOwn(contexts, url)) return undefined;
    if (!cache.has(url)) {
      const file = contexts[url];
      if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) throw new Error(`bad index entry for ${url}`);
      cache.set(url, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    }
    return cache.get(url);
  };
}

/// GETs a JSON document from 127.0.0.1 (http only when allowed). Throws on anything else.
async function fetchJson(url, allowHttp) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`no loader for ${url}`);
  if (parsed.hostname !== '127.0.0.1') throw new Error(`${url}: this bridge only fetches from 127.0.0.1`);
  if (parsed.protocol === 'http:' && allowHttp !== true) throw new Error(`${url}: plain http needs "allow_http": true`);
  const response = await fetch(url, {
    headers: { accept: ACCEPT },
    redirect: 'error',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  const type = response.headers.get('content-type') ?? '(none)';
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} (${type}): ${body.slice(0, 200)}`);
  if (body.length > MAX_BODY_BYTES) throw new Error(`GET ${url}: body over ${MAX_BODY_BYTES} bytes`);
  try {
    return { document: JSON.parse(body), contentType: type };
  } catch {
    throw new Error(`GET ${url}: not JSON (content-type ${type}): ${body.slice(0, 80)}`);
  }
}

function documentLoaderFor(request) {
  const context = loadContexts(request);
  const documents = request.did_documents ?? {};
  const allowHttp = request.allow_http === true;
  const fetched = new Map(); // url -> promise of the document (one GET per URL per run)
  const loader = async (url) => {
    const local = typeof url === 'string' ? context(url) : undefined;
    if (local !== undefined) return { contextUrl: null, documentUrl: url, document: local };
    if (typeof url === 'string' && url.startsWith('did:')) {
      const [did, fragment] = url.split('#');
      const document = resolveLocally(did, documents);
      if (fragment === undefined) return { contextUrl: null, documentUrl: url, document };
      const method = (document.verificationMethod ?? []).find((m) => m.id === url || m.id === `#${fragment}`);
      if (!method) throw new Error(`${url} is not a verification method of ${did}`);
      const methodContext = method.type === 'Multikey' ? MULTIKEY_CONTEXT : document['@context'];
      return { contextUrl: null, documentUrl: url, document: { '@context': methodContext, ...method, id: url } };
    }
    if (typeof url !== 'string') throw new Error('the document loader was given a URL that is not a string');
    if (!fetched.has(url)) fetched.set(url, fetchJson(url, allowHttp));
    const { document } = await fetched.get(url);
    return { contextUrl: null, documentUrl: url, document: structuredClone(document) };
  };
  return loader;
}

// ---------------------------------------------------------------- error reporting

function messagesOf(error, out = []) {
  if (error === null || error === undefined) return out;
  if (typeof error !== 'object') {
    out.push(String(error));
    return out;
  }
  const nested = Array.isArray(error.errors) && error.errors.length > 0;
  if (!nested || error.name !== 'VerificationError') {
    out.push(`${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message ?? String(error)}`);
  }
  if (nested) for (const inner of error.errors) messagesOf(inner, out);
  // the libraries repeat a cause's message in their own ("...; reason: <cause>"): keep it once
  if (error.cause && !(typeof error.message === 'string' && error.cause.message && error.message.includes(error.cause.message))) {
    messagesOf(error.cause, out);
  }
  return out;
}

function resultErrors(result) {
  const out = [];
  if (result?.error) messagesOf(result.error, out);
  for (const r of result?.results ?? []) if (r.error) messagesOf(r.error, out);
  return out;
}

function proofVerified(result) {
  const proofs = (result?.results ?? []).filter((r) => r.proof !== undefined);
  return proofs.length > 0 && proofs.every((r) => r.verified === true);
}

const unique = (list) => [...new Set(list)];

// ---------------------------------------------------------------- ops

/// checkStatus of the status list library, once per BitstringStatusListEntry.
async function checkEachStatus(credential, documentLoader, suite) {
  const entries = [].concat(credential.credentialStatus ?? []).filter((e) => e && e.type === 'BitstringStatusListEntry');
  return Promise.all(entries.map(async (entry) => {
    const result = await checkStatus({ credential: { ...credential, credentialStatus: entry }, documentLoader, suite });
    const item = {
      purpose: entry.statusPurpose ?? null,
      verified: result.verified === true,
      status: typeof result.results?.[0]?.status === 'boolean' ? result.results[0].status : null,
      index: entry.statusListIndex ?? null,
      list: entry.statusListCredential ?? null,
    };
    if (!item.verified) item.error = unique(resultErrors(result)).join('; ') || 'not verified';
    return item;
  }));
}

async function verifyCredentialOp(request) {
  const credential = needObject(request, 'credential');
  const documentLoader = documentLoaderFor(request);
  const suite = verifyingSuites();
  let statuses = null;
  const options = {
    credential,
    suite,
    documentLoader,
    // the library's checkStatus, entry by entry; the verdict is theirs combined
    checkStatus: async ({ credential: c, documentLoader: loader, suite: s }) => {
      statuses = await checkEachStatus(c, loader, s);
      if (statuses.length === 0) {
        // no BitstringStatusListEntry at all: let the library say what it makes of that
        return checkStatus({ credential: c, documentLoader: loader, suite: s });
      }
      return { verified: statuses.every((x) => x.verified) };
    },
  };
  if (request.now !== undefined) options.now = request.now;
  const result = await vc.verifyCredential(options);
  if (statuses === null && credential.credentialStatus !== undefined) {
    // the library stopped before the status (proof or shape failure): check it anyway, for the report
    statuses = await checkEachStatus(credential, documentLoader, suite);
  }
  const errors = resultErrors(result);
  if (result.statusResult?.error) messagesOf(result.statusResult.error, errors);
  for (const s of statuses ?? []) if (s.error) errors.push(`status ${s.purpose}: ${s.error}`);
  return {
    verified: result.verified === true,
    proof_verified: proofVerified(result),
    status: statuses ?? [],
    errors: unique(errors),
  };
}

async function verifyStatusListOp(request) {
  const url = needString(request, 'url');
  const documentLoader = documentLoaderFor(request);
  const { document: credential } = await documentLoader(url);
  if (credential === null || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new Error(`GET ${url}: the answer is not a JSON object`);
  }
  const options = { credential, suite: verifyingSuites(), documentLoader, checkStatus };
  if (request.now !== undefined) options.now = request.now;
  const result = await vc.verifyCredential(options);
  const errors = resultErrors(result);
  const subject = credential.credentialSubject;
  let length = null;
  // what the status list library requires of a list credential (its checkStatus checks these)
  try {
    assertBitstringStatusListContext({ credential });
  } catch (error) {
    messagesOf(error, errors);
  }
  if (!Array.isArray(credential.type) || !credential.type.includes('BitstringStatusListCredential')) {
    errors.push('Status list credential type must include "BitstringStatusListCredential".');
  }
  if (subject?.type !== 'BitstringStatusList') errors.push('Status list type must be "BitstringStatusList".');
  try {
    const list = await decodeList({ encodedList: subject?.encodedList });
    length = list.length;
  } catch (error) {
    messagesOf(error, errors);
  }
  return {
    verified: result.verified === true && errors.length === 0,
    proof_verified: proofVerified(result),
    status_purpose: subject?.statusPurpose ?? null,
    length,
    credential,
    errors: unique(errors),
  };
}

await runBridge({
  verify_credential: verifyCredentialOp,
  verify_status_list: verifyStatusListOp,
});
