// Compiles DojangAnchor.sol with the solc-js pinned in interop/node/package-lock.json and
// writes DojangAnchor.json: the ABI and bytecode that registry-anchor embeds (alloy `sol!`).
//
//   npm ci --prefix interop/node && node registry-anchor/contracts/compile.mjs
//
// The output is deterministic for a given compiler version, source and settings; the test
// `anchor_contract_artifact_is_fresh` recompiles and compares.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../interop/node/package.json"));
const solc = require("solc");

const source = readFileSync(join(here, "DojangAnchor.sol"), "utf8");
const input = {
  language: "Solidity",
  sources: { "DojangAnchor.sol": { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const contract = output.contracts["DojangAnchor.sol"].DojangAnchor;
const artifact = {
  contractName: "DojangAnchor",
  compiler: `solc ${solc.version()}`,
  settings: input.settings,
  abi: contract.abi,
  bytecode: "0x" + contract.evm.bytecode.object,
  deployedBytecode: "0x" + contract.evm.deployedBytecode.object,
};
const out = JSON.stringify(artifact, null, 2) + "\n";
if (process.argv.includes("--check")) {
  const current = readFileSync(join(here, "DojangAnchor.json"), "utf8");
  if (current !== out) {
    console.error("DojangAnchor.json is stale: run node registry-anchor/contracts/compile.mjs");
    process.exit(1);
  }
} else {
  writeFileSync(join(here, "DojangAnchor.json"), out);
}
