/**
 * N Debian `nats-server` nodes with JetStream, clustered on loopback: one config
 * file per node (`server_name`, `jetstream { store_dir }`, `cluster { name, listen,
 * routes }`), random free ports, a temp directory removed at `stop()`. Every node
 * is a child process killed by its PID. Without nats-server installed, `BINARY` is ''.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { after, before } from 'node:test';

import { connect, type NatsConnection } from 'nats';

import { freePort } from './ports.js';

export const NATS_SERVER_BINARY = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();

export interface JsNode {
  name: string;
  port: number;
  clusterPort: number;
  config: string;
  proc: ChildProcess | null;
}

export class JsCluster {
  private constructor(readonly dir: string, readonly nodes: JsNode[]) {}

  /** Comma-separated client URLs of every node (for `-ns`). */
  get urls(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  url(i: number): string {
    return `nats://127.0.0.1:${this.nodes[i].port}`;
  }

  /** Starts `size` nodes and waits until JetStream answers (a meta leader is elected). */
  static async start(size = 3): Promise<JsCluster> {
    const dir = await mkdtemp(path.join(tmpdir(), 'natstream-js-'));
    const nodes: JsNode[] = [];
    for (let i = 0; i < size; i++) {
      nodes.push({ name: `n${i + 1}`, port: await freePort(), clusterPort: await freePort(), config: '', proc: null });
    }
    for (const n of nodes) {
      const routes = nodes.filter((o) => o !== n).map((o) => `nats-route://127.0.0.1:${o.clusterPort}`);
      const lines = [
        `server_name: ${n.name}`,
        'listen: 127.0.0.1:' + n.port,
        // room for a 1 MiB STAN payload plus its headers
        'max_payload: 8MB',
        `jetstream { store_dir: ${JSON.stringify(path.join(dir, n.name))} }`,
      ];
      if (size > 1) {
        lines.push(`cluster { name: jsc, listen: 127.0.0.1:${n.clusterPort}, routes: [${routes.map((r) => JSON.stringify(r)).join(', ')}] }`);
      }
      n.config = path.join(dir, `${n.name}.conf`);
      await writeFile(n.config, lines.join('\n') + '\n');
    }
    const cluster = new JsCluster(dir, nodes);
    try {
      for (let i = 0; i < size; i++) cluster.startNode(i);
      await cluster.waitReady();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  startNode(i: number): void {
    const n = this.nodes[i];
    n.proc = spawn(NATS_SERVER_BINARY, ['-c', n.config], { stdio: 'ignore' });
  }

  /** kill -9 of one node. */
  kill(i: number): void {
    const n = this.nodes[i];
    if (n.proc?.pid !== undefined && n.proc.exitCode === null) process.kill(n.proc.pid, 'SIGKILL');
    n.proc = null;
  }

  /** Resolves once a client on every live node gets an answer from the JetStream API. */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (let i = 0; i < this.nodes.length; i++) {
      if (this.nodes[i].proc === null) continue;
      for (;;) {
        let nc: NatsConnection | undefined;
        try {
          nc = await connect({ servers: this.url(i), reconnect: false, timeout: 1000 });
          const jsm = await nc.jetstreamManager({ timeout: 1000 });
          await jsm.getAccountInfo();
          break;
        } catch (err) {
          if (Date.now() > end) throw new Error(`JetStream cluster not ready: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        } finally {
          await nc?.close().catch(() => undefined);
        }
      }
    }
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) this.kill(i);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * For a `describe` block: a cluster of `size` nodes and a `nats` connection to
 * it, started in `before` and stopped in `after`. Read them after `before` ran.
 */
export function useJsCluster(size: number): { readonly cluster: JsCluster; readonly nc: NatsConnection } {
  let cluster: JsCluster | undefined;
  let nc: NatsConnection | undefined;
  before(async () => {
    cluster = await JsCluster.start(size);
    nc = await connect({ servers: cluster.urls });
  });
  after(async () => {
    await nc?.close();
    await cluster?.stop();
  });
  return {
    get cluster() { return cluster!; },
    get nc() { return nc!; },
  };
}
