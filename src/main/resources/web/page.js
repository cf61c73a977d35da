'use strict';
// The node's /status, pushed by the node every second over Server-Sent Events (/events/status).
const $ = id => document.getElementById(id);
const seen = {}; // stage -> [{head, at}] to tell how long a head has stood behind the one before it

function list(el, entries) {
  el.replaceChildren(...entries.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v === null || v === undefined ? '–' : String(v);
    return [dt, dd];
  }));
}

// When a head first reached a number: the lag in seconds of a head behind the one before it is
// how long ago the one before it reached the number this head has not reached yet.
function reached(stage, head) {
  const s = seen[stage] || (seen[stage] = []);
  if (!s.length || s[s.length - 1].head < head) s.push({ head, at: Date.now() });
  while (s.length > 1000) s.shift();
}
function secondsBehind(ahead, head) {
  const first = (seen[ahead] || []).find(r => r.head > head);
  return first ? Math.round((Date.now() - first.at) / 1000) : 0;
}
function lag(id, ahead, aheadHead, head) {
  const batches = Math.max(0, aheadHead - head);
  $(id).textContent = batches + ' batches behind ' + ahead + (batches ? ', ' + secondsBehind(ahead, head) + ' s' : '');
}

function render(s) {
  $('role').textContent = s.role;
  const h = s.heads;
  if (h) {
    $('trusted').textContent = h.trusted; $('virtual').textContent = h.virtual; $('consolidated').textContent = h.consolidated;
    reached('trusted', h.trusted); reached('virtual', h.virtual);
    lag('virtual-lag', 'trusted', h.trusted, h.virtual);
    lag('consolidated-lag', 'virtual', h.virtual, h.consolidated);
  }
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
  list($('feed'), [['upstream', f.upstream ?? f.following], ['accepted', f.accepted], ['rejected', JSON.stringify(f.rejected)],
    ['duplicates', f.duplicates], ['gaps', f.gaps], ['reconnects', f.reconnects], ['failovers', f.failovers],
    ['executions', f.executions]]);
  list($('l1'), [['head', l1.head], ['lag (blocks)', l1.lag], ['reorgs', l1.reorgs], ['last reorg depth', l1.lastReorgDepth],
    ['max reorg depth', l1.maxReorgDepth], ['last error', l1.lastError], ['last error at', l1.lastErrorAt], ['halted', l1.halted]]);
  const c = s.cluster || {}; const ingest = s.ingest || {};
  list($('cluster'), [['self', c.self + ' (' + c.selfStatus + ')'],
    ...(c.members || []).map(m => ['member', m.address + ' ' + m.status]), ['ingest runs on', ingest.member]]);
  list($('degraded'), s.degraded && s.degraded.length ? s.degraded.map(d => [d.check, d.why]) : [['ready', 'every check passes']]);
}

// Both roots of the first mismatched batch, from its batch JSON, asked once per batch.
let mismatchShown = null;
function showMismatchRoots(n) {
  if (mismatchShown === n) return;
  mismatchShown = n;
  fetch('/batches/' + n, { cache: 'no-store', headers: { Accept: 'application/json' } }).then(r => r.json()).then(b => {
    const sm = b.stateRootMismatch || {};
    $('mismatch-roots').textContent = 'node\'s root ' + sm.ownRoot + ' · L1 verified ' + sm.verifiedRoot;
  }).catch(() => { mismatchShown = null; });
}

// The strip: one cell per batch, coloured by stage; kept by number so a cell changes colour in place.
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
    a.className = 'cell ' + c.stage + (c.stateRootMismatch ? ' mismatch' : '');
    a.dataset.stage = c.stage;
    a.title = 'batch ' + c.number + ' · ' + c.stage + (c.stateRootMismatch ? ' · state root mismatch open' : '');
    previous = a;
  }
}

function connect() {
  const events = new EventSource('/events/status');
  events.addEventListener('status', e => { $('connection').textContent = 'live'; render(JSON.parse(e.data)); });
  events.addEventListener('batches', e => renderBatches(JSON.parse(e.data)));
  events.onerror = () => { $('connection').textContent = 'reconnecting…'; };
}
connect();
