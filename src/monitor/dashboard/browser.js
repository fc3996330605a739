// natstream dashboard: the message browser. Pages through a channel by sequence
// or from a point in time (GET /dashboard/messages), shows a payload as pretty
// JSON, text or hex, and copies it. Every value is inserted as text.
'use strict';

window.natstreamBrowser = (function () {
  const PAGE = 50;
  const $ = (sel) => document.querySelector(sel);
  const state = { channel: '', from: 0, first: 0, last: 0, shown: [], prefix: 'DLQ', selected: null, format: 'json' };
  const decoder = new TextDecoder('utf-8', { fatal: true });

  function isDlq(name) {
    return state.prefix !== '' && name.startsWith(`${state.prefix}.`);
  }

  function fromBase64(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function asText(bytes) {
    try { return decoder.decode(bytes); } catch { return null; }
  }

  function asJson(bytes) {
    const text = asText(bytes);
    if (text === null || text.trim() === '') return null;
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return null; }
  }

  /** A hex dump shows at most this much (a large payload would stall the page). */
  const HEX_MAX = 64 * 1024;

  function asHex(bytes) {
    const lines = [];
    const end = Math.min(bytes.length, HEX_MAX);
    for (let at = 0; at < end; at += 16) {
      const row = bytes.subarray(at, at + 16);
      const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
    }
    if (bytes.length > end) lines.push(`… ${bytes.length - end} more bytes`);
    return lines.join('\n');
  }

  function render(bytes, format) {
    if (format === 'json') return asJson(bytes) ?? '(not JSON)';
    if (format === 'text') return asText(bytes) ?? '(not UTF-8 text)';
    return asHex(bytes);
  }

  function preview(bytes) {
    const t = asText(bytes);
    const s = t === null ? asHex(bytes.subarray(0, 16)).slice(10, 57) : t.replace(/\s+/g, ' ');
    return s.length > 80 ? `${s.slice(0, 79)}…` : s;
  }

  /** The channel list of the latest tick; DLQ channels are marked. */
  function setChannels(names, prefix) {
    state.prefix = prefix;
    const select = $('#browse select[name="channel"]');
    const current = select.value;
    const wanted = names.join('\n');
    if (select.dataset.names === wanted) return;
    select.dataset.names = wanted;
    select.textContent = '';
    for (const n of names) {
      const o = document.createElement('option');
      o.value = n;
      o.textContent = isDlq(n) ? `${n} (dead letters)` : n;
      select.appendChild(o);
    }
    if (names.includes(current)) select.value = current;
  }

  async function load(query) {
    const res = await fetch(`./dashboard/messages?channel=${encodeURIComponent(state.channel)}&limit=${PAGE}&${query}`, { cache: 'no-store' });
    const page = await res.json();
    if (!res.ok) {
      $('#page-info').textContent = page.error || `HTTP ${res.status}`;
      return;
    }
    state.from = page.from;
    state.first = page.first_seq;
    state.last = page.last_seq;
    state.shown = page.messages.map((m) => ({ ...m, bytes: fromBase64(m.data) }));
    $('#browser-dlq').hidden = !page.dead_letters;
    const tbody = $('#messages tbody');
    tbody.textContent = '';
    for (const m of state.shown) {
      const tr = document.createElement('tr');
      tr.dataset.seq = String(m.seq);
      const seq = document.createElement('td');
      seq.className = 'num';
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'link';
      open.textContent = String(m.seq);
      open.setAttribute('aria-label', `Show message ${m.seq}`);
      open.addEventListener('click', () => select(m));
      seq.appendChild(open);
      const time = document.createElement('td');
      time.textContent = new Date(m.time).toLocaleString();
      time.title = m.time;
      const size = document.createElement('td');
      size.className = 'num';
      size.textContent = String(m.size);
      const body = document.createElement('td');
      body.className = 'payload';
      body.textContent = preview(m.bytes);
      tr.append(seq, time, size, body);
      tbody.appendChild(tr);
    }
    const lo = state.shown.length ? state.shown[0].seq : state.from;
    const hi = state.shown.length ? state.shown[state.shown.length - 1].seq : state.from;
    $('#page-info').textContent = state.shown.length
      ? `${lo}–${hi} of ${state.first}–${state.last}`
      : `no message (channel holds ${state.first}–${state.last})`;
    $('#page-prev').disabled = lo <= state.first;
    $('#page-first').disabled = lo <= state.first;
    $('#page-next').disabled = hi >= state.last;
    $('#page-last').disabled = hi >= state.last;
  }

  function select(m) {
    state.selected = m;
    const detail = $('#message-detail');
    detail.hidden = false;
    $('#md-seq').textContent = `#${m.seq} · ${m.time}${m.reply ? ` · reply ${m.reply}` : ''}`;
    const fmt = asJson(m.bytes) !== null ? 'json' : asText(m.bytes) !== null ? 'text' : 'hex';
    show(fmt);
    $('#md-copied').textContent = '';
    $('#md-body').focus();
  }

  function show(format) {
    state.format = format;
    for (const b of document.querySelectorAll('#message-detail [data-format]')) {
      b.setAttribute('aria-pressed', String(b.dataset.format === format));
    }
    if (state.selected) $('#md-body').textContent = render(state.selected.bytes, format);
  }

  async function copy() {
    const text = $('#md-body').textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // no clipboard permission (plain http): select the text for the user's own copy
      const range = document.createRange();
      range.selectNodeContents($('#md-body'));
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      document.execCommand && document.execCommand('copy');
    }
    $('#md-copied').textContent = 'copied';
  }

  function init() {
    $('#browse').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const form = ev.target;
      state.channel = form.channel.value;
      if (state.channel === '') return;
      if (form.seq.value !== '') load(`from=${Number(form.seq.value)}`);
      else if (form.time.value !== '') load(`time=${new Date(form.time.value).getTime()}`);
      else load(`from=0`);
    });
    $('#page-first').addEventListener('click', () => state.channel && load('from=0'));
    $('#page-last').addEventListener('click', () => state.channel && load('last=1'));
    $('#page-next').addEventListener('click', () => {
      const last = state.shown.length ? state.shown[state.shown.length - 1].seq : state.from;
      if (state.channel) load(`from=${last + 1}`);
    });
    $('#page-prev').addEventListener('click', () => {
      const first = state.shown.length ? state.shown[0].seq : state.from;
      if (state.channel) load(`from=${Math.max(state.first, first - PAGE)}`);
    });
    for (const b of document.querySelectorAll('#message-detail [data-format]')) b.addEventListener('click', () => show(b.dataset.format));
    $('#md-copy').addEventListener('click', copy);
  }

  /** Opens `channel` in the browser (from the channels table). */
  function open(channel) {
    const select = $('#browse select[name="channel"]');
    select.value = channel;
    state.channel = channel;
    $('#browse input[name="seq"]').value = '';
    $('#browse input[name="time"]').value = '';
    load('from=0');
    $('#browser-title').scrollIntoView();
  }

  return { init, setChannels, open, isDlq };
})();
