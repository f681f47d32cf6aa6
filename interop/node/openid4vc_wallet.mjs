// A one-shot "wallet" bridge driven by Animo's OpenID4VC libraries (the ones behind Credo and the
// Paradym wallet): @openid4vc/openid4vci + @openid4vc/oauth2 for OpenID4VCI 1.0 (pre-authorized
// code flow), @openid4vc/openid4vp + `dcql` for OpenID4VP 1.0 with DCQL, and @sd-jwt/sd-jwt-vc for
// the SD-JWT VC presentation (Credo builds presentations with the same @sd-jwt packages). Pinned
// in package-lock.json. This bridge is the wallet; the issuer and the verifier are live services.
//
// Unlike the other bridges this one TALKS TO THE NETWORK (the issuer's and the verifier's URLs
// from the offer / request); nothing else. Keys: P-256 (ES256), handled with node:crypto.
//
// Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exit 0 ({"ok": false,
// "error": "..."} when the op fails); exit 2 when the request is not an object with a string op.
// Protocol errors carry the OAuth error code in "error" and the HTTP status in "status".
//
//   {"op": "generate", "alg": "ES256"|"ES384"|"EdDSA"}            (as every bridge)
//
//   {"op": "receive", "offer": "openid-credential-offer://..." | {credential offer JSON} | "<JSON text>",
//    "tx_code": "123456" | null, "proof": "jwk" | "did:key" (default "jwk"),
//    "allow_http": bool (default false: the library refuses http:// URLs),
//    "holder_jwk": {private P-256 JWK} (optional; default a fresh key),
//    "proof_nonce": "..." (optional: sign the proof over this nonce instead of the issuer's),
//    "skip_nonce": bool (optional: do not call the nonce endpoint; the proof has no nonce),
//    "credential_configuration_id": "..." (optional; default the offer's first),
//    "legacy_proof": bool (optional: send the draft-era singular "proof" member instead of
//                   OpenID4VCI 1.0's "proofs": {"jwt": [...]})}
//     -> {"ok": true, "credential": "<sd-jwt>", "credentials": [...], "holder_jwk": {private},
//         "holder_kid": "did:key:z..#z.." | null, "holder_did": "did:key:..." | null,
//         "credential_configuration_id", "format", "issuer", "openid4vci_version" (as the library
//         detected it from the metadata), "c_nonce" (the issuer's), "proof_jwt", "notification_id"?}
//     -> {"ok": false, "error": "<OAuth error code, e.g. invalid_grant>", "status": 400,
//         "stage": "offer"|"metadata"|"token"|"nonce"|"proof"|"credential",
//         "error_description"?, "message": "<the library's error text>", "holder_jwk",
//         "http": [{"method", "url", "status"}]}
//        (errors raised by the library itself, e.g. a missing tx_code, have no status; their
//         "error" is "<ErrorName>: <message>")
//
//   {"op": "present", "request": "openid4vp://?..." (deep link, by value or by reference),
//    "credentials": ["<sd-jwt>", ...], "holder_jwk": {private JWK} (signs every KB-JWT),
//    "allow_http": bool (default false),
//    "tamper": null | "disclosure" (change a disclosed value, KB-JWT over the tampered SD-JWT)
//            | "kb_nonce" | "kb_aud" (KB-JWT with a wrong nonce / aud) | "kb_signature",
//    "replay_of": null | {"response_body": "<form body>", "response_uri"?: "..."}
//            (post this earlier body instead of a new response; response_uri defaults to this
//             request's)}
//     -> {"ok": true, "status": <door's HTTP status>, "body": <door's JSON answer>,
//         "query_ids": [...], "response_uri", "response_body": "<form body posted>",
//         "client_id", "effective_client_id", "nonce", "state", "request_by": "value"|"reference",
//         "openid4vp_version", "disclosed": {query_id: [claim paths]}, "dcql_query"}
//     -> {"ok": false, "error": "...", "stage": "parse"|"resolve"|"dcql"|"present"|"submit", ...}
//        ("dcql": the query cannot be satisfied; "dcql_result" then holds the matcher's answer)
//
//   {"op": "post", "response_uri": "http://...", "body": "<form body>" | {form fields},
//    "allow_http": bool}
//     -> {"ok": true, "status", "body": <JSON or text>}   (re-posts a raw body: replay tests)
import crypto from 'node:crypto';
import {
  Openid4vciClient,
  Openid4vciRetrieveCredentialsError,
  setGlobalConfig,
} from '@openid4vc/openid4vci';
import {
  Oauth2ClientErrorResponseError,
  Oauth2ServerErrorResponseError,
  clientAuthenticationAnonymous,
} from '@openid4vc/oauth2';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { InvalidFetchResponseError } from '@openid4vc/utils';
import { DcqlQuery } from 'dcql';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import {
  algOf, b64uDecode, didKeyFromJwk, generateKeyOp, multikeyToJwk, needString, publicJwk, resolveLocally,
  runBridge,
} from './lib/common.mjs';

const NODE_HASH = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };
const ALG_HASH = { ES256: 'sha256', ES384: 'sha384', EdDSA: null };

// ---------------------------------------------------------------- keys and JWTs (the callbacks)

function b64uJson(value) {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function parseJwtPart(part) {
  return JSON.parse(Buffer.from(b64uDecode(part)).toString('utf8'));
}

function signCompact(privateJwk, header, payload) {
  const alg = algOf(privateJwk);
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const key = crypto.createPrivateKey({ key: privateJwk, format: 'jwk' });
  const options = alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' };
  const signature = crypto.sign(ALG_HASH[alg], Buffer.from(input, 'utf8'), options);
  return `${input}.${signature.toString('base64url')}`;
}

function verifyCompact(compact, jwk) {
  const [h, p, s] = compact.split('.');
  const header = parseJwtPart(h);
  const alg = algOf(jwk);
  if (header.alg !== alg) return false;
  const key = crypto.createPublicKey({ key: publicJwk(jwk), format: 'jwk' });
  const options = alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' };
  return crypto.verify(ALG_HASH[alg], Buffer.from(`${h}.${p}`, 'utf8'), options, Buffer.from(b64uDecode(s)));
}

function sameKey(a, b) {
  return a && b && a.kty === b.kty && a.crv === b.crv && a.x === b.x && (a.y ?? null) === (b.y ?? null);
}

/// The public key a DID URL names, for did:key and did:jwk (resolved locally, no network).
function jwkOfDidUrl(didUrl) {
  const document = resolveLocally(didUrl);
  const method = document.verificationMethod.find((m) => m.id === didUrl) ?? document.verificationMethod[0];
  if (method.publicKeyJwk) return method.publicKeyJwk;
  return multikeyToJwk(method.publicKeyMultibase);
}

/// Every callback the libraries ask for. `keys` are the private JWKs the wallet may sign with;
/// `log` collects each HTTP exchange (the form body of the direct_post is read back from it).
function makeCallbacks(keys, log) {
  const recordingFetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url;
    const entry = { method: init.method ?? 'GET', url, body: typeof init.body === 'string' ? init.body : init.body?.toString?.() };
    log.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    return response;
  };
  return {
    fetch: recordingFetch,
    hash: (data, alg) => {
      const name = NODE_HASH[alg];
      if (!name) throw new Error(`unsupported hash ${alg}`);
      return new Uint8Array(crypto.createHash(name).update(data).digest());
    },
    generateRandom: (length) => new Uint8Array(crypto.randomBytes(length)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      let key;
      if (signer.method === 'jwk') key = keys.find((k) => sameKey(publicJwk(k), signer.publicJwk));
      else if (signer.method === 'did') key = keys.find((k) => signer.didUrl.startsWith(didKeyFromJwk(k).did));
      if (!key) throw new Error(`no private key for signer ${JSON.stringify(signer)}`);
      return { jwt: signCompact(key, header, payload), signerJwk: publicJwk(key) };
    },
    verifyJwt: async (signer, { compact }) => {
      let jwk;
      if (signer.method === 'jwk') jwk = signer.publicJwk;
      else if (signer.method === 'did') jwk = jwkOfDidUrl(signer.didUrl);
      else if (signer.method === 'x5c') {
        const cert = new crypto.X509Certificate(Buffer.from(signer.x5c[0], 'base64'));
        jwk = cert.publicKey.export({ format: 'jwk' });
      } else return { verified: false };
      return verifyCompact(compact, jwk) ? { verified: true, signerJwk: jwk } : { verified: false, signerJwk: jwk };
    },
    // The verifier certificate's names, as a wallet reads them to check x509_san_dns /
    // x509_san_uri client ids (the library asks for it for every x509 prefix; x509_hash is
    // checked against the certificate's hash by the library itself).
    getX509CertificateMetadata: (certificate) => {
      const cert = new crypto.X509Certificate(Buffer.from(certificate, 'base64'));
      const names = (cert.subjectAltName ?? '').split(', ').filter(Boolean);
      return {
        sanDnsNames: names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
        sanUriNames: names.filter((n) => n.startsWith('URI:')).map((n) => n.slice(4)),
      };
    },
    encryptJwe: () => { throw new Error('this wallet does not encrypt responses (no JWE support)'); },
    decryptJwe: () => { throw new Error('this wallet does not decrypt request objects (no JWE support)'); },
  };
}

// ---------------------------------------------------------------- errors

/// A library error as a bridge answer: the OAuth error code, the HTTP status and the text.
async function protocolFailure(stage, error) {
  const out = { ok: false, stage, message: String(error?.message ?? error) };
  if (error instanceof Oauth2ClientErrorResponseError) {
    out.error = error.errorResponse?.error ?? 'oauth2_error';
    if (error.errorResponse?.error_description) out.error_description = error.errorResponse.error_description;
    out.status = error.response?.status;
  } else if (error instanceof Openid4vciRetrieveCredentialsError) {
    const data = error.response?.credentialErrorResponseResult?.data;
    out.error = data?.error ?? 'credential_request_failed';
    if (data?.error_description) out.error_description = data.error_description;
    out.status = error.response?.response?.status;
    if (error.response?.credentialResponseResult && !error.response.credentialResponseResult.success) {
      out.error = 'invalid_credential_response';
    }
  } else if (error instanceof InvalidFetchResponseError) {
    out.status = error.response?.status;
    let body;
    try { body = JSON.parse(error.textResponse); } catch { body = undefined; }
    out.error = body?.error ?? 'http_error';
    if (body?.error_description) out.error_description = body.error_description;
  } else if (error instanceof Oauth2ServerErrorResponseError) {
    out.error = error.errorResponse?.error ?? 'oauth2_error';
    if (error.errorResponse?.error_description) out.error_description = error.errorResponse.error_description;
  } else {
    out.error = `${error?.name ?? 'Error'}: ${out.message}`;
  }
  return out;
}

function configure(request) {
  setGlobalConfig({ allowInsecureUrls: request.allow_http === true });
}

async function freshKey() {
  const { jwk } = await generateKeyOp({ alg: 'ES256' });
  return jwk;
}

// ---------------------------------------------------------------- OpenID4VCI: receive

function offerLink(offer) {
  if (typeof offer === 'string') {
    const text = offer.trim();
    if (text.startsWith('{')) return `openid-credential-offer://?credential_offer=${encodeURIComponent(text)}`;
    return text;
  }
  if (offer && typeof offer === 'object' && !Array.isArray(offer)) {
    return `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`;
  }
  throw new Error('offer must be a link, a JSON text or a credential offer object');
}

async function receive(request) {
  configure(request);
  const proofKind = request.proof ?? 'jwk';
  if (proofKind !== 'jwk' && proofKind !== 'did:key') throw new Error('proof must be "jwk" or "did:key"');
  const holderJwk = request.holder_jwk ?? await freshKey();
  if (algOf(holderJwk) !== 'ES256') throw new Error('holder_jwk must be a P-256 key');
  const log = [];
  const callbacks = makeCallbacks([holderJwk], log);
  const client = new Openid4vciClient({ callbacks });
  let stage = 'offer';
  try {
    const credentialOffer = await client.resolveCredentialOffer(offerLink(request.offer));
    stage = 'metadata';
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const configurationId = request.credential_configuration_id ?? credentialOffer.credential_configuration_ids[0];
    stage = 'token';
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
      txCode: request.tx_code ?? undefined,
    });
    stage = 'nonce';
    let nonce;
    if (!request.skip_nonce) nonce = (await client.requestNonce({ issuerMetadata })).c_nonce;
    const cNonce = nonce;
    if (request.proof_nonce !== undefined && request.proof_nonce !== null) nonce = request.proof_nonce;
    stage = 'proof';
    const { did, kid } = didKeyFromJwk(holderJwk);
    const signer = proofKind === 'jwk'
      ? { method: 'jwk', alg: 'ES256', publicJwk: publicJwk(holderJwk) }
      : { method: 'did', alg: 'ES256', didUrl: kid };
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: configurationId,
      signer,
      nonce,
    });
    stage = 'credential';
    const { credentialResponse } = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      credentialConfigurationId: configurationId,
      ...(request.legacy_proof ? { proof: { proof_type: 'jwt', jwt } } : { proofs: { jwt: [jwt] } }),
    });
    const credentials = (credentialResponse.credentials ?? []).map((c) => (typeof c === 'string' ? c : c.credential));
    if (credentials.length === 0) {
      return { ok: false, stage, error: 'no_credential', message: 'the credential response holds no credential', credential_response: credentialResponse };
    }
    const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId];
    const out = {
      credential: credentials[0],
      credentials,
      holder_jwk: holderJwk,
      holder_kid: proofKind === 'did:key' ? kid : null,
      holder_did: proofKind === 'did:key' ? did : null,
      credential_configuration_id: configurationId,
      format: configuration?.format,
      issuer: credentialOffer.credential_issuer,
      openid4vci_version: issuerMetadata.originalDraftVersion,
      c_nonce: cNonce ?? null,
      proof_jwt: jwt,
    };
    if (credentialResponse.notification_id) out.notification_id = credentialResponse.notification_id;
    return out;
  } catch (error) {
    return { ...(await protocolFailure(stage, error)), holder_jwk: holderJwk, http: log.map(({ method, url, status }) => ({ method, url, status })) };
  }
}

// ---------------------------------------------------------------- OpenID4VP: present

function sdJwtInstance(config = {}) {
  return new SDJwtVcInstance({ hasher: digest, saltGenerator: generateSalt, hashAlg: 'sha-256', ...config });
}

/// DCQL credential record (what the `dcql` matcher reads) for one SD-JWT VC.
async function dcqlCredential(sdjwt) {
  const claims = await sdJwtInstance().getClaims(sdjwt);
  return {
    credential_format: 'dc+sd-jwt',
    vct: claims.vct,
    claims,
    cryptographic_holder_binding: Boolean(claims.cnf),
  };
}

/// A presentation frame (@sd-jwt's {"a": true, "b": {"c": true}, "list": {"0": true}}) that
/// discloses what the claims paths name (string: key, number: index, null: every element).
function frameFor(paths, claims) {
  const frame = {};
  const add = (target, value, path) => {
    if (path.length === 0) return true;
    const [head, ...rest] = path;
    if (head === null) {
      if (!Array.isArray(value)) return target;
      const out = typeof target === 'object' && target !== null ? target : {};
      value.forEach((element, index) => { out[index] = add(out[index] ?? {}, element, rest); });
      return out;
    }
    const out = typeof target === 'object' && target !== null ? target : {};
    const key = String(head);
    out[key] = add(out[key] ?? {}, value?.[head], rest);
    return out;
  };
  for (const path of paths) add(frame, claims, path);
  return frame;
}

/// Which credential queries to answer: every query when there are no credential_sets; else for
/// each required set (and the optional ones the wallet can satisfy) its first satisfiable option.
function chooseQueries(query, result) {
  if (!query.credential_sets) return query.credentials.map((c) => c.id);
  const ids = new Set();
  for (const set of result.credential_sets ?? []) {
    const option = set.matching_options?.[0];
    if (option) option.forEach((id) => ids.add(id));
  }
  return [...ids];
}

function changeOneDisclosure(presentation) {
  const parts = presentation.split('~');
  for (let i = 1; i < parts.length; i++) {
    if (!parts[i]) continue;
    const decoded = JSON.parse(Buffer.from(b64uDecode(parts[i])).toString('utf8'));
    if (decoded.length !== 3) continue;
    const value = decoded[2];
    decoded[2] = typeof value === 'boolean' ? !value : typeof value === 'string' ? `${value} (tampered)` : 'tampered';
    parts[i] = Buffer.from(JSON.stringify(decoded), 'utf8').toString('base64url');
    return parts.join('~');
  }
  throw new Error('tamper "disclosure": the presentation discloses no object property');
}

/// SD-JWT presentation + KB-JWT. The library builds it (present + kb); the tamper modes build
/// the KB-JWT here so that exactly one thing is wrong.
async function presentOne(sdjwt, frame, holderJwk, aud, nonce, tamper) {
  const alg = algOf(holderJwk);
  if (!tamper) {
    const instance = sdJwtInstance({
      kbSigner: (data) => {
        const key = crypto.createPrivateKey({ key: holderJwk, format: 'jwk' });
        const options = alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' };
        return crypto.sign(ALG_HASH[alg], Buffer.from(data, 'utf8'), options).toString('base64url');
      },
      kbSignAlg: alg,
    });
    return instance.present(sdjwt, frame, { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud, nonce } } });
  }
  let bare = await sdJwtInstance().present(sdjwt, frame);
  if (tamper === 'disclosure') bare = changeOneDisclosure(bare);
  const sdHash = crypto.createHash('sha256').update(bare, 'utf8').digest('base64url');
  const payload = {
    iat: Math.floor(Date.now() / 1000),
    aud: tamper === 'kb_aud' ? `${aud}/other` : aud,
    nonce: tamper === 'kb_nonce' ? crypto.randomBytes(32).toString('base64url') : nonce,
    sd_hash: sdHash,
  };
  let kb = signCompact(holderJwk, { typ: 'kb+jwt', alg }, payload);
  if (tamper === 'kb_signature') {
    const [h, p, s] = kb.split('.');
    const bytes = Buffer.from(b64uDecode(s));
    bytes[0] ^= 0x01;
    kb = `${h}.${p}.${bytes.toString('base64url')}`;
  } else if (!['disclosure', 'kb_aud', 'kb_nonce'].includes(tamper)) {
    throw new Error(`unknown tamper ${JSON.stringify(tamper)}`);
  }
  return `${bare}${kb}`;
}

async function readAnswer(response) {
  const text = await response.text();
  try { return JSON.parse(text); } catch { return text; }
}

async function present(request) {
  configure(request);
  const link = needString(request, 'request');
  const holderJwk = request.holder_jwk;
  if (!holderJwk || typeof holderJwk.d !== 'string') throw new Error('holder_jwk (private) is required');
  const credentials = request.credentials;
  if (!Array.isArray(credentials) || credentials.length === 0) throw new Error('credentials must be a non-empty array of SD-JWT VCs');
  const log = [];
  const callbacks = makeCallbacks([holderJwk], log);
  const client = new Openid4vpClient({ callbacks });
  let stage = 'parse';
  try {
    const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: link });
    stage = 'resolve';
    const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
    const payload = resolved.authorizationRequestPayload;
    const common = {
      client_id: payload.client_id,
      effective_client_id: resolved.client.effective,
      client_id_prefix: resolved.client.prefix,
      nonce: payload.nonce,
      state: payload.state ?? null,
      response_uri: payload.response_uri,
      response_mode: payload.response_mode,
      request_by: resolved.jar ? resolved.jar.sendBy : 'value',
      openid4vp_version: resolved.version,
    };
    if (request.replay_of) {
      stage = 'submit';
      const body = request.replay_of.response_body;
      if (typeof body !== 'string') throw new Error('replay_of.response_body must be the form body of an earlier answer');
      const target = request.replay_of.response_uri ?? payload.response_uri;
      const response = await callbacks.fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      return { ...common, status: response.status, body: await readAnswer(response), response_body: body, replayed: true };
    }
    stage = 'dcql';
    if (!resolved.dcql) throw new Error('the request has no dcql_query (Presentation Exchange is not supported by this bridge)');
    const query = DcqlQuery.parse(resolved.dcql.query);
    DcqlQuery.validate(query);
    const records = await Promise.all(credentials.map(dcqlCredential));
    const result = DcqlQuery.query(query, records);
    if (!result.can_be_satisfied) {
      return {
        ok: false, stage, error: 'dcql: the query cannot be satisfied by the given credentials', ...common,
        dcql_query: resolved.dcql.query, dcql_result: { ...result, credentials: undefined },
      };
    }
    stage = 'present';
    const queryIds = chooseQueries(query, result);
    const vpToken = {};
    const disclosed = {};
    for (const id of queryIds) {
      const credentialQuery = query.credentials.find((c) => c.id === id);
      const match = result.credential_matches[id];
      const valid = match.valid_credentials[0];
      const index = valid.input_credential_index;
      const claimSet = valid.claims.valid_claim_sets?.[0];
      const claimIndexes = claimSet?.valid_claim_indexes ?? [];
      const paths = credentialQuery.claims ? claimIndexes.map((i) => credentialQuery.claims[i].path) : [];
      disclosed[id] = paths;
      const frame = frameFor(paths, records[index].claims);
      const presentation = await presentOne(credentials[index], frame, holderJwk, resolved.client.effective, payload.nonce, request.tamper ?? null);
      vpToken[id] = [presentation];
    }
    const { authorizationResponsePayload, jarm } = await client.createOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: payload,
      authorizationResponsePayload: { vp_token: vpToken },
    });
    stage = 'submit';
    const before = log.length;
    const { response } = await client.submitOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: payload,
      authorizationResponsePayload,
      jarm: jarm ? { responseJwt: jarm.responseJwt } : undefined,
    });
    const posted = log.slice(before).find((e) => e.method === 'POST');
    return {
      ...common,
      status: response.status,
      body: await readAnswer(response),
      query_ids: queryIds,
      response_body: posted?.body ?? null,
      disclosed,
      dcql_query: resolved.dcql.query,
    };
  } catch (error) {
    return { ...(await protocolFailure(stage, error)), http: log.map(({ method, url, status }) => ({ method, url, status })) };
  }
}

// ---------------------------------------------------------------- raw re-post

async function post(request) {
  configure(request);
  const uri = needString(request, 'response_uri');
  if (!request.allow_http && !uri.startsWith('https://')) throw new Error('response_uri must be https (or set allow_http)');
  const body = typeof request.body === 'string' ? request.body : new URLSearchParams(
    Object.entries(request.body ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  ).toString();
  const response = await fetch(uri, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, body: await readAnswer(response) };
}

await runBridge({ receive, present, post });
