'use strict';
// A batch's story from its JSON (/batches/{n}), its journal (/batches/{n}/events) and its
// transactions as re-executing it on its parent's root treats them (/batches/{n}/replay).
const number = location.pathname.split('/').filter(Boolean)[1];

const l1 = r => r ? 'L1 block ' + r.blockNumber + ' (' + r.blockHash + '), tx ' + r.transactionHash + ', log ' + r.logIndex : null;
// The L1 transactions of the batch's references, linked through the explorer the node is configured with
// (zkchain.http.l1-explorer-tx-url), else shown as they are.
function l1Links(el, refs) {
  json('/web/settings.json').then(settings => {
    for (const [label, r] of refs) {
      if (!r) continue;
      const a = document.createElement('a');
      a.textContent = label + ': ' + r.transactionHash;
      a.className = 'l1-tx';
      if (settings.l1ExplorerTxUrl) { a.href = settings.l1ExplorerTxUrl.replace('{hash}', r.transactionHash); a.rel = 'noopener'; }
      const dd = document.createElement('dd'); dd.append(a);
      const dt = document.createElement('dt'); dt.textContent = 'L1 transaction';
      el.append(dt, dd);
    }
  });
}
const data = d => d ? [['source', d.source], ['timestamp', d.timestamp + ' (' + new Date(d.timestamp * 1000).toISOString() + ')'],
  ['coinbase', d.coinbase], ['transactions', (d.transactions.length - 2) / 2 + ' bytes: ' + d.transactions.slice(0, 66)
    + (d.transactions.length > 66 ? '…' : '')]] : [['data', 'none']];
function item(el, text) { const li = document.createElement('li'); li.textContent = text; el.append(li); }

json('/batches/' + number).then(b => {
  $('number').textContent = b.number; document.title = 'zk-chain batch ' + b.number;
  $('stage').textContent = b.stage; $('stage').className = 'stage-badge ' + b.stage;
  list($('roots'), [['state root', b.stateRoot], ['accInputHash', b.accInputHash], ['verified root', b.verifiedRoot]]);
  list($('l1refs'), [['sequenced (Virtual)', l1(b.virtualL1)], ['verified (Consolidated)', l1(b.consolidatedL1)]]);
  l1Links($('l1refs'), [['sequenced', b.virtualL1], ['verified', b.consolidatedL1]]);
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

// Each transaction applied or skipped, with the protocol's reason; the one a search named is marked.
// The whole hash on a wide screen, its ends on a phone (page.css), the whole one on hover either way.
function hashCell(tr, hash) {
  const td = document.createElement('td'); td.title = hash;
  const full = document.createElement('span'); full.className = 'full'; full.textContent = hash;
  const short = document.createElement('span'); short.className = 'short'; short.textContent = hash.slice(0, 10) + '…' + hash.slice(-8);
  td.append(full, short); tr.append(td);
}
function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.append(td); }
json('/batches/' + number + '/replay').then(r => {
  const rows = r.outcomes.map(o => {
    const tr = document.createElement('tr');
    tr.id = 'tx-' + o.hash;
    cell(tr, o.index); hashCell(tr, o.hash); cell(tr, o.outcome, 'outcome ' + o.outcome);
    cell(tr, o.outcome === 'applied' ? o.sender + ' → ' + o.to : '', 'wide');
    cell(tr, o.outcome === 'applied' ? o.value : o.reason + (o.detail ? ': ' + o.detail : ''));
    return tr;
  });
  $('transactions').replaceChildren(...rows);
  const skipped = r.outcomes.filter(o => o.outcome === 'skipped').length;
  $('tx-summary').textContent = r.outcomes.length + ' transactions: ' + (r.outcomes.length - skipped) + ' applied, ' + skipped + ' skipped';
  $('tx-note').textContent = 're-executed on the parent\'s root ' + r.parentStateRoot + ': '
    + (r.match ? 'the same state root as recorded' : 'DIFFERS: ' + r.divergences.join('; '));
  const wanted = location.hash.startsWith('#tx-') && document.getElementById(location.hash.slice(1).toLowerCase());
  if (wanted) { wanted.classList.add('found'); wanted.scrollIntoView({ block: 'center' }); }
}).catch(e => { $('tx-note').textContent = 'transactions unavailable: ' + e.message; });
