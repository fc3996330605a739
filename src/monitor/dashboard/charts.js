// natstream dashboard: the time-series charts (uPlot), fed with the samples of
// /dashboard/events. Plain browser JavaScript, no build step.
'use strict';

window.natstreamCharts = (function () {
  const WINDOW_S = 15 * 60;
  const COLORS = ['#2a6fdb', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#1098ad', '#c2255c', '#5c7cfa', '#74b816', '#868e96'];
  const fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  function bytes(n) {
    if (n < 1024) return `${fmt.format(n)} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let v = n;
    let i = -1;
    do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
    return `${v.toFixed(1)} ${units[i]}`;
  }

  function subLabel(key) {
    // key: channel, client, durable, queue, inbox (space-separated; see dashboard-history.ts)
    const [channel, client, durable, queue] = key.split(' ');
    const who = queue ? `[${queue.split(':').pop()}]` : durable ? `${client}/${durable}` : client;
    return `${channel} ${who}`;
  }

  /**
   * One chart: `series(samples)` gives [labels, arrays]; the chart is rebuilt
   * when the labels change (a channel or subscription came or went).
   */
  function chart(el, seriesOf, valueFmt) {
    let plot = null;
    let labels = [];
    const height = 180;

    function opts(ls) {
      return {
        width: Math.max(240, el.clientWidth || 300),
        height,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [{}, { values: (u, ticks) => ticks.map(valueFmt), size: 60 }],
        series: [{}, ...ls.map((l, i) => ({ label: l, stroke: COLORS[i % COLORS.length], width: 1.5, value: (u, v) => (v == null ? '–' : valueFmt(v)) }))],
      };
    }

    function set(samples) {
      const [ls, arrays] = seriesOf(samples);
      const data = [samples.map((s) => s.t / 1000), ...arrays];
      if (plot === null || ls.join('\n') !== labels.join('\n')) {
        if (plot !== null) plot.destroy();
        labels = ls;
        plot = new window.uPlot(opts(ls), data, el);
      } else {
        plot.setData(data);
      }
      let max = 0;
      for (const a of arrays) for (const v of a) if (v != null && v > max) max = v;
      el.dataset.points = String(samples.length);
      el.dataset.series = String(ls.length);
      el.dataset.max = String(max);
    }

    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => { if (plot !== null) plot.setSize({ width: Math.max(240, el.clientWidth), height }); }).observe(el);
    }
    return { set };
  }

  /** Keys seen in any sample of the window, in first-seen order. */
  function keysOf(samples, field) {
    const seen = new Set();
    for (const s of samples) for (const k of Object.keys(s[field] || {})) seen.add(k);
    return [...seen];
  }

  function create() {
    if (typeof window.uPlot !== 'function') return null;
    const charts = [
      chart(document.getElementById('chart-msgs'), (ss) => [['in', 'out'], [ss.map((s) => s.inMsgs), ss.map((s) => s.outMsgs)]], (v) => fmt.format(v)),
      chart(document.getElementById('chart-bytes'), (ss) => [['in', 'out'], [ss.map((s) => s.inBytes), ss.map((s) => s.outBytes)]], bytes),
      chart(document.getElementById('chart-channels'), (ss) => {
        const keys = keysOf(ss, 'channels');
        return [keys, keys.map((k) => ss.map((s) => (s.channels && k in s.channels ? s.channels[k] : null)))];
      }, (v) => fmt.format(v)),
      chart(document.getElementById('chart-subs'), (ss) => {
        const keys = keysOf(ss, 'subs');
        const labels = [];
        const arrays = [];
        for (const k of keys) {
          labels.push(`${subLabel(k)} pending`, `${subLabel(k)} unacked`);
          arrays.push(ss.map((s) => (s.subs && s.subs[k] ? s.subs[k][0] : null)), ss.map((s) => (s.subs && s.subs[k] ? s.subs[k][1] : null)));
        }
        return [labels, arrays];
      }, (v) => fmt.format(v)),
      chart(document.getElementById('chart-clients'), (ss) => [['clients'], [ss.map((s) => s.clients)]], (v) => fmt.format(v)),
    ];
    let samples = [];
    function redraw() {
      for (const c of charts) c.set(samples);
    }
    return {
      /** The history sent on (re)connect replaces what was shown. */
      load(list) {
        samples = list.slice();
        redraw();
      },
      push(sample) {
        if (!sample) return;
        if (samples.length > 0 && samples[samples.length - 1].t === sample.t) return;
        samples.push(sample);
        const cutoff = sample.t - WINDOW_S * 1000;
        while (samples.length > 0 && samples[0].t < cutoff) samples.shift();
        redraw();
      },
    };
  }

  return { create, bytes };
})();
