/** `--help` rendered from the flag table against the Go server's captured usage text, and docs/flags.md. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderUsage } from '../../src/config/usage.js';
import { renderFlagDocs } from '../../src/config/flag-docs.js';
import { flagTable } from '../../src/config/flag-table.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
// nats-streaming-server 0.25.3 --help, verbatim (captures/startup-logs.txt §10; 8420 bytes)
const captured = readFileSync(root('test/config/fixtures/go-usage.txt'), 'utf8');

test('usage - byte for byte the Go server\'s text', () => {
  assert.equal(captured.length, 8420);
  assert.equal(renderUsage('nats-streaming-server'), captured);
});

test('usage - natstream differs only by its name', () => {
  const mine = renderUsage();
  assert.ok(mine.startsWith('\nUsage: natstream [options]\n\nStreaming Server Options:\n'));
  assert.ok(mine.includes('Send signal to natstream process'));
  assert.equal(mine.split('natstream').join('nats-streaming-server'), captured);
});

test('usage - lists each flag of the table that has a usage entry, once', () => {
  const text = renderUsage('nats-streaming-server');
  for (const f of flagTable) {
    if (!f.usage) continue;
    assert.equal(text.split(`${f.usage.left} `).length - 1 >= 1, true, f.names[0]);
  }
});

test('docs/flags.md - generated from the table and up to date (npm run gen:flags)', () => {
  const onDisk = readFileSync(root('docs/flags.md'), 'utf8');
  assert.equal(onDisk, renderFlagDocs());
  for (const f of flagTable) for (const n of f.names) assert.ok(onDisk.includes(`-${n}\``), n);
});
