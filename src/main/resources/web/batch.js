'use strict';
// A batch's story from its JSON (/batches/{n}) and its journal (/batches/{n}/events).
const $ = id => document.getElementById(id);
const number = location.pathname.split('/').filter(Boolean)[1];

function list(el, entries) {
  el.replaceChildren(...entries.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v === null || v === undefined ? '–' : String(v);
    return [dt, dd];
  }));
}
const l1 = r => r ? 'L1 block ' + r.blockNumber + ' (' + r.blockHash + '), tx ' + r.transactionHash + ', log ' + r.logIndex : null;
const data = d => d ? [['source', d.source], ['timestamp', d.timestamp + ' (' + new Date(d.timestamp * 1000).toISOString() + ')'],
  ['coinbase', d.coinbase], ['transactions', (d.transactions.length - 2) / 2 + ' bytes: ' + d.transactions.slice(0, 66)
    + (d.transactions.length > 66 ? '…' : '')]] : [['data', 'none']];
const json = url => fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } }).then(r => r.json().then(b => {
  if (!r.ok) throw new Error(b.error || r.statusText); return b; }));

function item(el, text) { const li = document.createElement('li'); li.textContent = text; el.append(li); }

json('/batches/' + number).then(b => {
  $('number').textContent = b.number; document.title = 'zk-chain batch ' + b.number;
  $('stage').textContent = b.stage; $('stage').className = 'stage-badge ' + b.stage;
  list($('roots'), [['state root', b.stateRoot], ['accInputHash', b.accInputHash], ['verified root', b.verifiedRoot]]);
  list($('l1refs'), [['sequenced (Virtual)', l1(b.virtualL1)], ['verified (Consolidated)', l1(b.consolidatedL1)]]);
  list($('data'), data(b.data));
  if (b.stateRootMismatch) {
    $('mismatch').hidden = false;
    $('mismatch').textContent = 'State root mismatch: node\'s root ' + b.stateRootMismatch.ownRoot + ', L1 verified '
      + b.stateRootMismatch.verifiedRoot;
  }
  if (b.trustedReorg) {
    $('reorg-card').hidden = false;
    $('reorg-fields').textContent = 'differing: ' + b.trustedReorg.differingFields.join(', ');
    list($('reorg-trusted'), data(b.trustedReorg.trusted));
    list($('reorg-l1'), data(b.trustedReorg.l1));
  }
  for (const t of b.history) {
    item($('history'), t.at + ' · ' + t.event + ' · ' + (t.from || '–') + ' → ' + t.to
      + (t.l1 ? ' · ' + l1(t.l1) : '') + (t.differingFields && t.differingFields.length ? ' · differing ' + t.differingFields : ''));
  }
}).catch(e => { $('error').hidden = false; $('error').textContent = 'batch ' + number + ': ' + e.message; });

json('/batches/' + number + '/events').then(events => {
  for (const e of events) item($('events'), '#' + e.sequenceNumber + ' ' + e.time + ' ' + e.type);
}).catch(() => item($('events'), 'no journal events'));
