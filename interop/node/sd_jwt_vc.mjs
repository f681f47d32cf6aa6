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
import crypto from 'node:crypto';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { algOf, needObject, needString, publicJwk, runBridge } from './lib/common.mjs';

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
  const kbVerifier = async (data, signature, payload) => {
    const holder = payload?.cnf?.jwk;
    if (!holder) throw new Error('the credential has no cnf.jwk to check the key binding against');
    return (await verifierFor(holder))(data, signature);
  };
  const sdjwt = instance({ verifier: await verifierFor(needObject(request, 'issuer_jwk')), kbVerifier });
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

await runBridge({ issue, present, verify });
