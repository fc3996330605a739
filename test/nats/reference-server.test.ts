/**
 * Checks the expectations themselves: a sample of the captured cases replayed
 * against Debian's nats-server (the same core code as the Go streaming server).
 * .ci/run installs nats-server; on a machine without it the test says so and skips.
 */
import { test, before, after } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { goldenCases, replayCase } from '../support/golden-cases.js';
import { freePort } from '../support/ports.js';
import { untilAccepting } from '../support/cluster.js';

const BINARY = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
const SAMPLE = ['D02', 'D04', 'D06', 'D09', 'D17', 'D20', 'D26', 'D27', 'D36', 'D45', 'D48', 'D53', 'D62', 'D67', 'D79', 'D89'];

let child: ChildProcess | undefined;
let port = 0;

before(async () => {
  if (!BINARY) return;
  port = await freePort();
  child = spawn(BINARY, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await untilAccepting(port);
});
after(() => {
  child?.kill();
});

for (const id of SAMPLE) {
  const c = goldenCases.find((x) => x.id === id && x.profile === 'default')!;
  test(`nats-server agrees: ${c.id} ${c.title}`, { skip: BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, async () => {
    await replayCase(c, port);
  });
}
