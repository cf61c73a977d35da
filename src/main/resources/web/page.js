'use strict';
// The node's /status and its recent batches, pushed by the node every second over Server-Sent
// Events (/events/status); the sequencer and the aggregator push their /status and show their own section.
const WINDOW_MS = 10 * 60 * 1000;
const rates = []; // [timeMs, transfers/s] from the executed-transactions counter of successive statuses

function lag(id, ahead, aheadHead, head, seconds) {
  const batches = Math.max(0, aheadHead - head);
  $(id).textContent = batches + (batches === 1 ? ' batch' : ' batches') + ' behind ' + ahead + (batches ? ', ' + seconds + ' s' : '');
}

function render(s) {
  $('role').textContent = s.role;
  const node = s.role === 'node';
  for (const e of document.querySelectorAll('.node-only')) e.hidden = !node;
  if (!node) roleSection(s.role, s[s.role]);
  const h = s.heads;
  if (h) {
    $('trusted').textContent = h.trusted; $('virtual').textContent = h.virtual; $('consolidated').textContent = h.consolidated;
    const ls = h.lagSeconds || {};
    lag('virtual-lag', 'trusted', h.trusted, h.virtual, ls.virtual);
    lag('consolidated-lag', 'virtual', h.virtual, h.consolidated, ls.consolidated);
  }
  transfersRate(s.execution);
  const l1 = s.l1 || {};
  $('l1-head').textContent = l1.head ?? '–';
  $('l1-lag').textContent = l1.lag === undefined ? '' : 'processed ' + l1.processedBlock + ', ' + l1.lag + ' blocks behind';
  const m = s.stateRootMismatch;
  if (m && m.open) {
    $('mismatch').hidden = false;
    $('mismatch-text').textContent = 'State root mismatch open at batch ' + m.firstBatch + ' (' + m.batches + ' batch(es)). ' + (m.why || '');
    showMismatchRoots(m.firstBatch);
  } else {
    $('mismatch').hidden = true;
  }
  const f = s.feed || {};
  list($('feed'), [['upstream', f.upstream ?? (f.following ? 'connecting…' : 'not following a feed')], ['accepted', f.accepted], ['rejected', JSON.stringify(f.rejected)],
    ['duplicates', f.duplicates], ['gaps', f.gaps], ['reconnects', f.reconnects], ['failovers', f.failovers],
    ['executions', f.executions]]);
  list($('l1'), [['head', l1.head], ['lag (blocks)', l1.lag], ['reorgs', l1.reorgs], ['last reorg depth', l1.lastReorgDepth],
    ['max reorg depth', l1.maxReorgDepth], ['last error', l1.lastError], ['last error at', l1.lastErrorAt], ['halted', l1.halted]]);
  const c = s.cluster || {}; const ingest = s.ingest || {};
  list($('cluster'), [['self', c.self + ' (' + c.selfStatus + ')'],
    ...(c.members || []).map(m => ['member', m.address + ' ' + m.status]), ...(node ? [['ingest runs on', ingest.member]] : [])]);
  list($('degraded'), s.degraded && s.degraded.length ? s.degraded.map(d => [d.check, d.why]) : [['ready', 'every check passes']]);
}

// The sequencer's or the aggregator's own /status section, field by field.
function roleSection(role, section) {
  $('role-card').hidden = false;
  $('role-title').textContent = role[0].toUpperCase() + role.slice(1);
  list($('role-section'), Object.entries(section || {}).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v]));
}

// Transfers per second: the change of the executed-transactions counter over the last 5 s of
// statuses (batches close about once a second, so one second alone reads 0 or twice the rate).
const counts = []; // [timeMs, executed transactions]
function transfersRate(execution) {
  if (!execution) return;
  const now = Date.now();
  counts.push([now, execution.transactions]);
  while (counts.length > 1 && counts[0][0] < now - 5000) counts.shift();
  if (counts.length > 1) {
    const [t0, n0] = counts[0];
    rates.push([now, Math.max(0, execution.transactions - n0) * 1000 / Math.max(1, now - t0)]);
  }
  while (rates.length && rates[0][0] < now - WINDOW_MS) rates.shift();
  plot($('rate-plot'), [{ cls: 'rate', points: rates }], WINDOW_MS, 'transfers/s');
  const last = rates.length ? rates[rates.length - 1][1] : 0;
  $('rate-plot-note').textContent = rates.length ? 'now ' + last.toFixed(1) + ' transfers/s' : 'waiting for a second status';
}

// Both roots of the first mismatched batch, from its batch JSON, asked once per batch.
let mismatchShown = null;
function showMismatchRoots(n) {
  if (mismatchShown === n) return;
  mismatchShown = n;
  json('/batches/' + n).then(b => {
    const sm = b.stateRootMismatch || {};
    $('mismatch-roots').textContent = 'node\'s root ' + sm.ownRoot + ' · L1 verified ' + sm.verifiedRoot;
  }).catch(() => { mismatchShown = null; });
}

const short = h => h ? h.slice(0, 10) + '…' + h.slice(-6) : '–';

function describe(c) {
  return 'batch ' + c.number + ' · ' + c.stage + ' · state root ' + short(c.stateRoot)
    + (c.verifiedRoot ? ' · verified ' + short(c.verifiedRoot) : '')
    + (c.stateRootMismatch ? ' · state root mismatch open' : '')
    + (c.trustedReorg ? ' · trusted reorg' : '') + (c.l1Undone ? ' · L1 undo' : '');
}

// The strip: one cell per batch, coloured by stage, marked where a reorg, an undo or a mismatch
// happened; kept by number so a cell changes colour in place.
function renderBatches(cells) {
  const strip = $('strip');
  const keep = new Set(cells.map(c => String(c.number)));
  for (const a of [...strip.children]) if (!keep.has(a.dataset.number)) a.remove();
  const byNumber = new Map([...strip.children].map(a => [a.dataset.number, a]));
  let previous = null;
  for (const c of cells) {
    let a = byNumber.get(String(c.number));
    if (!a) {
      a = document.createElement('a');
      a.dataset.number = c.number;
      a.href = '/batches/' + c.number;
      a.id = 'batch-' + c.number;
      a.addEventListener('mouseenter', () => { $('cell-info').textContent = a.title; });
      if (previous) previous.after(a); else strip.prepend(a);
    }
    a.className = 'cell ' + c.stage + (c.stateRootMismatch ? ' mismatch' : '') + (c.trustedReorg ? ' reorg' : '')
      + (c.l1Undone ? ' undone' : '');
    a.dataset.stage = c.stage;
    a.title = describe(c);
    previous = a;
  }
  stagePlot(cells);
}

// Seconds each recent batch took from Trusted to Virtual and from Virtual to Consolidated, by when it got there.
function stagePlot(cells) {
  const toVirtual = cells.filter(c => c.trustedAt && c.virtualAt).map(c => [c.virtualAt, (c.virtualAt - c.trustedAt) / 1000]);
  const toConsolidated = cells.filter(c => c.virtualAt && c.consolidatedAt)
    .map(c => [c.consolidatedAt, (c.consolidatedAt - c.virtualAt) / 1000]);
  const shown = plot($('stage-plot'), [{ cls: 'virtual', points: toVirtual, dotsOnly: true },
    { cls: 'consolidated', points: toConsolidated, dotsOnly: true }],
    WINDOW_MS, 'seconds');
  const median = ps => { const v = ps.map(p => p[1]).sort((a, b) => a - b); return v.length ? v[v.length >> 1].toFixed(1) + ' s' : '–'; };
  $('stage-plot-note').textContent = shown ? 'median Trusted → Virtual ' + median(toVirtual) + ', Virtual → Consolidated '
    + median(toConsolidated) + ' (last ' + cells.length + ' batches)' : 'no batch reached Virtual in the last 10 minutes';
}

function connect() {
  const events = new EventSource('/events/status');
  events.addEventListener('status', e => { $('connection').textContent = 'live'; render(JSON.parse(e.data)); });
  events.addEventListener('batches', e => renderBatches(JSON.parse(e.data)));
  events.onerror = () => { $('connection').textContent = 'reconnecting…'; };
}
connect();
