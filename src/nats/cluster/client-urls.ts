import os from 'node:os';
import { hostPort } from '../host-port.js';

/**
 * The client URLs of the cluster (`connect_urls` in the client INFO): this
 * server's own, then every other server's as its routes announced them,
 * counted so that a server reached by two routes is removed only with the last.
 */
export class ClientUrls {
  private own: string[] = [];
  private readonly others = new Map<string, number>();

  setOwn(urls: string[]): void {
    this.own = urls;
  }

  get ownUrls(): string[] {
    return this.own;
  }

  /** Returns true when the list changed. */
  add(urls: readonly string[]): boolean {
    let changed = false;
    for (const u of urls) {
      const n = this.others.get(u) ?? 0;
      this.others.set(u, n + 1);
      if (n === 0 && !this.own.includes(u)) changed = true;
    }
    return changed;
  }

  remove(urls: readonly string[]): boolean {
    let changed = false;
    for (const u of urls) {
      const n = this.others.get(u);
      if (n === undefined) continue;
      if (n > 1) this.others.set(u, n - 1);
      else {
        this.others.delete(u);
        if (!this.own.includes(u)) changed = true;
      }
    }
    return changed;
  }

  all(): string[] {
    const out = [...this.own];
    for (const u of this.others.keys()) if (!out.includes(u)) out.push(u);
    return out;
  }
}

/**
 * A server's client URLs as nats-server computes them: the advertised
 * address, else the listen address, else (listening on any address) the
 * machine's non-loopback addresses.
 */
export function ownClientUrls(host: string, port: number, advertise?: string): string[] {
  if (advertise) return [advertise.includes(':') ? advertise : hostPort(advertise, port)];
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return [hostPort(host, port)];
  const urls: string[] = [];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      // nats-server skips loopback and link-local addresses, and keeps IPv6 ones even for 0.0.0.0.
      if (a.internal || a.address.toLowerCase().startsWith('fe80:') || a.address.startsWith('169.254.')) continue;
      urls.push(hostPort(a.address, port));
    }
  }
  return urls.length > 0 ? urls : [hostPort(host === '::' ? '::1' : '127.0.0.1', port)];
}
