/**
 * Starts a server the way the nats.js test harness starts nats-server: a
 * config file with `port: -1`, `http: "127.0.0.1:-1"` and `ports_file_dir`,
 * `<server> -c FILE` as a child process, then the ports file
 * `<exe>_<pid>.ports` is awaited (fs.watch, no polling) and read. The same
 * helper runs natstream (`bin/natstream.js`) and Debian's nats-server, so a
 * test can check its expectation against the reference.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const NATSTREAM_BIN = resolve(import.meta.dirname, '../../../bin/natstream.js');
export const NATS_SERVER_BIN = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();

/** `natstream-as-nats-server`: bin/natstream.js through a symlink named nats-server (core NATS alone). */
export type ServerKind = 'natstream' | 'natstream-as-nats-server' | 'nats-server';

export interface PortsDoc {
  nats: string[];
  monitoring?: string[];
}

/** A value of a config map: nested maps and arrays as in the nats.js harness's config objects. */
export type ConfObject = { [key: string]: ConfObjectValue };
export type ConfObjectValue = string | number | boolean | ConfObject | ConfObjectValue[];

/**
 * The config text in the shapes the nats.js harness writes: `key: value` with
 * bare strings (quoted when they start with a digit), `key {` blocks and
 * `key [` arrays whose map entries are bare `{` blocks.
 */
export function toConf(o: ConfObject | ConfObjectValue[], indent = ''): string {
  const pad = indent + '  ';
  const lines: string[] = [];
  const isArray = Array.isArray(o);
  for (const [k, v] of Object.entries(o)) {
    const key = isArray ? '' : k;
    if (Array.isArray(v)) {
      lines.push(`${pad}${key} [`, toConf(v, pad), `${pad} ]`);
    } else if (typeof v === 'object') {
      lines.push(`${pad}${key} {`, toConf(v, pad), `${pad} }`);
    } else if (isArray) {
      lines.push(`${pad}${typeof v === 'string' && v.includes(' ') ? `"${v}"` : v}`);
    } else if (typeof v === 'string' && /^[0-9]/.test(v)) {
      lines.push(`${pad}${key}: "${v}"`);
    } else {
      lines.push(`${pad}${key}: ${v}`);
    }
  }
  return lines.join('\n');
}

export class ConfServer {
  private constructor(
    readonly kind: ServerKind,
    readonly dir: string,
    readonly confFile: string,
    readonly child: ChildProcess,
    readonly portsFile: string,
    readonly ports: PortsDoc,
    private readonly output: () => string,
  ) {}

  /** Starts `kind` with `conf` (plus the harness's host, port, http and ports_file_dir keys). */
  static async start(kind: ServerKind, conf: ConfObject = {}, dir = mkdtempSync(join(tmpdir(), 'confsrv-'))): Promise<ConfServer> {
    const full: ConfObject = { ...conf };
    full.host ??= '127.0.0.1';
    full.port ??= -1;
    full.http ??= '127.0.0.1:-1';
    full.ports_file_dir = dir;
    const confFile = join(dir, `server-${Math.random().toString(36).slice(2)}.conf`);
    writeFileSync(confFile, toConf(full));
    return ConfServer.spawn(kind, ['-c', confFile], dir, confFile);
  }

  /** Starts `kind` with these arguments alone; they must name `dir` as the ports file directory. */
  static async spawn(kind: ServerKind, serverArgs: string[], dir: string, confFile = ''): Promise<ConfServer> {
    let [cmd, args, exe] = [NATS_SERVER_BIN, serverArgs, 'nats-server'];
    if (kind === 'natstream') [cmd, args, exe] = [process.execPath, [NATSTREAM_BIN, ...serverArgs], 'natstream'];
    if (kind === 'natstream-as-nats-server') {
      const link = join(dir, 'nats-server');
      if (!existsSync(link)) symlinkSync(NATSTREAM_BIN, link);
      [cmd, args] = [process.execPath, [link, ...serverArgs]];
    }
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const portsFile = join(dir, `${exe}_${child.pid}.ports`);
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => finish(new Error(`no ports file ${portsFile} within 10 s; output:\n${out}`)), 10_000);
      const watcher = watch(dir, () => check());
      const onExit = (code: number | null) => finish(new Error(`${kind} exited (${code}) before its ports file; output:\n${out}`));
      child.once('exit', onExit);
      function finish(err?: Error) {
        clearTimeout(timer);
        watcher.close();
        child.off('exit', onExit);
        if (err) {
          child.kill('SIGKILL');
          fail(err);
        } else {
          done();
        }
      }
      function check() {
        if (!existsSync(portsFile)) return;
        // The file may be seen between its creation and its content.
        try {
          JSON.parse(readFileSync(portsFile, 'utf8'));
          finish();
        } catch {
          // the next change event comes
        }
      }
      check();
    });
    const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as PortsDoc;
    return new ConfServer(kind, dir, confFile, child, portsFile, ports, () => out);
  }

  get port(): number {
    return Number(new URL(this.ports.nats[0]).port);
  }

  get log(): string {
    return this.output();
  }

  /** SIGINT, and waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    await exited;
  }

  /** Stops, then starts the same configuration on the same port (as the harness's restart). */
  async restart(conf: ConfObject = {}): Promise<ConfServer> {
    const port = this.port;
    await this.stop();
    return ConfServer.start(this.kind, { ...conf, port }, this.dir);
  }

  /** Stops and removes the directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
