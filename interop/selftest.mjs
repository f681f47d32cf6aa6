// Self-test of the interop bridges: every peer issues with fresh keys and verifies its own output
// through the same stdin/stdout JSON contract the Rust tests use, plus negative cases (tampering,
// wrong key, wrong nonce/challenge/audience/domain, expiry) that must fail. Run by selftest.sh.
//
// Env: CONTEXTS_DIR (JSON-LD contexts + index.json for vc_di.mjs), PYTHON (the venv interpreter),
// VERBOSE=1 (print the error each negative case got).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const NODE = path.join(here, 'node');
const PYTHON = process.env.PYTHON ?? path.join(here, 'python/.venv/bin/python');
const CONTEXTS = process.env.CONTEXTS_DIR;

let passed = 0;
const failures = [];

function call(command, args, request) {
  const out = spawnSync(command, args, { input: JSON.stringify(request), encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}
const node = (script) => (request) => call(process.execPath, [path.join(NODE, script)], request);
const jose = node('jws.mjs');
const didJwtVc = node('did_jwt_vc.mjs');
const sdJwtVc = node('sd_jwt_vc.mjs');
const vcDi = node('vc_di.mjs');
const didResolution = node('did_resolution.mjs');
const jwcrypto = (request) => call(PYTHON, [path.join(here, 'python/jwcrypto_peer.py')], request);

function check(name, condition, detail) {
  if (condition) {
    passed++;
  } else {
    failures.push(`${name}: ${JSON.stringify(detail)?.slice(0, 600)}`);
    console.log(`FAIL ${name}`);
  }
}
const ok = (name, answer) => { check(name, answer.ok === true, answer); return answer; };
const fails = (name, answer) => {
  check(name, answer.ok === false && typeof answer.error === 'string', answer);
  if (process.env.VERBOSE) console.log(`  expected failure ${name}: ${answer.error}`);
};

function tamperPayload(token, change) {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  change(claims);
  return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
}

// ---------------------------------------------------------------- jwcrypto (Python)
for (const alg of ['ES256', 'ES384', 'EdDSA']) {
  const t = `jwcrypto ${alg}`;
  const key = ok(`${t} generate`, jwcrypto({ op: 'generate', alg }));
  const other = jwcrypto({ op: 'generate', alg });
  const claims = { iss: 'did:example:dojang', n: '도장', alg };
  const signed = ok(`${t} sign`, jwcrypto({ op: 'sign', alg, jwk: key.jwk, claims, header: { kid: 'k1', typ: 'JWT' } }));
  const verified = ok(`${t} verify`, jwcrypto({ op: 'verify', jwk: key.public_jwk, token: signed.token, algorithms: [alg] }));
  check(`${t} header`, verified.header?.alg === alg && verified.header?.kid === 'k1', verified);
  check(`${t} claims`, JSON.stringify(verified.claims) === JSON.stringify(claims), verified);
  const text = ok(`${t} sign text`, jwcrypto({ op: 'sign', alg, jwk: key.jwk, payload: 'not json' }));
  const plain = ok(`${t} verify text`, jwcrypto({ op: 'verify', jwk: key.public_jwk, token: text.token }));
  check(`${t} text payload`, plain.payload === 'not json' && plain.claims === null, plain);
  fails(`${t} tampered`, jwcrypto({ op: 'verify', jwk: key.public_jwk, token: tamperPayload(signed.token, (c) => { c.n = 'x'; }) }));
  fails(`${t} wrong key`, jwcrypto({ op: 'verify', jwk: other.public_jwk, token: signed.token }));
  fails(`${t} alg not allowed`, jwcrypto({ op: 'verify', jwk: key.public_jwk, token: signed.token, algorithms: [alg === 'ES256' ? 'ES384' : 'ES256'] }));
  fails(`${t} sign with public key`, jwcrypto({ op: 'sign', alg, jwk: key.public_jwk, payload: 'x' }));
  // A second peer agrees: panva/jose (jws.mjs) verifies the jwcrypto token.
  const crossed = jose({ op: 'verify', jwk: key.public_jwk, jws: signed.token, algorithms: [alg] });
  check(`${t} verified by jose`, crossed.payload !== undefined && JSON.parse(crossed.payload).n === '도장', crossed);
}
fails('jwcrypto unknown op', jwcrypto({ op: 'nope' }));

// ---------------------------------------------------------------- did-jwt-vc
const NBF = 1704067200; // 2024-01-01
const EXP = 1893456000; // 2030-01-01
for (const alg of ['ES256', 'EdDSA']) {
  const t = `did-jwt-vc ${alg}`;
  const issuer = ok(`${t} generate`, didJwtVc({ op: 'generate', alg }));
  const holder = didJwtVc({ op: 'generate', alg });
  const credential = {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiableCredential', 'ExampleCredential'],
    id: 'urn:uuid:6a9c92a9-2530-4e2b-9776-530467e9bbe0',
    issuer: issuer.did,
    issuanceDate: '2024-01-01T00:00:00Z',
    expirationDate: '2030-01-01T00:00:00Z',
    credentialSubject: { id: holder.did, name: '도장' },
  };
  const vc = ok(`${t} issue_vc`, didJwtVc({ op: 'issue_vc', jwk: issuer.jwk, credential }));
  const p = vc.payload ?? {};
  check(`${t} jwt claims`, p.iss === issuer.did && p.sub === holder.did && p.nbf === NBF && p.exp === EXP
    && p.jti === credential.id && p.vc?.credentialSubject?.name === '도장' && p.vc?.issuer === undefined, vc);
  check(`${t} header`, vc.header?.alg === alg && vc.header?.kid === issuer.kid, vc);
  const v = ok(`${t} verify_vc`, didJwtVc({ op: 'verify_vc', jwt: vc.jwt }));
  check(`${t} verified by`, v.issuer === issuer.did && v.signer === issuer.kid, v);
  check(`${t} normalized`, v.credential?.credentialSubject?.id === holder.did && v.credential?.issuer?.id === issuer.did, v);
  fails(`${t} tampered vc`, didJwtVc({ op: 'verify_vc', jwt: tamperPayload(vc.jwt, (c) => { c.vc.credentialSubject.name = 'x'; }) }));
  fails(`${t} expired vc`, didJwtVc({ op: 'verify_vc', jwt: vc.jwt, now: EXP + 3600 }));
  fails(`${t} not yet valid vc`, didJwtVc({ op: 'verify_vc', jwt: vc.jwt, now: NBF - 3600 }));
  // Claimed by the holder's DID but signed by the issuer's key.
  const impostor = ok(`${t} issue_vc as other did`, didJwtVc({ op: 'issue_vc', jwk: issuer.jwk, issuer: holder.did, kid: holder.kid, credential: { ...credential, issuer: holder.did } }));
  fails(`${t} signer not the iss DID`, didJwtVc({ op: 'verify_vc', jwt: impostor.jwt }));

  // A DID (given as a document) whose key may authenticate but not make assertions.
  const authOnly = 'did:example:auth-only';
  const docs = {
    [authOnly]: {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: authOnly,
      verificationMethod: [{ id: `${authOnly}#k`, type: 'JsonWebKey2020', controller: authOnly, publicKeyJwk: issuer.public_jwk }],
      authentication: [`${authOnly}#k`],
      assertionMethod: [],
    },
  };
  const byAuthKey = ok(`${t} issue_vc by did_documents DID`, didJwtVc({ op: 'issue_vc', jwk: issuer.jwk, issuer: authOnly, kid: `${authOnly}#k`, credential: { ...credential, issuer: authOnly } }));
  fails(`${t} key not in assertionMethod`, didJwtVc({ op: 'verify_vc', jwt: byAuthKey.jwt, did_documents: docs }));
  const anyPurpose = ok(`${t} proof_purpose null`, didJwtVc({ op: 'verify_vc', jwt: byAuthKey.jwt, did_documents: docs, proof_purpose: null }));
  check(`${t} signer from did_documents`, anyPurpose.signer === `${authOnly}#k`, anyPurpose);
  fails(`${t} unknown DID (no network)`, didJwtVc({ op: 'verify_vc', jwt: byAuthKey.jwt }));

  const presentation = {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: [vc.jwt],
  };
  const vp = ok(`${t} issue_vp`, didJwtVc({ op: 'issue_vp', jwk: holder.jwk, presentation, challenge: 'n-0S6_WzA2Mj', domain: 'https://verifier.example' }));
  check(`${t} vp claims`, vp.payload?.iss === holder.did && vp.payload?.nonce === 'n-0S6_WzA2Mj'
    && JSON.stringify(vp.payload?.aud) === '["https://verifier.example"]' && vp.payload?.vp?.verifiableCredential?.[0] === vc.jwt, vp);
  const vv = ok(`${t} verify_vp`, didJwtVc({ op: 'verify_vp', jwt: vp.jwt, challenge: 'n-0S6_WzA2Mj', domain: 'https://verifier.example' }));
  check(`${t} vp inner credential`, vv.issuer === holder.did && vv.credentials?.length === 1 && vv.credentials[0].issuer === issuer.did, vv);
  fails(`${t} vp wrong challenge`, didJwtVc({ op: 'verify_vp', jwt: vp.jwt, challenge: 'other', domain: 'https://verifier.example' }));
  fails(`${t} vp wrong domain`, didJwtVc({ op: 'verify_vp', jwt: vp.jwt, challenge: 'n-0S6_WzA2Mj', domain: 'https://other.example' }));
  fails(`${t} vp tampered`, didJwtVc({ op: 'verify_vp', jwt: tamperPayload(vp.jwt, (c) => { c.nonce = 'x'; }), challenge: 'x', domain: 'https://verifier.example' }));
  const badInner = ok(`${t} issue_vp with forged vc`, didJwtVc({ op: 'issue_vp', jwk: holder.jwk, presentation: { ...presentation, verifiableCredential: [tamperPayload(vc.jwt, (c) => { c.sub = 'did:example:x'; })] } }));
  fails(`${t} vp with forged inner vc`, didJwtVc({ op: 'verify_vp', jwt: badInner.jwt }));

  // Findings: did-jwt-vc is VC 1.1 only.
  const v2 = { ...credential, '@context': ['https://www.w3.org/ns/credentials/v2'], validFrom: '2024-01-01T00:00:00Z' };
  delete v2.issuanceDate;
  delete v2.expirationDate;
  fails(`${t} refuses VC 2.0 issue (finding)`, didJwtVc({ op: 'issue_vc', jwk: issuer.jwk, credential: v2 }));
  // A VC 2.0 "vc+jwt" (claims set = credential, plus iss) passes did-jwt's plain JWT check only.
  const vcJwt = signClaims(alg, issuer, { ...v2, iss: issuer.did }, { typ: 'vc+jwt', kid: issuer.kid });
  fails(`${t} verify_vc rejects vc+jwt (finding)`, didJwtVc({ op: 'verify_vc', jwt: vcJwt }));
  const plain = ok(`${t} verify_jwt accepts vc+jwt`, didJwtVc({ op: 'verify_jwt', jwt: vcJwt }));
  check(`${t} vc+jwt claims`, plain.payload?.validFrom === '2024-01-01T00:00:00Z' && plain.header?.typ === 'vc+jwt', plain);
  const noIss = signClaims(alg, issuer, v2, { typ: 'vc+jwt', kid: issuer.kid });
  fails(`${t} verify_jwt needs iss (finding)`, didJwtVc({ op: 'verify_jwt', jwt: noIss }));
}

// A compact JWS over JSON claims with a typ header, for tokens did-jwt-vc cannot make (signed by jwcrypto).
function signClaims(alg, key, claims, header) {
  const answer = jwcrypto({ op: 'sign', alg, jwk: key.jwk, claims, header });
  if (!answer.ok) throw new Error(`jwcrypto sign failed: ${JSON.stringify(answer)}`);
  return answer.token;
}

// ---------------------------------------------------------------- SD-JWT VC
for (const [alg, holderAlg] of [['ES256', 'ES256'], ['ES384', 'EdDSA'], ['EdDSA', 'ES256']]) {
  const t = `sd-jwt-vc ${alg}/${holderAlg}`;
  const issuer = ok(`${t} generate`, sdJwtVc({ op: 'generate', alg }));
  const holder = sdJwtVc({ op: 'generate', alg: holderAlg });
  const other = sdJwtVc({ op: 'generate', alg });
  const claims = {
    iss: 'https://issuer.example', vct: 'https://credentials.example/identity', iat: 1700000000, exp: 2000000000,
    given_name: '길동', family_name: 'Hong', birthdate: '1990-01-01',
    address: { street_address: '1 Main St', locality: 'Seoul', country: 'KR' },
    nationalities: ['KR', 'US'],
  };
  const frame = { _sd: ['given_name', 'family_name', 'birthdate'], address: { _sd: ['street_address', 'locality'] }, nationalities: { _sd: [0, 1] } };
  const issued = ok(`${t} issue`, sdJwtVc({ op: 'issue', issuer_jwk: issuer.jwk, holder_jwk: holder.public_jwk, claims, disclosure_frame: frame, header: { kid: 'issuer-key-1' } }));
  check(`${t} issuer jwt`, issued.header?.typ === 'dc+sd-jwt' && issued.header?.alg === alg && issued.payload?.given_name === undefined
    && issued.payload?.cnf?.jwk?.x === holder.public_jwk.x && issued.payload?._sd_alg === 'sha-256' && issued.disclosures?.length === 7, issued);
  const presented = ok(`${t} present`, sdJwtVc({
    op: 'present', sd_jwt: issued.sd_jwt, holder_jwk: holder.jwk, nonce: 'nonce-1', aud: 'https://verifier.example',
    presentation_frame: { given_name: true, address: { locality: true }, nationalities: { 1: true } },
  }));
  const good = { op: 'verify', presentation: presented.presentation, issuer_jwk: issuer.public_jwk, nonce: 'nonce-1', aud: 'https://verifier.example' };
  const v = ok(`${t} verify`, sdJwtVc(good));
  const c = v.claims ?? {};
  check(`${t} disclosed`, c.given_name === '길동' && c.address?.locality === 'Seoul' && c.address?.country === 'KR'
    && JSON.stringify(c.nationalities) === '["US"]' && c.vct === claims.vct, v);
  check(`${t} withheld`, c.family_name === undefined && c.birthdate === undefined && c.address?.street_address === undefined && c._sd === undefined, v);
  check(`${t} key binding`, v.kb?.header?.typ === 'kb+jwt' && v.kb?.payload?.nonce === 'nonce-1' && typeof v.kb?.payload?.sd_hash === 'string', v);
  fails(`${t} wrong nonce`, sdJwtVc({ ...good, nonce: 'nonce-2' }));
  fails(`${t} wrong aud`, sdJwtVc({ ...good, aud: 'https://other.example' }));
  fails(`${t} wrong issuer key`, sdJwtVc({ ...good, issuer_jwk: other.public_jwk }));
  fails(`${t} expired`, sdJwtVc({ ...good, now: 2000000000 + 10 }));
  const noKb = ok(`${t} present without kb`, sdJwtVc({ op: 'present', sd_jwt: issued.sd_jwt, presentation_frame: { given_name: true } }));
  fails(`${t} kb required`, sdJwtVc({ ...good, presentation: noKb.presentation }));
  const loose = ok(`${t} verify without kb`, sdJwtVc({ op: 'verify', presentation: noKb.presentation, issuer_jwk: issuer.public_jwk, require_kb: false }));
  check(`${t} verify without kb claims`, loose.claims?.given_name === '길동' && loose.kb === null, loose);
  const thief = ok(`${t} present with another key`, sdJwtVc({ op: 'present', sd_jwt: issued.sd_jwt, holder_jwk: other.jwk, nonce: 'nonce-1', aud: 'https://verifier.example', presentation_frame: {} }));
  fails(`${t} kb by a key other than cnf`, sdJwtVc({ ...good, presentation: thief.presentation }));
  // A disclosure the issuer never signed.
  const parts = presented.presentation.split('~');
  const fake = Buffer.from(JSON.stringify(['c2FsdA', 'family_name', 'Kim'])).toString('base64url');
  fails(`${t} injected disclosure`, sdJwtVc({ ...good, presentation: [parts[0], fake, ...parts.slice(1)].join('~') }));
  // Finding: without key binding the peer ignores (does not reject) a disclosure the issuer never
  // referenced; RFC 9901 asks verifiers to reject it. The claim is at least not taken in.
  const extra = sdJwtVc({ op: 'verify', presentation: `${noKb.presentation}${fake}~`, issuer_jwk: issuer.public_jwk, require_kb: false });
  check(`${t} ignores an unreferenced disclosure (finding)`, extra.ok === true && extra.claims?.family_name === undefined, extra);
}

// ---------------------------------------------------------------- Data Integrity (@digitalbazaar/vc)
if (!CONTEXTS) {
  failures.push('CONTEXTS_DIR is not set: cannot test vc_di.mjs');
} else {
  const cases = [
    ['ES256', 'ecdsa-rdfc-2019'], ['ES256', 'ecdsa-jcs-2019'],
    ['ES384', 'ecdsa-rdfc-2019'], ['ES384', 'ecdsa-jcs-2019'],
    ['EdDSA', 'eddsa-rdfc-2022'], ['EdDSA', 'eddsa-jcs-2022'],
  ];
  for (const [alg, cryptosuite] of cases) {
    const t = `vc-di ${cryptosuite} ${alg}`;
    const issuer = ok(`${t} generate`, vcDi({ op: 'generate', alg }));
    const holder = vcDi({ op: 'generate', alg });
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
      id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
      type: ['VerifiableCredential', 'AlumniCredential'],
      name: 'Alumni Credential',
      issuer: issuer.did,
      validFrom: '2024-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
      credentialSubject: { id: holder.did, alumniOf: '도장 University' },
    };
    // Sign with the multikey form for one half, the JWK form for the other.
    const key = cryptosuite.includes('jcs') ? { multikey: issuer.multikey } : { jwk: issuer.jwk };
    const issued = ok(`${t} issue`, vcDi({ op: 'issue', credential, contexts_dir: CONTEXTS, cryptosuite, created: '2024-06-01T00:00:00Z', ...key }));
    const proof = issued.credential?.proof ?? {};
    check(`${t} proof`, proof.type === 'DataIntegrityProof' && proof.cryptosuite === cryptosuite && proof.verificationMethod === issuer.kid
      && proof.proofPurpose === 'assertionMethod' && proof.created === '2024-06-01T00:00:00Z' && /^z/.test(proof.proofValue ?? ''), issued);
    ok(`${t} verify`, vcDi({ op: 'verify', credential: issued.credential, contexts_dir: CONTEXTS }));
    const tampered = structuredClone(issued.credential);
    if (tampered.credentialSubject) tampered.credentialSubject.alumniOf = 'Other University';
    fails(`${t} tampered`, vcDi({ op: 'verify', credential: tampered, contexts_dir: CONTEXTS }));
    fails(`${t} after validUntil`, vcDi({ op: 'verify', credential: issued.credential, contexts_dir: CONTEXTS, now: '2031-01-01T00:00:00Z' }));
    const foreign = ok(`${t} issue for another issuer`, vcDi({ op: 'issue', credential: { ...credential, issuer: holder.did }, contexts_dir: CONTEXTS, cryptosuite, ...key }));
    fails(`${t} issuer is not the key's controller`, vcDi({ op: 'verify', credential: foreign.credential, contexts_dir: CONTEXTS }));
    ok(`${t} check_issuer false`, vcDi({ op: 'verify', credential: foreign.credential, contexts_dir: CONTEXTS, check_issuer: false }));
    fails(`${t} unknown context (no network)`, vcDi({ op: 'issue', credential: { ...credential, '@context': [...credential['@context'], 'https://example.org/unknown/v1'] }, contexts_dir: CONTEXTS, ...key }));

    const presentation = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [issued.credential],
    };
    const signed = ok(`${t} sign_presentation`, vcDi({ op: 'sign_presentation', presentation, jwk: holder.jwk, cryptosuite, contexts_dir: CONTEXTS, challenge: 'ch-7Yq', domain: 'verifier.example' }));
    const vproof = signed.presentation?.proof ?? {};
    check(`${t} vp proof`, vproof.proofPurpose === 'authentication' && vproof.challenge === 'ch-7Yq' && vproof.domain === 'verifier.example', signed);
    const vv = ok(`${t} verify_presentation`, vcDi({ op: 'verify_presentation', presentation: signed.presentation, contexts_dir: CONTEXTS, challenge: 'ch-7Yq', domain: 'verifier.example' }));
    check(`${t} vp credentials`, vv.credentials?.length === 1 && vv.credentials[0].verified === true, vv);
    fails(`${t} vp wrong challenge`, vcDi({ op: 'verify_presentation', presentation: signed.presentation, contexts_dir: CONTEXTS, challenge: 'other', domain: 'verifier.example' }));
    fails(`${t} vp wrong domain`, vcDi({ op: 'verify_presentation', presentation: signed.presentation, contexts_dir: CONTEXTS, challenge: 'ch-7Yq', domain: 'other.example' }));
    const inner = structuredClone(signed.presentation);
    inner.verifiableCredential[0].credentialSubject.alumniOf = 'x';
    fails(`${t} vp tampered inner credential`, vcDi({ op: 'verify_presentation', presentation: inner, contexts_dir: CONTEXTS, challenge: 'ch-7Yq', domain: 'verifier.example' }));
  }
  // VC 1.1 data model with a Data Integrity proof.
  const issuer = vcDi({ op: 'generate', alg: 'ES256' });
  const v1 = {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/data-integrity/v2'],
    type: ['VerifiableCredential'],
    issuer: issuer.did,
    issuanceDate: '2024-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21' },
  };
  const issued = ok('vc-di VC 1.1 issue', vcDi({ op: 'issue', credential: v1, jwk: issuer.jwk, contexts_dir: CONTEXTS }));
  ok('vc-di VC 1.1 verify', vcDi({ op: 'verify', credential: issued.credential, contexts_dir: CONTEXTS }));
}

// ---------------------------------------------------------------- did_resolution (reference documents)
// Its "resolve" op needs a live door (tests/tests/did_resolution_interop.rs); here only the
// Digital Bazaar documents it compares against, and its refusals.
for (const alg of ['ES256', 'ES384', 'EdDSA']) {
  const t = `did-resolution ${alg}`;
  const key = ok(`${t} generate`, didResolution({ op: 'generate', alg }));
  const doc = ok(`${t} did:key`, didResolution({ op: 'expected', did: key.did }));
  check(`${t} did:key document`, doc.didDocument?.id === key.did && doc.keys?.[0]?.id === key.kid
    && doc.keys[0].jwk?.x === key.public_jwk.x && (alg === 'EdDSA') === (typeof doc.x25519 === 'string'), doc);
  const didJwk = `did:jwk:${Buffer.from(JSON.stringify(key.public_jwk)).toString('base64url')}`;
  const jwkDoc = ok(`${t} did:jwk`, didResolution({ op: 'expected', did: didJwk }));
  check(`${t} did:jwk document`, jwkDoc.didDocument?.verificationMethod?.[0]?.id === `${didJwk}#0`
    && jwkDoc.keys?.[0]?.jwk?.x === key.public_jwk.x, jwkDoc);
}
fails('did-resolution secp256k1 did:key', didResolution({ op: 'expected', did: 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme' }));
fails('did-resolution endpoint off loopback', didResolution({
  op: 'resolve', endpoint: 'http://example.com/1.0/identifiers/', did: 'did:key:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b',
}));

// ---------------------------------------------------------------- the contract itself
for (const [name, bridge] of [['did_jwt_vc', didJwtVc], ['sd_jwt_vc', sdJwtVc], ['vc_di', vcDi], ['did_resolution', didResolution]]) {
  fails(`${name} unknown op`, bridge({ op: 'nope' }));
  fails(`${name} bad generate`, bridge({ op: 'generate', alg: 'RS256' }));
}
for (const script of ['did_jwt_vc.mjs', 'sd_jwt_vc.mjs', 'vc_di.mjs', 'did_resolution.mjs']) {
  const out = spawnSync(process.execPath, [path.join(NODE, script)], { input: '[1,2]', encoding: 'utf8' });
  check(`${script} malformed request exits 2`, out.status === 2 && JSON.parse(out.stdout).ok === false, out.stdout);
}
const py = spawnSync(PYTHON, [path.join(here, 'python/jwcrypto_peer.py')], { input: 'not json', encoding: 'utf8' });
check('jwcrypto_peer.py malformed request exits 2', py.status === 2 && JSON.parse(py.stdout).ok === false, py.stdout);

console.log(`${passed} checks passed, ${failures.length} failed`);
for (const failure of failures) console.log(`  ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);
