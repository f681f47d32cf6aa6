// A one-shot bridge to panva/jose for the interop tests.
// Reads one JSON request on stdin, writes one JSON answer on stdout:
//   {"op":"sign","alg":"ES256","jwk":{...private...},"payload":"<utf8>","kid":"...","typ":"..."} -> {"jws":"..."}
//     (kid and typ optional)
//   {"op":"verify","jwk":{...public...},"jws":"...","algorithms":["ES256"]} -> {"payload":"<utf8>"} | {"error":"..."}
import * as jose from 'jose';

const input = await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
});
const request = JSON.parse(input);

try {
  if (request.op === 'sign') {
    const key = await jose.importJWK(request.jwk, request.alg);
    const jws = await new jose.CompactSign(new TextEncoder().encode(request.payload))
      .setProtectedHeader({ alg: request.alg, kid: request.kid, ...(request.typ ? { typ: request.typ } : {}) })
      .sign(key);
    console.log(JSON.stringify({ jws }));
  } else if (request.op === 'verify') {
    const key = await jose.importJWK(request.jwk, request.algorithms[0]);
    const { payload } = await jose.compactVerify(request.jws, key, { algorithms: request.algorithms });
    console.log(JSON.stringify({ payload: new TextDecoder().decode(payload) }));
  } else {
    throw new Error(`unknown op ${request.op}`);
  }
} catch (error) {
  console.log(JSON.stringify({ error: String(error && error.code || error) }));
}
