'use strict';
// What both pages share: element lookup, definition lists, JSON fetches and the search box.
const $ = id => document.getElementById(id);

function list(el, entries) {
  el.replaceChildren(...entries.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v === null || v === undefined ? '–' : String(v);
    return [dt, dd];
  }));
}

// A JSON route; a non-2xx answer rejects with the node's own error message.
const json = url => fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } }).then(r => r.json().then(b => {
  if (!r.ok) throw new Error(b.error || r.statusText); return b; }));

// The search box: a batch number, a transaction hash or an L2 block hash opens the batch that holds it.
function searchBox() {
  const form = $('search');
  if (!form) return;
  form.addEventListener('submit', e => {
    e.preventDefault();
    const q = $('search-query').value.trim();
    if (!q) return;
    json('/search?q=' + encodeURIComponent(q)).then(found => {
      location.href = '/batches/' + found.batch + (found.kind === 'transaction' ? '#tx-' + found.query
        : found.kind === 'block' ? '#block' : '');
    }).catch(err => { $('search-error').hidden = false; $('search-error').textContent = err.message; });
  });
}
searchBox();
