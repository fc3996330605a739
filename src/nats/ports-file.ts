/**
 * nats-server's ports file (`--ports_file_dir`, `ports_file_dir:`): once every
 * listener is up, `<dir>/<executable>_<pid>.ports` holds the URLs the server
 * can be reached at, as JSON (`{"nats":[...],"monitoring":[...]}`); it is
 * removed at shutdown. Test harnesses (the nats.js suite among them) start a
 * server on random ports (`port: -1`, `http: "127.0.0.1:-1"`) and wait for it.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from '../util/logger.js';

/** The Go `Ports` document; keys in its order, empty ones left out. */
export interface Ports {
  nats?: string[];
  monitoring?: string[];
  cluster?: string[];
  profile?: string[];
  websocket?: string[];
}

/**
 * The name this process was started by, as Go's `filepath.Base(os.Args[0])`:
 * an `argv[0]` set by the caller (`exec -a nats-server node bin/natstream.js`),
 * else the script's file name without `.js`, so that a `nats-server` symlink
 * to `bin/natstream.js` writes `nats-server_<pid>.ports` as nats-server would.
 */
export function programName(argv: readonly string[] = process.argv, argv0 = process.argv0): string {
  const given = basename(argv0);
  if (given !== '' && !/^node(js)?(\.exe)?$/i.test(given) && given !== basename(process.execPath)) return given;
  const script = argv[1] ?? argv[0] ?? 'natstream';
  return basename(script).replace(/\.(?:c|m)?js$/, '');
}

export function portsFilePath(dir: string, program = programName(), pid = process.pid): string {
  return join(dir, `${program}_${pid}.ports`);
}

/**
 * `scheme://host:port` for a listener; a listener on every interface
 * (`0.0.0.0`, `::`) is listed at each interface address, as Go does.
 */
export function listenerUrls(scheme: string, host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return [`${scheme}://${joinHostPort(host, port)}`];
  const urls: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) urls.push(`${scheme}://${joinHostPort(a.address, port)}`);
  }
  return urls;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Writes the ports file; a failure is logged with nats-server's words and does not stop the server. */
export function writePortsFile(path: string, ports: Ports, logger: Logger): boolean {
  const doc: Ports = {};
  for (const key of ['nats', 'monitoring', 'cluster', 'profile', 'websocket'] as const) {
    const urls = ports[key];
    if (urls && urls.length > 0) doc[key] = urls;
  }
  try {
    writeFileSync(path, JSON.stringify(doc), { mode: 0o666 });
    return true;
  } catch (err) {
    logger.error(`Error writing ports file (${path}): ${(err as Error).message}`);
    return false;
  }
}

export function removePortsFile(path: string, logger: Logger): void {
  try {
    unlinkSync(path);
  } catch (err) {
    logger.error(`Error cleaning up ports file ${path}: ${(err as Error).message}`);
  }
}
