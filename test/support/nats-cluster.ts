/**
 * A real nats-server cluster on loopback (Debian's nats-server, random ports,
 * full mesh of routes), for the scale-out tests: FT groups and partitioning run
 * natstream members with `-ns` on different nodes of it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { freePort } from './ports.js';

export const NATS_SERVER_BINARY = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();

export interface NatsNode {
  name: string;
  url: string;
  process: ChildProcess;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's URL, comma-separated (a client's or `-ns`'s server list). */
  urls: string;
  /** Kills every node (by PID) and waits for them to exit. */
  stop(): Promise<void>;
}

function getJson(port: number, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
    }).on('error', reject);
  });
}

/** Starts `size` nodes and resolves once each one has a route to every other. */
export async function startNatsCluster(size = 3, clusterName = 'natstream-test'): Promise<NatsCluster> {
  const ports = await Promise.all(Array.from({ length: size }, async () => ({
    client: await freePort(), route: await freePort(), http: await freePort(),
  })));
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const nodes: NatsNode[] = ports.map((p, i) => ({
    name: `n${i + 1}`,
    url: `nats://127.0.0.1:${p.client}`,
    process: spawn(NATS_SERVER_BINARY, [
      '-a', '127.0.0.1', '-p', String(p.client), '-m', String(p.http), '-n', `n${i + 1}`,
      '--cluster_name', clusterName, '--cluster', `nats://127.0.0.1:${p.route}`, '--routes', routes,
    ], { stdio: 'ignore' }),
  }));
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    async stop() {
      await Promise.all(nodes.map(async (n) => {
        if (n.process.exitCode !== null || n.process.signalCode !== null) return;
        const exited = once(n.process, 'exit');
        n.process.kill('SIGKILL');
        await exited;
      }));
    },
  };
  try {
    const deadline = Date.now() + 15_000;
    for (const p of ports) {
      for (;;) {
        const routez = await getJson(p.http, '/routez').catch(() => null);
        if (routez && routez.num_routes === size - 1) break;
        if (Date.now() > deadline) throw new Error('nats-server cluster did not form');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
