// An independent Ethereum client for the JSON-RPC tests: ethers 6 and @ethereumjs/mpt, as pinned in
// package.json. Run from the project's root (its node_modules); prints one JSON line.
//   node eth-client.js hashes URL            every block 0..latest: its hash recomputed from its header
//   node eth-client.js proof URL ADDRESS BLOCK ROOT
//                                            eth_getProof at BLOCK verified against ROOT
//   node eth-client.js send URL KEY TO WEI    a transfer by sendTransaction(...).wait()
const { ethers } = require('ethers');
const { createMPT, verifyMPTWithMerkleProof } = require('@ethereumjs/mpt');

const quantity = (v) => (BigInt(v) === 0n ? '0x' : ethers.toBeHex(BigInt(v)));

function headerHash(b) {
  const fields = [b.parentHash, b.sha3Uncles, b.miner, b.stateRoot, b.transactionsRoot, b.receiptsRoot,
    b.logsBloom, quantity(b.difficulty), quantity(b.number), quantity(b.gasLimit), quantity(b.gasUsed),
    quantity(b.timestamp), b.extraData, b.mixHash, b.nonce, quantity(b.baseFeePerGas), b.withdrawalsRoot];
  return ethers.keccak256(ethers.encodeRlp(fields));
}

async function hashes(url) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  const latest = Number(await provider.send('eth_blockNumber', []));
  const mismatches = [];
  for (let n = 0; n <= latest; n++) {
    const b = await provider.send('eth_getBlockByNumber', [ethers.toQuantity(n), false]);
    const again = headerHash(b);
    if (again !== b.hash) mismatches.push({ number: n, returned: b.hash, recomputed: again });
    if (n > 0) {
      const parent = await provider.send('eth_getBlockByNumber', [ethers.toQuantity(n - 1), false]);
      if (parent.hash !== b.parentHash) mismatches.push({ number: n, parentHash: b.parentHash, parent: parent.hash });
    }
  }
  // ethers' own Block parsing accepts every block too
  const block = await provider.getBlock(latest, true);
  return { checked: latest + 1, mismatches, latestHash: block.hash, transactions: block.transactions.length };
}

async function proof(url, address, block, root) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  const p = await provider.send('eth_getProof', [address, [], block]);
  const trie = await createMPT({ useKeyHashing: true });
  const value = await verifyMPTWithMerkleProof(trie, ethers.getBytes(root), ethers.getBytes(address),
    p.accountProof.map((n) => ethers.getBytes(n)));
  if (value === null) return { verified: true, present: false, nonce: '0', balance: '0', claimed: p };
  const [nonce, balance, storageRoot, codeHash] = ethers.decodeRlp(value);
  return {
    verified: true, present: true,
    nonce: BigInt(nonce === '0x' ? 0 : nonce).toString(), balance: BigInt(balance === '0x' ? 0 : balance).toString(),
    storageRoot, codeHash,
    claimedNonce: BigInt(p.nonce).toString(), claimedBalance: BigInt(p.balance).toString(),
  };
}

async function send(url, key, to, wei) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  provider.pollingInterval = 250;
  const wallet = new ethers.Wallet(key, provider);
  const tx = await wallet.sendTransaction({ to, value: BigInt(wei) });
  const receipt = await tx.wait();
  return { hash: tx.hash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, status: receipt.status,
    type: tx.type, gasUsed: receipt.gasUsed.toString() };
}

(async () => {
  const [mode, ...args] = process.argv.slice(2);
  const run = { hashes, proof, send }[mode];
  if (!run) throw new Error('unknown mode ' + mode);
  console.log(JSON.stringify(await run(...args)));
})().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack || e) }));
  process.exit(1);
});
