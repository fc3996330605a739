/**
 * A real nats-server cluster on loopback (Debian's nats-server, random ports,
 * full mesh of routes), for the scale-out tests: FT groups and partitioning run
 * natstream members with `-ns` on different nodes of it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
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

/** `n` distinct free ports. */
async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return ports;
}

export interface LoneNode extends NatsNode {
  /** Its route listener, for nodes started later with `--routes` to it. */
  routeUrl: string;
  stop(): Promise<void>;
}

/**
 * One node with a route listener but no routes of its own: separate until a
 * node started later routes to it (a network split that heals). `routes` are
 * routes to such nodes.
 */
export async function startLoneNode(name: string, routes: string[] = [], clusterName = 'natstream-split'): Promise<LoneNode> {
  const [client, route, httpPort] = await freePorts(3);
  const args = ['-a', '127.0.0.1', '-p', String(client), '-m', String(httpPort), '-n', name,
    '--cluster_name', clusterName, '--cluster', `nats://127.0.0.1:${route}`];
  if (routes.length > 0) args.push('--routes', routes.join(','));
  const proc = spawn(NATS_SERVER_BINARY, args, { stdio: 'ignore' });
  const node: LoneNode = {
    name, url: `nats://127.0.0.1:${client}`, process: proc, routeUrl: `nats://127.0.0.1:${route}`,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + 5_000;
  for (;;) {
    const routez = await getJson(httpPort, '/routez').catch(() => null);
    if (routez && routez.num_routes === routes.length) return node;
    if (Date.now() > deadline) {
      await node.stop();
      throw new Error(`nats-server ${name} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `size` nodes and resolves once each one has a route to every other.
 * Tries again on new ports when the cluster does not form (a port taken by
 * another process between its choice and the start of nats-server).
 */
export async function startNatsCluster(size = 3, clusterName = 'natstream-test'): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryStartNatsCluster(size, clusterName);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function tryStartNatsCluster(size: number, clusterName: string): Promise<NatsCluster> {
  const all = await freePorts(size * 3);
  const ports = Array.from({ length: size }, (_, i) => ({ client: all[3 * i]!, route: all[3 * i + 1]!, http: all[3 * i + 2]! }));
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
    const deadline = Date.now() + 5_000;
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
