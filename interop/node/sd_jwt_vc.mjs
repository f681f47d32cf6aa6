// A one-shot bridge to npm @sd-jwt/sd-jwt-vc (SD-JWT VC, typ "dc+sd-jwt") with @sd-jwt/crypto-nodejs
// (pinned in package-lock.json). Algorithms: ES256 (crypto-nodejs), ES384 and EdDSA (node:crypto,
// since crypto-nodejs only ships ES256). Hash: sha-256 (default) or any the library accepts.
//
// Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exit 0 ({"ok": false,
// "error": "..."} when the op fails); exit 2 when the request is not an object with a string op.
//
//   {"op": "generate", "alg": "ES256"|"ES384"|"EdDSA"}
//     -> {"ok": true, "jwk": {private}, "public_jwk": {...}, "did": "...", "kid": "..."}
//
//   {"op": "issue", "issuer_jwk": {private JWK}, "claims": {"iss", "vct", "iat", ... any claims},
//    "disclosure_frame": {"_sd": ["given_name", ...], "address": {"_sd": ["street"]}} (optional),
//    "holder_jwk": {public JWK} (optional; written as "cnf": {"jwk": ...}),
//    "header": {...} (optional extra issuer-JWT header members, e.g. kid; typ is "dc+sd-jwt"),
//    "hash_alg": "sha-256" (optional)}
//     -> {"ok": true, "sd_jwt": "<jwt>~<disclosure>~...~", "header": {...}, "payload": {signed JWT payload},
//         "disclosures": [{"disclosure": "<b64u>", "salt", "key" (absent for array elements), "value"}]}
//
//   {"op": "present", "sd_jwt": "...", "presentation_frame": {"given_name": true, "address": {"street": true}},
//    "holder_jwk": {private JWK} (optional; when given a KB-JWT is appended),
//    "nonce": "...", "aud": "...", "iat": unix seconds (optional; default now)   (needed with holder_jwk)}
//     -> {"ok": true, "presentation": "<jwt>~<disclosure>~...~[<kb-jwt>]"}
//
//   {"op": "verify", "presentation": "...", "issuer_jwk": {public JWK},
//    "require_kb": bool (optional, default true), "nonce": "..." (required when require_kb),
//    "aud": "..." (optional; when given the KB-JWT aud must equal it; checked by this bridge,
//                  the library itself does not compare aud),
//    "now": unix seconds (optional), "skew": seconds (optional), "required_claims": ["..."] (optional)}
//     -> {"ok": true, "header": {...}, "claims": {processed claims: disclosures applied, _sd/_sd_alg removed},
//         "kb": {"header": {...}, "payload": {...}} | null}
//     The issuer JWT header alg must be the issuer key's algorithm, and the KB-JWT header alg the
//     cnf key's (checked by this bridge's verifier callbacks).
//
//   {"op": "verify_with_type_metadata", "sd_jwt": "<as issued: issuer JWT~every disclosure~>",
//    "issuer_jwk": {public JWK} (optional; default: the key of the did:key / did:jwk in `iss`),
//    "allow_http": bool (default false), "integrity": "library" (default) | "draft",
//    "require_kb", "nonce", "now", "skew" (optional, as for verify; require_kb defaults to false)}
//     -> {"ok": true, "accepted": bool, "library_error": "<the library's reason>" (when not accepted),
//         "vct", "vct_integrity": string | null, "claims": {processed claims} | null,
//         "type_metadata": {"mergedTypeMetadata", "typeMetadataChain", "vctValues"} | null (the library's),
//         "fetched": {"url", "status", "content_type", "cache_control", "document"},
//         "vct_matches": bool, "integrity": {"value", "draft_ok", "error"?} | null,
//         "integrity_probe": {"sri", "hex", "library_accepts_sri", "library_accepts_hex", "library_error"?},
//         "schema", "strict", "draft", "claim_metadata"}
//     The library verifies the SD-JWT VC with `loadTypeMetadataFormat: true`: signature, iat/nbf/exp,
//     disclosures, the status list (fetched from `status.status_list.uri`), then the type metadata
//     from the `vct` URL, with its `vct#integrity` (when present), `extends` chain and its zod schema
//     `TypeMetadataFormatSchema` (loose: unknown members pass). Every fetch goes through this
//     bridge's hooks (`vctFetcher`, `statusListFetcher`), which allow 127.0.0.1 only, plain http only
//     with "allow_http" (the draft requires https; the library does not check). With "integrity":
//     "draft" the vct#integrity check is this bridge's (W3C SRI, base64) instead of the library's,
//     which compares the digest in hex (see integrity_probe). The rest is this bridge's:
//     - "fetched": the bridge's own GET of the vct URL (the octets `integrity` is checked against);
//     - "vct_matches": the document's vct is the credential's (the draft's MUST; the library does
//       not compare them);
//     - "integrity_probe": the library's own integrity routine on the fetched octets, given the
//       draft's SRI string `sha256-<base64>` and the hex form it actually compares;
//     - "schema": {"valid", "issues"} the library's TypeMetadataFormatSchema.safeParse(document);
//     - "strict": {"unknown": [JSON pointers]} members that schema does not name;
//     - "draft": {"errors", "notes"} the draft's rules the schema does not express (non-empty path,
//       svg_id syntax and uniqueness, one display object per locale, deprecated names);
//     - "claim_metadata": {"errors", "selected": [{"path", "sd", "selected", "disclosable"}]} the
//       draft's claim metadata validation against the issued credential (path processing over
//       every disclosure; `sd` always/never against how each selected claim is issued).
//
//   {"op": "check_type_metadata", "document": {...}, "sd_jwt": "..." (optional)}
//     -> {"ok": true, "schema", "strict", "draft", "claim_metadata" (with sd_jwt)} (as above, for a
//         document given inline; nothing is fetched)
import crypto from 'node:crypto';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance, TypeMetadataFormatSchema } from '@sd-jwt/sd-jwt-vc';
import {
  algOf, multikeyToJwk, needObject, needString, publicJwk, resolveLocally, runBridge,
} from './lib/common.mjs';

const HASHES = { ES256: 'sha256', ES384: 'sha384' };

function headerOf(data) {
  return JSON.parse(Buffer.from(data.split('.')[0], 'base64url').toString('utf8'));
}

async function signerFor(jwk) {
  if (!jwk || typeof jwk !== 'object' || typeof jwk.d !== 'string') throw new Error('private JWK (with d) required');
  const alg = algOf(jwk);
  if (alg === 'ES256') return { alg, signer: await ES256.getSigner(jwk) };
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const signer = async (data) => {
    const options = alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' };
    return crypto.sign(HASHES[alg] ?? null, Buffer.from(data, 'utf8'), options).toString('base64url');
  };
  return { alg, signer };
}

/// A verifier for one public key that also insists the signed header names that key's algorithm.
async function verifierFor(jwk) {
  const pub = publicJwk(jwk);
  const alg = algOf(pub);
  const es256 = alg === 'ES256' ? await ES256.getVerifier(pub) : null;
  const key = crypto.createPublicKey({ key: pub, format: 'jwk' });
  return async (data, signature) => {
    if (headerOf(data).alg !== alg) throw new Error(`header alg ${headerOf(data).alg} does not match the ${alg} key`);
    if (es256) return es256(data, signature);
    const options = alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' };
    return crypto.verify(HASHES[alg] ?? null, Buffer.from(data, 'utf8'), options, Buffer.from(signature, 'base64url'));
  };
}

/// The KB-JWT verifier: the key in the credential's cnf.jwk.
async function holderKbVerifier(data, signature, payload) {
  const holder = payload?.cnf?.jwk;
  if (!holder) throw new Error('the credential has no cnf.jwk to check the key binding against');
  return (await verifierFor(holder))(data, signature);
}

function instance(config) {
  return new SDJwtVcInstance({ hasher: digest, saltGenerator: generateSalt, hashAlg: 'sha-256', ...config });
}

async function issue(request) {
  const claims = needObject(request, 'claims');
  const { alg, signer } = await signerFor(request.issuer_jwk);
  const sdjwt = instance({ signer, signAlg: alg, hashAlg: request.hash_alg ?? 'sha-256' });
  const payload = { ...claims };
  if (request.holder_jwk) payload.cnf = { jwk: publicJwk(request.holder_jwk) };
  const token = await sdjwt.issue(payload, request.disclosure_frame, { header: request.header ?? {} });
  const [jwt, ...rest] = token.split('~');
  const [header, signed] = jwt.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  const disclosures = rest.filter((d) => d.length > 0).map((disclosure) => {
    const array = JSON.parse(Buffer.from(disclosure, 'base64url').toString('utf8'));
    return array.length === 3
      ? { disclosure, salt: array[0], key: array[1], value: array[2] }
      : { disclosure, salt: array[0], value: array[1] };
  });
  return { sd_jwt: token, header, payload: signed, disclosures };
}

async function present(request) {
  const token = needString(request, 'sd_jwt');
  const config = {};
  let options;
  if (request.holder_jwk) {
    const { alg, signer } = await signerFor(request.holder_jwk);
    Object.assign(config, { kbSigner: signer, kbSignAlg: alg });
    options = {
      kb: {
        payload: {
          iat: request.iat ?? Math.floor(Date.now() / 1000),
          aud: needString(request, 'aud'),
          nonce: needString(request, 'nonce'),
        },
      },
    };
  }
  const sdjwt = instance(config);
  const presentation = await sdjwt.present(token, request.presentation_frame ?? {}, options);
  return { presentation };
}

async function verify(request) {
  const presentation = needString(request, 'presentation');
  const requireKb = request.require_kb ?? true;
  const sdjwt = instance({ verifier: await verifierFor(needObject(request, 'issuer_jwk')), kbVerifier: holderKbVerifier });
  const options = {};
  if (requireKb) options.keyBindingNonce = needString(request, 'nonce');
  else if (request.nonce !== undefined) options.keyBindingNonce = request.nonce;
  if (request.now !== undefined) options.currentDate = request.now;
  if (request.skew !== undefined) options.skewSeconds = request.skew;
  if (request.required_claims !== undefined) options.requiredClaimKeys = request.required_claims;
  const result = await sdjwt.verify(presentation, options);
  if (result.kb && request.aud !== undefined && result.kb.payload.aud !== request.aud) {
    throw new Error(`key binding aud ${JSON.stringify(result.kb.payload.aud)} is not ${JSON.stringify(request.aud)}`);
  }
  return { header: result.header, claims: result.payload, kb: result.kb ?? null };
}

// ---------------------------------------------------------------- type metadata

const FETCH_TIMEOUT_MS = 10_000;
const MAX_DOCUMENT_BYTES = 1 << 20;
/// W3C SRI hash algorithms, weakest first.
const SRI_ALGS = ['sha256', 'sha384', 'sha512'];
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
const SVG_ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

function segment(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function reason(error) {
  const name = error?.name && error.name !== 'Error' ? `${error.name}: ` : '';
  return `${name}${error?.message ?? String(error)}`;
}

/// Only 127.0.0.1; plain http only when the request allows it.
function checkUrl(url, allowHttp) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`${url}: not an http(s) URL`);
  if (parsed.hostname !== '127.0.0.1') throw new Error(`${url}: this bridge only fetches from 127.0.0.1`);
  if (parsed.protocol === 'http:' && allowHttp !== true) throw new Error(`${url}: plain http needs "allow_http": true`);
}

/// GET: the response and its octets.
async function getOctets(url, allowHttp) {
  checkUrl(url, allowHttp);
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_DOCUMENT_BYTES) throw new Error(`GET ${url}: body over ${MAX_DOCUMENT_BYTES} bytes`);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}: ${bytes.toString('utf8').slice(0, 200)}`);
  return { response, bytes };
}

function parseJson(url, bytes) {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`GET ${url}: not JSON: ${bytes.toString('utf8').slice(0, 80)}`);
  }
}

/// The draft's integrity check ("Integrity of Referenced Documents"): W3C SRI syntax, the
/// strongest supported algorithm among the hash expressions, the base64 digest compared octet
/// for octet with the digest of the retrieved octets.
function sriMatches(integrity, bytes) {
  if (typeof integrity !== 'string') throw new Error('integrity metadata must be a string');
  const expressions = integrity.trim().split(/\s+/).flatMap((expression) => {
    const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(expression);
    return match ? [{ alg: match[1], digest: match[2] }] : [];
  });
  if (expressions.length === 0) throw new Error(`no supported hash expression in ${JSON.stringify(integrity)}`);
  const strongest = SRI_ALGS.filter((alg) => expressions.some((e) => e.alg === alg)).pop();
  const actual = crypto.createHash(strongest).update(bytes).digest();
  return expressions.filter((e) => e.alg === strongest).some((e) => Buffer.from(e.digest, 'base64').equals(actual));
}

/// The library's own integrity routine on `bytes`, with the draft's SRI string and with the hex
/// form it compares.
async function integrityProbe(sdjwt, url, bytes) {
  const digest256 = crypto.createHash('sha256').update(bytes).digest();
  const sri = `sha256-${digest256.toString('base64')}`;
  const hex = `sha256-${digest256.toString('hex')}`;
  const attempt = async (value) => {
    try {
      await sdjwt.validateIntegrity(new Response(bytes), url, value);
      return { accepted: true };
    } catch (error) {
      return { accepted: false, error: reason(error) };
    }
  };
  const withSri = await attempt(sri);
  const withHex = await attempt(hex);
  const probe = { sri, hex, library_accepts_sri: withSri.accepted, library_accepts_hex: withHex.accepted };
  if (withSri.error) probe.library_error = withSri.error;
  return probe;
}

function pointerOf(pointer, key) {
  return `${pointer}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/// Members of `value` that the zod `schema` does not name (JSON pointers), walking its objects,
/// arrays, optionals and pipes (the library's schemas are loose objects behind transforms).
function unknownMembers(schema, value, pointer = '', out = []) {
  const def = schema?._zod?.def;
  if (!def) return out;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return unknownMembers(def.innerType, value, pointer, out);
    case 'pipe':
      return unknownMembers(def.in, value, pointer, out);
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => unknownMembers(def.element, item, pointerOf(pointer, i), out));
      return out;
    case 'object':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, member] of Object.entries(value)) {
          if (Object.hasOwn(def.shape, key)) unknownMembers(def.shape[key], member, pointerOf(pointer, key), out);
          else out.push(pointerOf(pointer, key));
        }
      }
      return out;
    default:
      return out;
  }
}

/// The draft's rules that the library's schema does not express.
function draftChecks(document) {
  const errors = [];
  const notes = [];
  const localesOf = (display, where) => {
    const seen = new Set();
    if (!Array.isArray(display)) return seen;
    display.forEach((entry, i) => {
      if (entry !== null && typeof entry === 'object' && Object.hasOwn(entry, 'lang')) {
        notes.push(`${where}/${i}: "lang" is the library's deprecated alias; the draft names it "locale"`);
      }
      const locale = entry?.locale ?? entry?.lang;
      if (typeof locale !== 'string') return;
      if (!LANGUAGE_TAG.test(locale)) errors.push(`${where}/${i}/locale: ${JSON.stringify(locale)} is not a language tag`);
      if (seen.has(locale)) errors.push(`${where}: locale ${locale} given twice`);
      seen.add(locale);
    });
    return seen;
  };
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { errors: ['the document is not a JSON object'], notes };
  }
  const typeLocales = localesOf(document.display, '/display');
  (Array.isArray(document.display) ? document.display : []).forEach((entry, i) => {
    if (entry?.rendering && Object.hasOwn(entry.rendering, 'svg_template')) {
      notes.push(`/display/${i}/rendering: "svg_template" is the library's deprecated alias; the draft names it "svg_templates"`);
    }
  });
  const paths = new Set();
  const svgIds = new Set();
  (Array.isArray(document.claims) ? document.claims : []).forEach((claim, i) => {
    const where = `/claims/${i}`;
    const path = claim?.path;
    const pathOk = Array.isArray(path) && path.length > 0
      && path.every((c) => typeof c === 'string' || c === null || (Number.isInteger(c) && c >= 0));
    if (!pathOk) errors.push(`${where}/path: must be a non-empty array of strings, nulls and non-negative integers`);
    const key = JSON.stringify(path);
    if (paths.has(key)) notes.push(`${where}/path: ${key} described twice`);
    paths.add(key);
    if (claim?.svg_id !== undefined) {
      if (typeof claim.svg_id !== 'string' || !SVG_ID.test(claim.svg_id)) {
        errors.push(`${where}/svg_id: ${JSON.stringify(claim.svg_id)} is not letters, digits and underscores, not starting with a digit`);
      } else if (svgIds.has(claim.svg_id)) {
        errors.push(`${where}/svg_id: ${claim.svg_id} is not unique`);
      }
      svgIds.add(claim.svg_id);
    }
    if (claim?.display === undefined) return;
    const locales = localesOf(claim.display, `${where}/display`);
    const missing = [...typeLocales].filter((l) => !locales.has(l));
    if (missing.length > 0) {
      errors.push(`${where}/display: no object for the type's locale(s) ${missing.join(', ')}`);
    }
  });
  return { errors, notes };
}

function checkDocument(document) {
  const parsed = TypeMetadataFormatSchema.safeParse(document);
  const schema = parsed.success
    ? { valid: true, issues: [] }
    : { valid: false, issues: parsed.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message })) };
  return { schema, strict: { unknown: unknownMembers(TypeMetadataFormatSchema, document) }, draft: draftChecks(document) };
}

/// The issued payload with every disclosure in place, each object member and array element
/// marked `sd` when a disclosure of its own carries it. An array digest with no disclosure is
/// taken for a decoy (the SD-JWT must carry every disclosure, as issued).
function expandIssued(token) {
  const [jwt, ...rest] = token.split('~');
  const payload = segment(jwt.split('.')[1]);
  const alg = String(payload._sd_alg ?? 'sha-256').replace('-', '').toLowerCase();
  const byDigest = new Map();
  for (const disclosure of rest) {
    if (disclosure.length === 0 || disclosure.includes('.')) continue; // the trailing KB-JWT
    byDigest.set(crypto.createHash(alg).update(disclosure, 'ascii').digest('base64url'), segment(disclosure));
  }
  const expand = (value) => {
    if (Array.isArray(value)) {
      const items = [];
      for (const item of value) {
        const isDigest = item !== null && typeof item === 'object' && !Array.isArray(item)
          && Object.keys(item).length === 1 && typeof item['...'] === 'string';
        if (!isDigest) {
          items.push({ node: expand(item), sd: false });
          continue;
        }
        const disclosed = byDigest.get(item['...']);
        if (Array.isArray(disclosed) && disclosed.length === 2) items.push({ node: expand(disclosed[1]), sd: true });
      }
      return { kind: 'array', items };
    }
    if (value !== null && typeof value === 'object') {
      const entries = new Map();
      for (const [key, member] of Object.entries(value)) {
        if (key !== '_sd' && key !== '_sd_alg') entries.set(key, { node: expand(member), sd: false });
      }
      for (const digest of Array.isArray(value._sd) ? value._sd : []) {
        const disclosed = byDigest.get(digest);
        if (Array.isArray(disclosed) && disclosed.length === 3) entries.set(disclosed[1], { node: expand(disclosed[2]), sd: true });
      }
      return { kind: 'object', entries };
    }
    return { kind: 'value' };
  };
  return expand(payload);
}

/// The draft's `path` processing ("Processing of path") over the expanded payload.
function selectPath(root, path) {
  if (!Array.isArray(path)) throw new Error(`path ${JSON.stringify(path)} is not an array`);
  let selected = [{ node: root, sd: false }];
  for (const component of path) {
    const next = [];
    for (const { node } of selected) {
      const isIndex = Number.isInteger(component) && component >= 0;
      if (typeof component === 'string') {
        if (node.kind !== 'object') throw new Error(`path ${JSON.stringify(path)}: "${component}" selects in a non-object`);
        const entry = node.entries.get(component);
        if (entry) next.push(entry);
      } else if (component === null || isIndex) {
        if (node.kind !== 'array') throw new Error(`path ${JSON.stringify(path)}: ${component} selects in a non-array`);
        if (component === null) next.push(...node.items);
        else if (component < node.items.length) next.push(node.items[component]);
      } else {
        throw new Error(`path ${JSON.stringify(path)}: ${JSON.stringify(component)} is not a string, null or a non-negative integer`);
      }
    }
    selected = next;
  }
  return selected;
}

/// The draft's claim metadata validation of an issued SD-JWT VC: every `path` processes, every
/// `mandatory` claim is there, and every selected claim is (`sd: "always"`) or is not
/// (`sd: "never"`) selectively disclosable on its own.
function checkClaimMetadata(document, token) {
  const root = expandIssued(token);
  const errors = [];
  const selected = [];
  for (const claim of Array.isArray(document?.claims) ? document.claims : []) {
    let hits;
    try {
      hits = selectPath(root, claim?.path);
    } catch (error) {
      errors.push(error.message);
      continue;
    }
    const disclosable = hits.filter((hit) => hit.sd).length;
    const where = `path ${JSON.stringify(claim.path)}`;
    selected.push({ path: claim.path, sd: claim.sd ?? null, selected: hits.length, disclosable });
    if (claim.mandatory === true && hits.length === 0) errors.push(`${where}: mandatory, but not in the credential`);
    if (claim.sd === 'always' && disclosable < hits.length) {
      errors.push(`${where}: sd "always", but ${hits.length - disclosable} of ${hits.length} selected claim(s) are not selectively disclosable`);
    }
    if (claim.sd === 'never' && disclosable > 0) {
      errors.push(`${where}: sd "never", but ${disclosable} of ${hits.length} selected claim(s) are selectively disclosable`);
    }
  }
  return { errors, selected };
}

/// The issuer's public key from the DID in `iss` (did:key, did:jwk, or a given document): the
/// method the header `kid` names, else the first.
function issuerKeyOf(header, payload, documents) {
  const iss = payload.iss;
  if (typeof iss !== 'string' || !iss.startsWith('did:')) throw new Error('iss is not a DID: give issuer_jwk');
  const document = resolveLocally(iss, documents ?? {});
  const methods = document.verificationMethod ?? [];
  const kid = typeof header.kid === 'string' && header.kid.startsWith('#') ? `${iss}${header.kid}` : header.kid;
  const method = methods.find((m) => m.id === kid) ?? methods[0];
  if (!method) throw new Error(`${iss} has no verification method`);
  if (method.publicKeyJwk) return publicJwk(method.publicKeyJwk);
  if (method.publicKeyMultibase) return multikeyToJwk(method.publicKeyMultibase);
  throw new Error(`${method.id}: no publicKeyJwk or publicKeyMultibase`);
}

async function verifyWithTypeMetadata(request) {
  const token = needString(request, 'sd_jwt');
  const allowHttp = request.allow_http === true;
  const mode = request.integrity ?? 'library';
  if (mode !== 'library' && mode !== 'draft') throw new Error('integrity must be "library" or "draft"');
  const [header, payload] = token.split('~')[0].split('.').slice(0, 2).map(segment);
  const vct = payload.vct;
  if (typeof vct !== 'string') throw new Error('the credential has no vct string');
  const vctIntegrity = payload['vct#integrity'] ?? null;
  const issuerJwk = request.issuer_jwk
    ? publicJwk(needObject(request, 'issuer_jwk'))
    : issuerKeyOf(header, payload, request.did_documents);

  // The bridge's own GET of the vct URL: the octets the integrity is checked against.
  const { response, bytes } = await getOctets(vct, allowHttp);
  const document = parseJson(vct, bytes);
  const fetched = {
    url: vct,
    status: response.status,
    content_type: response.headers.get('content-type'),
    cache_control: response.headers.get('cache-control'),
    document,
  };

  let sdjwt = null;
  const vctFetcher = async (uri, integrity) => {
    checkUrl(uri, allowHttp);
    if (mode === 'library') return sdjwt.fetchWithIntegrity(uri, integrity);
    const got = await getOctets(uri, allowHttp);
    if (integrity && !sriMatches(integrity, got.bytes)) throw new Error(`integrity check for ${uri} failed (W3C SRI)`);
    return parseJson(uri, got.bytes);
  };
  const statusListFetcher = async (uri) => {
    checkUrl(uri, allowHttp);
    return SDJwtVcInstance.prototype.statusListFetcher.call(sdjwt, uri);
  };
  sdjwt = instance({
    verifier: await verifierFor(issuerJwk),
    kbVerifier: holderKbVerifier,
    loadTypeMetadataFormat: true,
    vctFetcher,
    statusListFetcher,
  });
  const options = {};
  if (request.require_kb === true) options.keyBindingNonce = needString(request, 'nonce');
  else if (request.nonce !== undefined) options.keyBindingNonce = request.nonce;
  if (request.now !== undefined) options.currentDate = request.now;
  if (request.skew !== undefined) options.skewSeconds = request.skew;
  let result = null;
  let libraryError = null;
  try {
    result = await sdjwt.verify(token, options);
  } catch (error) {
    libraryError = reason(error);
  }

  let integrity = null;
  if (vctIntegrity !== null) {
    try {
      integrity = { value: vctIntegrity, draft_ok: sriMatches(vctIntegrity, bytes) };
    } catch (error) {
      integrity = { value: vctIntegrity, draft_ok: false, error: error.message };
    }
  }
  const answer = {
    accepted: libraryError === null,
    vct,
    vct_integrity: vctIntegrity,
    claims: result?.payload ?? null,
    type_metadata: result?.typeMetadata ?? null,
    fetched,
    vct_matches: document?.vct === vct,
    integrity,
    integrity_probe: await integrityProbe(sdjwt, vct, bytes),
    ...checkDocument(document),
    claim_metadata: checkClaimMetadata(document, token),
  };
  if (libraryError !== null) answer.library_error = libraryError;
  return answer;
}

async function checkTypeMetadata(request) {
  const document = needObject(request, 'document');
  const answer = checkDocument(document);
  if (request.sd_jwt !== undefined) answer.claim_metadata = checkClaimMetadata(document, needString(request, 'sd_jwt'));
  return answer;
}

await runBridge({
  issue,
  present,
  verify,
  verify_with_type_metadata: verifyWithTypeMetadata,
  check_type_metadata: checkTypeMetadata,
});
