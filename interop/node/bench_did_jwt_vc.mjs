// did-jwt-vc (pinned in package-lock.json) verifying the VC 1.1 JWT that Dojang's credentials
// bench verifies, timed the way that bench times its own cases, for scripts/bench.
//
// Usage: node bench_did_jwt_vc.mjs <inputs.json>   (the file holds "vc_jwt_v11": a VC Data
// Model 1.1 JWT signed by a did:key P-256 issuer). The did:key document is built locally from
// the identifier at every verification (no network, no cache), as Dojang's cold case does.
// Prints one JSON object: the case's median and fastest mean time per verification, in µs.
import { readFileSync } from 'node:fs';
import { verifyCredential } from 'did-jwt-vc';
import { resolveLocally } from './lib/common.mjs';

const resolver = {
  async resolve(didUrl) {
    return {
      didDocument: resolveLocally(didUrl),
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: 'application/did+ld+json' },
    };
  },
};

async function verifyOnce(jwt) {
  const verified = await verifyCredential(jwt, resolver, { proofPurpose: 'assertionMethod' });
  if (!verified.verified) throw new Error('did-jwt-vc rejected the input');
}

async function meanMicros(jwt, budgetMs) {
  const start = process.hrtime.bigint();
  const budget = BigInt(budgetMs) * 1_000_000n;
  let calls = 0;
  while (process.hrtime.bigint() - start < budget) {
    await verifyOnce(jwt);
    calls += 1;
  }
  return Number(process.hrtime.bigint() - start) / 1000 / Math.max(calls, 1);
}

const path = process.argv[2];
if (!path) {
  console.error('usage: node bench_did_jwt_vc.mjs <inputs.json>');
  process.exit(2);
}
const jwt = JSON.parse(readFileSync(path, 'utf8')).vc_jwt_v11;
const rounds = Number(process.env.DOJANG_BENCH_ROUNDS ?? 9);
await verifyOnce(jwt);
await meanMicros(jwt, 300); // warm-up: let the JIT compile the hot paths
const times = [];
for (let round = 0; round < rounds; round += 1) times.push(await meanMicros(jwt, 150));
times.sort((a, b) => a - b);
const version = JSON.parse(readFileSync(new URL('./node_modules/did-jwt-vc/package.json', import.meta.url))).version;
console.log(JSON.stringify({
  implementation: `did-jwt-vc ${version} (Node ${process.versions.node})`,
  cases: [{ case: 'did-jwt-vc vc-jwt (did:key)', median_us: times[Math.floor(times.length / 2)], fastest_us: times[0] }],
}));
