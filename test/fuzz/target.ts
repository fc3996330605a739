/**
 * The thing under attack in the network fuzz tests: a natstream child process
 * plus a canary client. `alive()` after each input fails the property when the
 * server died (with the server's last lines: its stack) and every 16 inputs
 * makes the canary prove the exchange is still live; `run()` restarts a server
 * that an earlier property killed, so the next property starts on a live one.
 */
import assert from 'node:assert/strict';
import { Canary } from './canary.js';
import { ChildServer, FUZZ_CLUSTER } from './child-server.js';
import { greets } from './wire.js';

export class FuzzTarget {
  server!: ChildServer;
  private canary!: Canary;
  private inputs = 0;

  /**
   * `setUp` runs after every (re)start, e.g. to connect an attacking client;
   * `auth` starts the server with --user/--pass (the canary logs in, attackers need not).
   */
  constructor(
    private readonly setUp: () => Promise<void> = async () => {},
    private readonly auth: { user: string; pass: string } | null = null,
  ) {}

  async ensure(): Promise<void> {
    if (this.server?.alive) return;
    this.canary?.abandon();
    const a = this.auth;
    this.server = await ChildServer.start(a ? ['--user', a.user, '--pass', a.pass] : []);
    const url = a ? this.server.url.replace('nats://', `nats://${a.user}:${a.pass}@`) : this.server.url;
    this.canary = await Canary.start(url, FUZZ_CLUSTER);
    await this.setUp();
  }

  async alive(what: string): Promise<void> {
    if (!(await greets(this.server.port))) await this.server.exited(2000);
    assert.ok(this.server.alive, `natstream died on ${what}\n${this.server.tail()}`);
    if (++this.inputs % 16 === 0) await this.canary.check();
  }

  async run(property: () => Promise<void>): Promise<void> {
    await this.ensure();
    await property();
  }

  /** What went wrong for the canary (empty when nothing did). */
  async canaryProblems(): Promise<string[]> {
    await this.ensure();
    return this.canary.stop();
  }

  async stop(): Promise<void> {
    this.canary?.abandon();
    await this.server?.stop();
  }
}
