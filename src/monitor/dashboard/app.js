// natstream dashboard: follows /dashboard/events (Server-Sent Events: the last
// 15 minutes on connect, then one tick a second) and renders the summary, the
// charts and the tables. The browser's EventSource reconnects by itself when the
// server restarts. Plain browser JavaScript, no build step; values go in as text.
'use strict';

(function () {
  const $ = (sel) => document.querySelector(sel);
  const fmt = new Intl.NumberFormat();
  const charts = window.natstreamCharts.create();
  const browser = window.natstreamBrowser;
  let config = { publish: false, close: false, deadLetterPrefix: 'DLQ' };
  let lastTick = null;
  let detailClient = '';
  let source = null;

  function setText(el, value) {
    if (el && el.textContent !== String(value)) el.textContent = String(value);
  }

  function field(name, value) {
    setText($(`#summary [data-field="${name}"]`), value);
  }

  function status(text, error) {
    setText($('#status'), text);
    $('#status').classList.toggle('error', Boolean(error));
  }

  function rate(v) {
    if (v === undefined || v === null) return '–';
    return v < 10 ? v.toFixed(1) : fmt.format(Math.round(v));
  }

  function ago(ms) {
    if (!ms) return '–';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s ago` : new Date(ms).toLocaleString();
  }

  // Rows are keyed so a tick updates cells in place instead of rebuilding the table.
  function renderRows(tableSel, emptySel, items, keyOf, cellsOf, decorate) {
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
          if (c.action) {
            const b = document.createElement('button');
            b.type = 'button';
            b.className = 'link';
            b.addEventListener('click', () => c.action(row.dataset.value));
            td.appendChild(b);
          }
          row.appendChild(td);
        }
        tbody.appendChild(row);
      }
      cells.forEach((c, i) => {
        const td = row.children[i];
        if (c.action) {
          row.dataset.value = c.value;
          setText(td.firstChild, c.value);
        } else setText(td, c.value);
        if (c.flag !== undefined) row.classList.toggle(c.flag, Boolean(c.on));
      });
      if (decorate) decorate(row, item);
      tbody.appendChild(row); // keeps the server's order
    }
    for (const row of [...tbody.children]) if (!seen.has(row.dataset.key)) row.remove();
    $(emptySel).hidden = items.length > 0;
  }

  function subKey(s) {
    return [s.channel, s.client_id, s.durable_name || '', s.queue_name || '', s.inbox].join(' ');
  }

  function onTick(t) {
    lastTick = t;
    const varz = t.varz || {};
    field('connections', fmt.format(varz.connections ?? 0));
    field('slow_consumers', fmt.format(varz.slow_consumers ?? 0));
    $('#card-slow').classList.toggle('alert', (varz.slow_consumers ?? 0) > 0);
    if (!t.serverz) {
      field('uptime', varz.uptime ?? '–');
      field('version', `nats ${varz.version ?? ''}`);
      status('core NATS only (no streaming server)');
      return;
    }
    const z = t.serverz;
    const sample = t.sample || {};
    field('cluster_id', z.cluster_id);
    field('state', z.state);
    field('version', z.version);
    field('uptime', z.uptime);
    field('clients', fmt.format(z.clients));
    field('channels', fmt.format(z.channels));
    field('subscriptions', fmt.format(z.subscriptions));
    field('total_msgs', fmt.format(z.total_msgs));
    field('total_bytes', window.natstreamCharts.bytes(z.total_bytes));
    field('in_rate', rate(sample.inMsgs));
    field('out_rate', rate(sample.outMsgs));
    const stalled = new Set(t.stalled || []);
    field('stalled', fmt.format(stalled.size));
    $('#card-stalled').classList.toggle('alert', stalled.size > 0);

    const channels = (t.channelsz && t.channelsz.channels) || [];
    renderRows('#channels', '#channels-empty', channels, (c) => c.name, (c) => [
      { name: 'name', value: c.name, action: (name) => browser.open(name) },
      { name: 'msgs', value: fmt.format(c.msgs), num: true },
      { name: 'bytes', value: window.natstreamCharts.bytes(c.bytes), num: true },
      { name: 'rate', value: rate(sample.channels ? sample.channels[c.name] : undefined), num: true },
      { name: 'first_seq', value: c.first_seq, num: true },
      { name: 'last_seq', value: c.last_seq, num: true },
      { name: 'subs_count', value: c.subs_count, num: true },
    ], (row, c) => row.classList.toggle('dlq', browser.isDlq(c.name)));
    browser.setChannels(channels.map((c) => c.name), config.deadLetterPrefix ?? 'DLQ');

    const subs = [];
    for (const c of channels) for (const s of c.subscriptions || []) subs.push({ channel: c.name, ...s });
    renderRows('#subscriptions', '#subscriptions-empty', subs, subKey, (s) => [
      { name: 'channel', value: s.channel },
      { name: 'client_id', value: s.client_id },
      { name: 'durable_name', value: s.durable_name || (s.queue_name && s.is_durable ? s.queue_name.split(':')[0] : '') },
      { name: 'queue_name', value: s.queue_name ? s.queue_name.split(':').pop() : '' },
      { name: 'pending_count', value: fmt.format(s.pending_count), num: true },
      { name: 'max_inflight', value: fmt.format(s.max_inflight), num: true },
      { name: 'last_sent', value: s.last_sent, num: true },
      { name: 'ack_wait', value: `${s.ack_wait}s`, num: true },
      { name: 'state', value: s.is_offline ? 'offline' : s.is_stalled ? 'stalled' : 'active', flag: 'warn', on: s.is_offline || s.is_stalled },
      { name: 'dead_lettered', value: s.dead_lettered === undefined ? '' : fmt.format(s.dead_lettered), num: true },
    ], (row, s) => {
      const stuck = stalled.has(subKey(s));
      row.classList.toggle('stuck', stuck);
      row.title = stuck ? `stalled: ${s.pending_count} unacked (max in flight) and no ack for more than ${s.ack_wait}s` : '';
    });

    const hb = t.heartbeats || {};
    const clients = (t.clientsz && t.clientsz.clients) || [];
    renderRows('#clients', '#clients-empty', clients, (c) => c.id, (c) => [
      { name: 'id', value: c.id, action: (id) => showClient(id) },
      { name: 'hb_inbox', value: c.hb_inbox },
      { name: 'subs_count', value: c.subs_count, num: true },
      { name: 'last_hb', value: hb[c.id] ? ago(hb[c.id][0]) + (hb[c.id][1] > 0 ? ` (${hb[c.id][1]} missed)` : '') : '–' },
    ], (row, c) => row.classList.toggle('warn', Boolean(hb[c.id] && hb[c.id][1] > 0)));
    if (detailClient !== '') renderClient(detailClient);

    if (charts) charts.push(t.sample);
    status(`live · ${new Date().toLocaleTimeString()}`);
  }

  function renderClient(id) {
    const t = lastTick;
    const c = t && t.clientsz && (t.clientsz.clients || []).find((x) => x.id === id);
    const panel = $('#client-detail');
    if (!c) {
      setText(panel.querySelector('[data-field="last_hb"]'), 'gone');
      return;
    }
    setText(panel.querySelector('[data-field="id"]'), c.id);
    setText(panel.querySelector('[data-field="hb_inbox"]'), c.hb_inbox);
    const hb = (t.heartbeats || {})[c.id];
    setText(panel.querySelector('[data-field="last_hb"]'), hb ? ago(hb[0]) : '–');
    const list = $('#client-subs');
    const items = [];
    for (const [channel, subs] of Object.entries(c.subscriptions || {})) {
      for (const s of subs) {
        const name = s.durable_name ? `durable ${s.durable_name}` : s.queue_name ? `queue ${s.queue_name}` : 'subscription';
        items.push(`${channel}: ${name}, ${s.pending_count} unacked of ${s.max_inflight}, last sent ${s.last_sent}${s.is_stalled ? ', stalled' : ''}`);
      }
    }
    if (list.dataset.items !== items.join('\n')) {
      list.dataset.items = items.join('\n');
      list.textContent = '';
      for (const text of items.length ? items : ['no subscription']) {
        const li = document.createElement('li');
        li.textContent = text;
        list.appendChild(li);
      }
    }
  }

  function showClient(id) {
    detailClient = id;
    const panel = $('#client-detail');
    panel.hidden = false;
    $('#client-close').hidden = !config.close;
    setText($('#client-close-result'), '');
    renderClient(id);
    panel.focus();
  }

  function connect() {
    source = new EventSource('./dashboard/events');
    source.addEventListener('config', (ev) => { config = JSON.parse(ev.data); setUpPublish(); });
    source.addEventListener('history', (ev) => { if (charts) charts.load(JSON.parse(ev.data).samples); });
    source.addEventListener('tick', (ev) => onTick(JSON.parse(ev.data)));
    source.addEventListener('error', () => {
      status('reconnecting…', true);
      // EventSource retries by itself; once it gave up (CLOSED), start over
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, 2000);
      }
    });
  }

  let publishReady = false;
  function setUpPublish() {
    $('#publish-section').hidden = !config.publish;
    if (!config.publish || publishReady) return;
    publishReady = true;
    $('#publish').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const form = ev.target;
      const out = $('#publish-result');
      const body = JSON.stringify({ channel: form.channel.value.trim(), message: form.message.value });
      setText(out, 'publishing…');
      try {
        const res = await fetch('./dashboard/publish', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin', body,
        });
        const answer = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(answer.error || `HTTP ${res.status}`);
        setText(out, `published to ${answer.channel} (guid ${answer.guid})`);
        out.className = 'ok';
      } catch (err) {
        setText(out, `not published: ${err.message}`);
        out.className = 'error';
      }
    });
  }

  $('#client-detail-dismiss').addEventListener('click', () => { detailClient = ''; $('#client-detail').hidden = true; });
  $('#client-close').addEventListener('click', async () => {
    const out = $('#client-close-result');
    if (!confirm(`Close client ${detailClient}? Its non-durable subscriptions end.`)) return;
    try {
      const res = await fetch('./dashboard/close-client', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ id: detailClient }),
      });
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(answer.error || `HTTP ${res.status}`);
      setText(out, `closed ${answer.closed}`);
      out.className = 'ok';
    } catch (err) {
      setText(out, `not closed: ${err.message}`);
      out.className = 'error';
    }
  });
  if (!charts) $('#charts-missing').hidden = false;
  browser.init();
  connect();
})();
