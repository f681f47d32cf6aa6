// Shared plumbing for the one-shot bridges in interop/node: the stdin/stdout JSON contract,
// key generation, JWK <-> multikey conversion and local (no network) did:key / did:jwk documents.
import crypto from 'node:crypto';

// ---------------------------------------------------------------- the request/response contract

/// Reads ONE JSON request on stdin and writes ONE JSON response on stdout.
/// `ops` maps an op name to an async function (request) -> object merged into {"ok": true}.
/// A failing op answers {"ok": false, "error": "..."} with exit status 0; a request that is not a
/// JSON object with a string "op" answers the same shape with exit status 2.
/// Every bridge also understands {"op": "generate", "alg": ...} (see `generateKeyOp`).
export async function runBridge(ops) {
  const input = await new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { data += chunk; });
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
  let request;
  try {
    request = JSON.parse(input);
  } catch (error) {
    return finish({ ok: false, error: `malformed request: ${error.message}` }, 2);
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request) || typeof request.op !== 'string') {
    return finish({ ok: false, error: 'malformed request: need an object with a string op' }, 2);
  }
  const all = { generate: generateKeyOp, ...ops };
  const op = Object.hasOwn(all, request.op) ? all[request.op] : undefined;
  if (!op) {
    return finish({ ok: false, error: `unknown op ${JSON.stringify(request.op)}` }, 0);
  }
  try {
    const result = await op(request);
    return finish({ ok: true, ...result }, 0);
  } catch (error) {
    return finish({ ok: false, error: describe(error) }, 0);
  }
}

function describe(error) {
  if (error === null || error === undefined) return String(error);
  const parts = [];
  if (error.name && error.name !== 'Error') parts.push(error.name);
  if (error.code) parts.push(String(error.code));
  parts.push(error.message ?? String(error));
  // digitalbazaar verification results nest the real cause.
  if (error.errors && Array.isArray(error.errors)) parts.push(error.errors.map(describe).join('; '));
  if (error.cause) parts.push(`cause: ${describe(error.cause)}`);
  return parts.join(': ');
}

function finish(response, code) {
  process.stdout.write(`${JSON.stringify(response)}\n`, () => process.exit(code));
}

/// Throws when `value` is not a non-empty string.
export function needString(request, name) {
  const value = request[name];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${name} must be a non-empty string`);
  return value;
}

/// Throws when `value` is not a JSON object.
export function needObject(request, name) {
  const value = request[name];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value;
}

// ---------------------------------------------------------------- keys

const CURVES = {
  ES256: { kty: 'EC', crv: 'P-256', node: 'prime256v1', size: 32 },
  ES384: { kty: 'EC', crv: 'P-384', node: 'secp384r1', size: 48 },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', size: 32 },
};

/// The JOSE algorithm a JWK naturally signs with (ES256, ES384, EdDSA).
export function algOf(jwk) {
  for (const [alg, curve] of Object.entries(CURVES)) {
    if (jwk.kty === curve.kty && jwk.crv === curve.crv) return alg;
  }
  throw new Error(`unsupported key: kty ${jwk.kty} crv ${jwk.crv}`);
}

/// The public members of a JWK (drops "d" and anything else).
export function publicJwk(jwk) {
  const out = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  if (jwk.kty === 'EC') out.y = jwk.y;
  return out;
}

/// op "generate": {"alg": "ES256"|"ES384"|"EdDSA"} ->
///   {"jwk": private JWK, "public_jwk": ..., "did": did:key, "kid": did:key#fragment}
export async function generateKeyOp(request) {
  const curve = CURVES[request.alg];
  if (!curve) throw new Error(`unsupported alg ${JSON.stringify(request.alg)}`);
  const { privateKey } = curve.kty === 'OKP'
    ? crypto.generateKeyPairSync('ed25519')
    : crypto.generateKeyPairSync('ec', { namedCurve: curve.node });
  const jwk = privateKey.export({ format: 'jwk' });
  const { did, kid } = didKeyFromJwk(jwk);
  return { jwk, public_jwk: publicJwk(jwk), did, kid };
}

export function b64uDecode(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function b64uEncode(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

// ---------------------------------------------------------------- base58btc and multikey

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58Encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function base58Decode(text) {
  let n = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new Error('not base58btc');
    n = n * 58n + BigInt(digit);
  }
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  return new Uint8Array([...new Uint8Array(zeros), ...Buffer.from(hex, 'hex')]);
}

// multicodec varint prefixes
const PUBLIC_PREFIX = { 'P-256': [0x80, 0x24], 'P-384': [0x81, 0x24], Ed25519: [0xed, 0x01] };
const SECRET_PREFIX = { 'P-256': [0x86, 0x26], 'P-384': [0x87, 0x26], Ed25519: [0x80, 0x26] };

function compressedPoint(jwk) {
  const x = b64uDecode(jwk.x);
  const y = b64uDecode(jwk.y);
  const last = y[y.length - 1];
  return new Uint8Array([last % 2 === 0 ? 0x02 : 0x03, ...x]);
}

function rawPublic(jwk) {
  algOf(jwk);
  return jwk.kty === 'OKP' ? b64uDecode(jwk.x) : compressedPoint(jwk);
}

/// JWK -> {"publicKeyMultibase": "z...", "secretKeyMultibase": "z..." (only when the JWK has "d")}.
export function jwkToMultikey(jwk) {
  const out = { publicKeyMultibase: `z${base58Encode([...PUBLIC_PREFIX[jwk.crv], ...rawPublic(jwk)])}` };
  if (jwk.d) out.secretKeyMultibase = `z${base58Encode([...SECRET_PREFIX[jwk.crv], ...b64uDecode(jwk.d)])}`;
  return out;
}

/// publicKeyMultibase (P-256, P-384 compressed point, or Ed25519) -> public JWK.
export function multikeyToJwk(multibase) {
  if (typeof multibase !== 'string' || !multibase.startsWith('z')) throw new Error('multikey must be base58btc (z...)');
  const bytes = base58Decode(multibase.slice(1));
  for (const [crv, prefix] of Object.entries(PUBLIC_PREFIX)) {
    if (bytes[0] !== prefix[0] || bytes[1] !== prefix[1]) continue;
    const raw = bytes.slice(2);
    if (crv === 'Ed25519') {
      if (raw.length !== 32) throw new Error('Ed25519 multikey must hold 32 bytes');
      return { kty: 'OKP', crv, x: b64uEncode(raw) };
    }
    const node = crv === 'P-256' ? 'prime256v1' : 'secp384r1';
    const size = crv === 'P-256' ? 32 : 48;
    if (raw.length !== size + 1) throw new Error(`${crv} multikey must hold a compressed point`);
    const full = crypto.ECDH.convertKey(Buffer.from(raw), node, undefined, undefined, 'uncompressed');
    return { kty: 'EC', crv, x: b64uEncode(full.subarray(1, 1 + size)), y: b64uEncode(full.subarray(1 + size)) };
  }
  throw new Error('unsupported multikey codec');
}

// ---------------------------------------------------------------- local DID documents

/// did:key for a JWK (P-256, P-384, Ed25519): {"did", "kid" (did#<multibase>), "publicKeyMultibase"}.
export function didKeyFromJwk(jwk) {
  const { publicKeyMultibase } = jwkToMultikey(publicJwk(jwk));
  const did = `did:key:${publicKeyMultibase}`;
  return { did, kid: `${did}#${publicKeyMultibase}`, publicKeyMultibase };
}

/// The DID document of a did:key (Multikey verification method, every relationship).
export function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length).split('#')[0];
  const jwk = multikeyToJwk(multibase); // validates the key
  const kid = `${did}#${multibase}`;
  return controllerDocument(did, {
    id: kid,
    type: 'Multikey',
    controller: did,
    publicKeyMultibase: jwkToMultikey(jwk).publicKeyMultibase,
  }, ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
}

/// The DID document of a did:jwk (JsonWebKey verification method "#0").
export function didJwkDocument(did) {
  const jwk = JSON.parse(Buffer.from(b64uDecode(did.slice('did:jwk:'.length).split('#')[0])).toString('utf8'));
  return controllerDocument(did, {
    id: `${did}#0`,
    type: 'JsonWebKey2020',
    controller: did,
    publicKeyJwk: publicJwk(jwk),
  }, ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1']);
}

function controllerDocument(did, method, context) {
  return {
    '@context': context,
    id: did,
    verificationMethod: [method],
    authentication: [method.id],
    assertionMethod: [method.id],
    capabilityInvocation: [method.id],
    capabilityDelegation: [method.id],
  };
}

/// Resolves a DID locally: did:key and did:jwk are built from the identifier; any other DID must
/// be given in `documents` ({did: DID document}). Never touches the network.
export function resolveLocally(did, documents = {}) {
  const bare = did.split('#')[0];
  if (documents && Object.hasOwn(documents, bare)) return documents[bare];
  if (bare.startsWith('did:key:')) return didKeyDocument(bare);
  if (bare.startsWith('did:jwk:')) return didJwkDocument(bare);
  throw new Error(`cannot resolve ${bare} locally (pass its document in did_documents)`);
}
