// natstream dashboard: polls the monitoring endpoints and renders them.
// Plain browser JavaScript, no build step; every value is inserted as text.
'use strict';

(function () {
  const params = new URLSearchParams(location.search);
  const REFRESH_MS = Math.max(250, Number(params.get('refresh')) || 1000);
  const $ = (sel) => document.querySelector(sel);
  const fmt = new Intl.NumberFormat();
  let previous = null; // { at, serverz, lastSeq: Map }
  let streaming = true;

  async function getJson(path) {
    const res = await fetch(path, { cache: 'no-store' });
    if (!res.ok) {
      const err = new Error(`${path}: HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return res.json();
  }

  function setText(el, value) {
    if (el && el.textContent !== String(value)) el.textContent = String(value);
  }

  function field(name, value) {
    setText($(`#summary [data-field="${name}"]`), value);
  }

  function bytes(n) {
    if (n < 1024) return `${n} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let v = n;
    let i = -1;
    do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
    return `${v.toFixed(1)} ${units[i]}`;
  }

  function rate(now, before, seconds) {
    if (before === undefined || seconds <= 0) return '–';
    const r = (now - before) / seconds;
    return r < 10 ? r.toFixed(1) : fmt.format(Math.round(r));
  }

  // Rows are keyed so a refresh updates cells in place instead of rebuilding the table.
  function renderRows(tableSel, emptySel, items, keyOf, cellsOf) {
    const tbody = $(`${tableSel} tbody`);
    const seen = new Set();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      let row = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
      const cells = cellsOf(item);
      if (!row) {
        row = document.createElement('tr');
        row.dataset.key = key;
        for (const c of cells) {
          const td = document.createElement('td');
          if (c.name) td.dataset.field = c.name;
          if (c.num) td.className = 'num';
          row.appendChild(td);
        }
        tbody.appendChild(row);
      }
      cells.forEach((c, i) => {
        setText(row.children[i], c.value);
        if (c.flag !== undefined) row.classList.toggle(c.flag, Boolean(c.on));
      });
      tbody.appendChild(row); // keeps the server's order
    }
    for (const row of [...tbody.children]) if (!seen.has(row.dataset.key)) row.remove();
    $(emptySel).hidden = items.length > 0;
  }

  async function refresh() {
    const at = performance.now();
    const varz = await getJson('./varz');
    field('connections', fmt.format(varz.connections));
    if (!streaming) {
      field('uptime', varz.uptime);
      field('version', `nats ${varz.version}`);
      return;
    }
    let serverz;
    try {
      serverz = await getJson('./streaming/serverz');
    } catch (err) {
      if (err.status === 404) {
        streaming = false;
        setText($('#status'), 'core NATS only (no streaming server)');
        return;
      }
      throw err;
    }
    const [channelsz, clientsz] = await Promise.all([
      getJson('./streaming/channelsz?subs=1'),
      getJson('./streaming/clientsz?subs=1'),
    ]);
    const seconds = previous ? (at - previous.at) / 1000 : 0;

    field('cluster_id', serverz.cluster_id);
    field('state', serverz.state);
    field('version', serverz.version);
    field('uptime', serverz.uptime);
    field('clients', fmt.format(serverz.clients));
    field('channels', fmt.format(serverz.channels));
    field('subscriptions', fmt.format(serverz.subscriptions));
    field('total_msgs', fmt.format(serverz.total_msgs));
    field('total_bytes', bytes(serverz.total_bytes));
    field('in_rate', rate(serverz.in_msgs, previous && previous.serverz.in_msgs, seconds));
    field('out_rate', rate(serverz.out_msgs, previous && previous.serverz.out_msgs, seconds));

    const channels = channelsz.channels || [];
    const lastSeq = new Map(channels.map((c) => [c.name, c.last_seq]));
    renderRows('#channels', '#channels-empty', channels, (c) => c.name, (c) => [
      { name: 'name', value: c.name },
      { name: 'msgs', value: fmt.format(c.msgs), num: true },
      { name: 'bytes', value: bytes(c.bytes), num: true },
      { name: 'rate', value: rate(c.last_seq, previous && previous.lastSeq.get(c.name), seconds), num: true },
      { name: 'first_seq', value: c.first_seq, num: true },
      { name: 'last_seq', value: c.last_seq, num: true },
      { name: 'subs_count', value: c.subs_count, num: true },
    ]);

    const subs = [];
    for (const c of channels) for (const s of c.subscriptions || []) subs.push({ channel: c.name, ...s });
    renderRows('#subscriptions', '#subscriptions-empty', subs,
      (s) => [s.channel, s.client_id, s.durable_name || '', s.queue_name || '', s.inbox].join(' '),
      (s) => [
        { name: 'channel', value: s.channel },
        { name: 'client_id', value: s.client_id },
        { name: 'durable_name', value: s.durable_name || (s.queue_name && s.is_durable ? s.queue_name.split(':')[0] : '') },
        { name: 'queue_name', value: s.queue_name ? s.queue_name.split(':').pop() : '' },
        { name: 'pending_count', value: fmt.format(s.pending_count), num: true },
        { name: 'max_inflight', value: fmt.format(s.max_inflight), num: true },
        { name: 'last_sent', value: s.last_sent, num: true },
        { name: 'ack_wait', value: `${s.ack_wait}s`, num: true },
        { name: 'state', value: s.is_offline ? 'offline' : s.is_stalled ? 'stalled' : 'active', flag: 'warn', on: s.is_offline || s.is_stalled },
      ]);

    renderRows('#clients', '#clients-empty', clientsz.clients, (c) => c.id, (c) => [
      { name: 'id', value: c.id },
      { name: 'hb_inbox', value: c.hb_inbox },
      { name: 'subs_count', value: c.subs_count, num: true },
    ]);

    previous = { at, serverz, lastSeq };
    setText($('#status'), `live · ${new Date().toLocaleTimeString()}`);
    $('#status').classList.remove('error');
  }

  async function loop() {
    try {
      await refresh();
    } catch (err) {
      setText($('#status'), `error: ${err.message}`);
      $('#status').classList.add('error');
    }
    setTimeout(loop, REFRESH_MS);
  }

  async function setUpPublish() {
    let config;
    try {
      config = await getJson('./dashboard/config');
    } catch {
      return;
    }
    if (!config.publish) return;
    $('#publish-section').hidden = false;
    $('#publish').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const form = ev.target;
      const out = $('#publish-result');
      const body = JSON.stringify({ channel: form.channel.value.trim(), message: form.message.value });
      setText(out, 'publishing…');
      try {
        const res = await fetch('./dashboard/publish', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body,
        });
        const answer = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(answer.error || `HTTP ${res.status}`);
        setText(out, `published to ${answer.channel} (guid ${answer.guid})`);
        out.className = 'ok';
        refresh().catch(() => {});
      } catch (err) {
        setText(out, `not published: ${err.message}`);
        out.className = 'error';
      }
    });
  }

  setUpPublish();
  loop();
})();
