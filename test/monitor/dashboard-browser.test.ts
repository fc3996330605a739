/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core.
 * A channel appears after a publish, the form publishes and the count rises.
 * Skips itself only when /usr/bin/chromium is missing (CI installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { getJson } from './support.js';
import { publish, startStack, subscribeAndReceive, type Stack } from './stack.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (install it: apt-get install -y chromium)`;

/** Text of a cell of the dashboard's tables, '' when the row is not there yet. */
function cell(page: Page, table: string, key: string, field: string): Promise<string> {
  return page.evaluate(
    ([t, k, f]) => document.querySelector(`#${t} tr[data-key="${CSS.escape(k)}"] td[data-field="${f}"]`)?.textContent ?? '',
    [table, key, field] as const,
  );
}

async function waitForCell(page: Page, table: string, key: string, field: string, value: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([t, k, f, v]) => document.querySelector(`#${t} tr[data-key="${CSS.escape(k)}"] td[data-field="${f}"]`)?.textContent === v,
      [table, key, field, value] as const,
      { timeout: 10_000, polling: 50 },
    );
  } catch (err) {
    const now = await cell(page, table, key, field);
    throw new Error(`#${table} ${key} ${field}: wanted ${JSON.stringify(value)}, shows ${JSON.stringify(now)} (${(err as Error).message})`);
  }
}

test('dashboard: live channels, subscriptions and the publish form', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-dashboard-'));
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  try {
    stack = await startStack({ clusterId: 'dash', dashboard: { enabled: true, allowPublish: true } });
    const port = stack.monitor.port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    await page.goto(`http://127.0.0.1:${port}/dashboard?refresh=250`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('live'), undefined, { timeout: 10_000 });
    assert.equal(await page.textContent('#summary [data-field="cluster_id"]'), 'dash');
    assert.equal(await page.isVisible('#channels-empty'), true);
    assert.equal(await cell(page, 'channels', 'orders', 'msgs'), '');

    // A client publishes: the channel appears with its count.
    const sc = await stack.connect('shop-1');
    await publish(sc, 'orders', '{"id":1}');
    await publish(sc, 'orders', '{"id":2}');
    await waitForCell(page, 'channels', 'orders', 'msgs', '2');
    await waitForCell(page, 'channels', 'orders', 'last_seq', '2');
    assert.equal(await page.isVisible('#channels-empty'), false);

    // A durable that never acks shows up with its pending count.
    const opts = sc.subscriptionOptions().setDurableName('billing').setManualAckMode(true).setDeliverAllAvailable().setMaxInFlight(2);
    await subscribeAndReceive(sc, 'orders', null, opts, 2);
    const subKey = await page.waitForFunction(
      () => [...document.querySelectorAll('#subscriptions tbody tr')].find((r) => r.querySelector('[data-field="durable_name"]')?.textContent === 'billing')?.getAttribute('data-key'),
      undefined, { timeout: 10_000 },
    ).then((h) => h.jsonValue() as Promise<string>);
    await waitForCell(page, 'subscriptions', subKey, 'pending_count', '2');
    await waitForCell(page, 'subscriptions', subKey, 'state', 'stalled');
    await waitForCell(page, 'clients', 'shop-1', 'subs_count', '1');

    // The form publishes through the server; the count rises.
    assert.equal(await page.isVisible('#publish'), true);
    await page.fill('#publish input[name="channel"]', 'orders');
    await page.fill('#publish textarea[name="message"]', 'from the dashboard');
    await page.click('#publish button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#publish-result')?.textContent?.startsWith('published to orders'), undefined, { timeout: 10_000 });
    await waitForCell(page, 'channels', 'orders', 'msgs', '3');
    const ch = (await getJson(port, '/streaming/channelsz?channel=orders')) as { msgs: number; last_seq: number };
    assert.deepEqual([ch.msgs, ch.last_seq], [3, 3]);
    // It is an ordinary stored message: a new subscriber reads it back.
    const got: string[] = [];
    await subscribeAndReceive(sc, 'orders', null, sc.subscriptionOptions().setStartAtSequence(3), 1, (m) => got.push(m.getData()));
    assert.deepEqual(got, ['from the dashboard']);

    // A channel name the server would refuse is reported, not published.
    await page.fill('#publish input[name="channel"]', 'bad.*');
    await page.click('#publish button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#publish-result')?.textContent?.startsWith('not published'), undefined, { timeout: 10_000 });

    const shot = join(dir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await stack?.close();
    if (process.env.NATSTREAM_KEEP_SCREENSHOTS !== '1') rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboard without streaming publish rights hides the form', { skip }, async () => {
  const stack = await startStack({ clusterId: 'dash2', dashboard: { enabled: true, allowPublish: false } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${stack.monitor.port}/dashboard`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('live'), undefined, { timeout: 10_000 });
    assert.equal(await page.isVisible('#publish-section'), false);
  } finally {
    await browser.close();
    await stack.close();
  }
});
