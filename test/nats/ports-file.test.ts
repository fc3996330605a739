/** The ports file's name, URLs and JSON, and the config keys that lead to it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenerUrls, portsFilePath, programName, removePortsFile, writePortsFile } from '../../src/nats/ports-file.js';
import { silentLogger, type Logger } from '../../src/util/logger.js';
import { parseCommandLine } from '../../src/config/options.js';

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { ...silentLogger, errors, error: (m: string) => errors.push(m) };
}

test('ports file - the program name: argv[0] when the caller set one, else the script without .js', () => {
  assert.equal(programName(['/usr/bin/node', '/opt/natstream/bin/natstream.js'], 'node'), 'natstream');
  assert.equal(programName(['/usr/bin/node', '/tmp/bin/nats-server'], 'node'), 'nats-server');
  assert.equal(programName(['/usr/bin/node', '/opt/natstream/bin/natstream.js'], 'nats-server'), 'nats-server');
  assert.equal(portsFilePath('/tmp/d', 'nats-server', 42), '/tmp/d/nats-server_42.ports');
});

test('ports file - URLs: the bound host, or every interface address for 0.0.0.0', () => {
  assert.deepEqual(listenerUrls('nats', '127.0.0.1', 4111), ['nats://127.0.0.1:4111']);
  assert.deepEqual(listenerUrls('http', '::1', 8111), ['http://[::1]:8111']);
  const all = listenerUrls('nats', '0.0.0.0', 4111);
  assert.ok(all.includes('nats://127.0.0.1:4111'), all.join(' '));
});

test('ports file - JSON in Go key order without empty lists; removed; failures logged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ports-'));
  try {
    const path = portsFilePath(dir, 'x', 1);
    const log = recordingLogger();
    assert.equal(writePortsFile(path, { monitoring: ['http://127.0.0.1:2'], nats: ['nats://127.0.0.1:1'], cluster: [] }, log), true);
    assert.equal(readFileSync(path, 'utf8'), '{"nats":["nats://127.0.0.1:1"],"monitoring":["http://127.0.0.1:2"]}');
    removePortsFile(path, log);
    assert.deepEqual(log.errors, []);
    removePortsFile(path, log);
    assert.match(log.errors[0], /^Error cleaning up ports file .*x_1\.ports: /);
    assert.equal(writePortsFile(join(dir, 'missing', 'y.ports'), { nats: [] }, log), false);
    assert.match(log.errors[1], /^Error writing ports file \(.*y\.ports\): /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ports file - --ports_file_dir and ports_file_dir set it; -m -1 asks for a free monitoring port', () => {
  const flag = parseCommandLine(['--ports_file_dir', '/tmp/p', '-m', '-1']);
  assert.equal(flag.kind, 'run');
  if (flag.kind !== 'run') return;
  assert.equal(flag.options.portsFileDir, '/tmp/p');
  assert.equal(flag.options.monitor.port, -1);
});
