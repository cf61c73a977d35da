// Compiles every contracts/*.sol with the npm-pinned solc-js (package.json), so the build never
// downloads a compiler, and writes <outDir>/<ContractName>.json = {"abi": [...], "bin": "0x..."}
// for the Java binding to load from the classpath.
//
//   node contracts/compile.js <node_modules dir> <outDir>
'use strict';
const fs = require('fs');
const path = require('path');

const [toolsDir, outDir] = process.argv.slice(2);
if (!toolsDir || !outDir) {
  console.error('usage: node compile.js <node_modules dir> <outDir>');
  process.exit(2);
}
const solc = require(path.resolve(toolsDir, 'solc'));
const srcDir = __dirname;
const sources = {};
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(srcDir, file), 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    // Shanghai, not solc's default cancun: runs on any post-merge L1 endpoint, not only the newest.
    evmVersion: 'shanghai',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length > 0) {
  console.error(`solc ${solc.version()}: ${errors.length} error(s), no contracts written`);
  process.exit(1);
}

fs.mkdirSync(outDir, { recursive: true });
const written = [];
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    const artifact = { abi: c.abi, bin: '0x' + c.evm.bytecode.object, solc: solc.version(), source: file };
    fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(artifact, null, 2) + '\n');
    written.push(name);
  }
}
console.log(`solc ${solc.version()}: compiled ${written.join(', ')} into ${outDir}`);
