/**
 * The live dashboard in real Chromium (playwright-core): charts drawn from the
 * Server-Sent Events feed, the message browser paging through 10,000 messages
 * (by sequence, to the last page, from a sequence) and showing a payload as
 * JSON/text/hex with copy, dead-letter channels marked, a stalled subscription
 * highlighted, a client's detail and closing it, a phone-width layout, and the
 * feed coming back by itself after a server restart.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

import { startServer, type RunningServer } from '../../src/index.js';
import { freePort } from '../support/ports.js';
import { closeStan, connectStan, publish, subscribe, type Stan } from '../streaming/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (install it: apt-get install -y chromium)`;

function start(monitorPort: number, clusterId: string): Promise<RunningServer> {
  return startServer({
    port: 0, host: '127.0.0.1', clusterId,
    streaming: { deadLetters: { maxDeliver: 0, prefix: 'DLQ', perChannel: { orders: 1 } } },
    monitor: { host: '127.0.0.1', port: monitorPort, dashboard: { enabled: true, allowPublish: false, allowClose: true } },
  });
}

async function publishMany(sc: Stan, channel: string, n: number): Promise<void> {
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    const all: Array<Promise<string>> = [];
    for (let j = i; j < Math.min(n, i + batch); j++) all.push(publish(sc, channel, `message ${j + 1}`));
    await Promise.all(all);
  }
}

function text(page: Page, sel: string): Promise<string> {
  return page.evaluate((s) => document.querySelector(s)?.textContent ?? '', sel);
}

async function waitText(page: Page, sel: string, want: string | RegExp, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(([s, w, re]) => {
      const t = document.querySelector(s)?.textContent ?? '';
      return re ? new RegExp(w).test(t) : t === w;
    }, [sel, typeof want === 'string' ? want : want.source, typeof want !== 'string'] as const, { timeout, polling: 50 });
  } catch (err) {
    throw new Error(`${sel}: wanted ${String(want)}, shows ${JSON.stringify(await text(page, sel))} (${(err as Error).message})`);
  }
}

test('live dashboard: charts, message browser, dead letters, stalled, client detail, phone width, SSE reconnect', { skip, timeout: 90_000 }, async () => {
  const monitorPort = await freePort();
  let server: RunningServer | undefined = await start(monitorPort, 'live-1');
  let browser: Browser | undefined;
  const clients: Stan[] = [];
  try {
    const sc = await connectStan(server.natsUrl, 'live-1', 'shop');
    clients.push(sc);
    const other = await connectStan(server.natsUrl, 'live-1', 'closeme');
    clients.push(other);
    await publishMany(sc, 'big', 10_000);
    await publish(sc, 'orders', '{"id":7,"items":[1,2]}');
    // orders: max_deliver 1, never acked -> DLQ.orders after one ack wait
    await subscribe(sc, 'orders', null, sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setAckWait(1000));
    // stuck: max in flight 1, never acked -> stalled once the ack wait passed
    await publish(sc, 'stuck', 'a');
    await publish(sc, 'stuck', 'b');
    await subscribe(other, 'stuck', null, other.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true)
      .setMaxInFlight(1).setAckWait(1000).setDurableName('slow'));

    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${monitorPort}` });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (d) => { void d.accept(); });
    await page.goto(`http://127.0.0.1:${monitorPort}/dashboard`);
    await waitText(page, '#status', /^live/);

    // charts: uPlot canvases with samples and non-zero values
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#chart-clients')?.dataset.points) >= 3, undefined, { timeout: 15_000 });
    for (const id of ['chart-msgs', 'chart-bytes', 'chart-channels', 'chart-subs', 'chart-clients']) {
      const info = await page.evaluate((i) => {
        const el = document.getElementById(i)!;
        const canvas = el.querySelector('canvas');
        return { points: Number(el.dataset.points), series: Number(el.dataset.series), canvas: canvas ? canvas.width : 0 };
      }, id);
      assert.ok(info.points >= 3 && info.canvas > 0 && info.series >= 1, `${id}: ${JSON.stringify(info)}`);
    }
    assert.equal(await page.evaluate(() => document.getElementById('chart-clients')!.dataset.max), '2');
    assert.ok(Number(await page.evaluate(() => document.getElementById('chart-subs')!.dataset.max)) >= 1);
    // traffic after the page opened shows in the msgs/s chart
    await publishMany(sc, 'later', 200);
    await page.waitForFunction(() => Number(document.getElementById('chart-msgs')!.dataset.max) > 0, undefined, { timeout: 10_000 });

    // dead letters: DLQ.orders appears, marked as such
    await page.waitForFunction(() => document.querySelector('#channels tr[data-key="DLQ.orders"]')?.classList.contains('dlq'), undefined, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('#browse option')].find((o) => (o as HTMLOptionElement).value === 'DLQ.orders')?.textContent), 'DLQ.orders (dead letters)');

    // stalled: max in flight reached, nothing acked for longer than the ack wait
    await page.waitForFunction(() => [...document.querySelectorAll('#subscriptions tbody tr')].some((r) => r.classList.contains('stuck') && r.querySelector('[data-field="durable_name"]')?.textContent === 'slow'), undefined, { timeout: 10_000 });
    assert.ok(await page.evaluate(() => document.getElementById('card-stalled')!.classList.contains('alert')));
    await waitText(page, '#summary [data-field="stalled"]', '1');

    // message browser: 10,000 messages, page by page, last page, from a sequence
    await page.selectOption('#browse select[name="channel"]', 'big');
    await page.click('#browse button[type="submit"]');
    await waitText(page, '#page-info', '1–50 of 1–10000');
    assert.equal(await page.isDisabled('#page-prev'), true);
    await page.click('#page-next');
    await waitText(page, '#page-info', '51–100 of 1–10000');
    await page.click('#page-next');
    await waitText(page, '#page-info', '101–150 of 1–10000');
    assert.equal(await text(page, '#messages tbody tr:first-child td.payload'), 'message 101');
    await page.click('#page-last');
    await waitText(page, '#page-info', '9951–10000 of 1–10000');
    assert.equal(await page.isDisabled('#page-next'), true);
    assert.equal(await text(page, '#messages tbody tr:last-child td.payload'), 'message 10000');
    await page.click('#page-prev');
    await waitText(page, '#page-info', '9901–9950 of 1–10000');
    await page.fill('#browse input[name="seq"]', '5000');
    await page.press('#browse input[name="seq"]', 'Enter');
    await waitText(page, '#page-info', '5000–5049 of 1–10000');
    await page.fill('#browse input[name="seq"]', '');
    await page.fill('#browse input[name="time"]', '2000-01-01T00:00:00');
    await page.click('#browse button[type="submit"]');
    await waitText(page, '#page-info', '1–50 of 1–10000');

    // a dead letter, opened with the keyboard: pretty JSON, hex, copy
    await page.click('#channels tr[data-key="DLQ.orders"] td[data-field="name"] button');
    await waitText(page, '#page-info', '1–1 of 1–1');
    assert.equal(await page.isVisible('#browser-dlq'), true);
    await page.focus('#messages tbody tr button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#message-detail:not([hidden])');
    assert.equal(await text(page, '#md-body'), '{\n  "id": 7,\n  "items": [\n    1,\n    2\n  ]\n}');
    assert.equal(await page.getAttribute('#message-detail [data-format="json"]', 'aria-pressed'), 'true');
    await page.focus('#message-detail [data-format="hex"]');
    await page.keyboard.press('Enter');
    assert.match(await text(page, '#md-body'), /^00000000 {2}7b 22 69 64 22 3a 37 2c/);
    await page.click('#message-detail [data-format="text"]');
    assert.equal(await text(page, '#md-body'), '{"id":7,"items":[1,2]}');
    await page.click('#md-copy');
    await waitText(page, '#md-copied', 'copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '{"id":7,"items":[1,2]}');

    // client detail, then closing it (enabled on this server)
    await page.click('#clients tr[data-key="closeme"] td[data-field="id"] button');
    await page.waitForSelector('#client-detail:not([hidden])');
    assert.match(await text(page, '#client-subs'), /^stuck: durable slow, 1 unacked of 1/);
    assert.match(await text(page, '#client-detail [data-field="last_hb"]'), /ago$/);
    await page.click('#client-close');
    await waitText(page, '#client-close-result', 'closed closeme');
    await page.waitForFunction(() => document.querySelector('#clients tr[data-key="closeme"]') === null, undefined, { timeout: 10_000 });

    // phone width: nothing wider than the screen but the scrolling tables
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= 376, undefined, { timeout: 5000 });

    // the server restarts (another cluster ID on the same monitoring port): the feed comes back by itself
    for (const c of clients) await closeStan(c);
    clients.length = 0;
    await server.close();
    server = undefined;
    await waitText(page, '#status', 'reconnecting…');
    server = await start(monitorPort, 'live-2');
    await waitText(page, '#summary [data-field="cluster_id"]', 'live-2', 15_000);
    await waitText(page, '#status', /^live/);
    assert.equal(await page.evaluate(() => document.querySelector('#channels tr[data-key="big"]')), null);
    assert.deepEqual(pageErrors, []);
  } finally {
    for (const c of clients) await closeStan(c);
    await browser?.close();
    await server?.close();
  }
});
