/**
 * Fault-tolerance group membership (`--ft_group`; spec stores.md §5): servers
 * with the same cluster ID and group share one FILE directory or SQL database;
 * one is active, the others are standbys that wait on the group's heartbeat
 * subject and take the store lock when the active one falls silent.
 *
 *   standby: every heartbeat restarts the missed-heartbeat wait; when it runs
 *            out, try the store's exclusive lock (the kernel fcntl lock or the
 *            SQL StoreLock row); got it -> active, otherwise keep waiting
 *   active:  publish a heartbeat every interval, then run the normal start
 *            (recover the whole state, subscribe the client subjects)
 *
 * A second active is noticed by its heartbeats. The Go server aborts the one
 * that activated later; natstream lets the store decide: the server whose lock
 * is no longer valid stops (the SQL lock's owner check finds the row taken and
 * aborts with `lost store lock, aborting`), the rightful owner logs the claim
 * and goes on. With the Go rule both could stop in a forced split brain (a
 * paused active that resumes has the earlier activation but lost the row).
 */
import type { Store } from '../stores/store.js';
import type { Transport, TransportSubscription } from '../transport/transport.js';
import type { Logger } from '../util/logger.js';
import {
  decodeFtHeartbeat, encodeFtHeartbeat, ftSubject, goTimeBefore, goTimeFromMs, type GoTime,
} from './ft-heartbeat.js';

export type FtState = 'FT_STANDBY' | 'FT_ACTIVE' | 'SHUTDOWN';

export interface FtTimings {
  /** How often the active server publishes its heartbeat (Go: 1 s). */
  hbIntervalMs: number;
  /** How long a standby waits for one before trying the lock (Go: 1.25 s). */
  hbMissedMs: number;
}

export const FT_DEFAULT_TIMINGS: FtTimings = { hbIntervalMs: 1000, hbMissedMs: 1250 };

export interface FtGroupArgs {
  transport: Transport;
  store: Store;
  clusterId: string;
  group: string;
  /** The streaming server ID carried in the heartbeats. */
  serverId: string;
  /** Prefixed (`STREAM: `). */
  log: Logger;
  timings?: Partial<FtTimings>;
  /** Runs the normal start (recovery, subscriptions) once the lock is ours. */
  activate(): Promise<void>;
  /** This server must stop serving at once (the Go server panics here). */
  abort(why: string): void;
}

/** The Go server randomises both intervals by up to ±10 % per server, so that standbys do not try in step. */
export function randomized(ms: number): number {
  const tenPercent = Math.floor(ms * 0.1);
  const r = Math.floor(Math.random() * tenPercent);
  return Math.random() < 0.5 ? ms + r : ms - r;
}

/** Logging with back-off (1 s doubling up to a minute), as the Go server's BackoffTimeCheck. */
class Backoff {
  private next = 0;
  private delay = 1000;
  ok(): boolean {
    const now = Date.now();
    if (now < this.next) return false;
    this.next = now + this.delay;
    this.delay = Math.min(this.delay * 2, 60_000);
    return true;
  }
}

export class FtGroup {
  private stateValue: FtState = 'FT_STANDBY';
  private sub: TransportSubscription | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private hbTimer: NodeJS.Timeout | null = null;
  private trying = false;
  private activation: GoTime | null = null;
  private readonly subject: string;
  private readonly hbIntervalMs: number;
  private readonly hbMissedMs: number;
  private readonly lockLog = new Backoff();
  private readonly sendLog = new Backoff();

  constructor(private readonly a: FtGroupArgs) {
    this.subject = ftSubject(a.clusterId, a.group);
    const t = { ...FT_DEFAULT_TIMINGS, ...a.timings };
    if (t.hbMissedMs < t.hbIntervalMs * 1.1) {
      throw new Error(`ft: the missed heartbeat interval needs to be at least 10% of the heartbeat interval (hb=${t.hbIntervalMs}ms missed hb=${t.hbMissedMs}ms`);
    }
    this.hbIntervalMs = randomized(t.hbIntervalMs);
    this.hbMissedMs = randomized(t.hbMissedMs);
  }

  get state(): FtState {
    return this.stateValue;
  }

  /** Subscribes to the group's heartbeats and starts waiting as a standby. */
  start(): void {
    this.a.log.notice('Starting in standby mode');
    this.sub = this.a.transport.subscribe(this.subject, (_s, _r, payload) => this.onHeartbeat(payload));
    this.armWait();
  }

  stop(): void {
    this.stateValue = 'SHUTDOWN';
    this.sub?.unsubscribe();
    this.sub = null;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.waitTimer = this.hbTimer = null;
  }

  private onHeartbeat(payload: Uint8Array): void {
    const hb = decodeFtHeartbeat(payload);
    if (hb === null || hb.serverId === this.a.serverId) return;
    if (this.a.log.debugEnabled) this.a.log.debug(`ft: heartbeat from ${hb.serverId}`);
    if (this.stateValue === 'FT_STANDBY') {
      if (!this.trying) this.armWait();
      return;
    }
    if (this.stateValue !== 'FT_ACTIVE') return;
    const claim = `ft: serverID ${JSON.stringify(hb.serverId)} claims to be active`;
    if (hb.activation === null) {
      this.a.log.error('Error decoding activation time: invalid time encoding');
      return;
    }
    const peerFirst = this.activation !== null && goTimeBefore(hb.activation, this.activation);
    // The store lock decides who stays: an owner whose lock is still valid goes on.
    this.a.store.getExclusiveLock().then((stillOwner) => {
      if (this.stateValue !== 'FT_ACTIVE') return;
      if (!stillOwner) this.abort(`${claim}, aborting`);
      else this.a.log.error(peerFirst ? `${claim} (activated earlier, but this server holds the store lock)` : claim);
    }, (err: Error) => {
      if (this.stateValue === 'FT_ACTIVE') this.abort(`${claim}, aborting (store lock: ${err.message})`);
    });
  }

  private armWait(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = setTimeout(() => { this.waitTimer = null; void this.tryLock(); }, this.hbMissedMs);
  }

  private async tryLock(): Promise<void> {
    if (this.stateValue !== 'FT_STANDBY') return;
    this.trying = true;
    if (this.a.log.debugEnabled) this.a.log.debug('ft: missed heartbeats, trying the store lock');
    let locked = false;
    try {
      locked = await this.a.store.getExclusiveLock();
    } catch (err) {
      this.a.log.error(`ft: error attempting to get the store lock: ft: fatal error getting the store lock: ${(err as Error).message}`);
    } finally {
      this.trying = false;
    }
    if (this.stateValue !== 'FT_STANDBY') return;
    if (!locked) {
      if (this.lockLog.ok()) this.a.log.notice('ft: unable to get store lock at this time, going back to standby');
      this.armWait();
      return;
    }
    await this.becomeActive();
  }

  private async becomeActive(): Promise<void> {
    this.stateValue = 'FT_ACTIVE';
    this.activation = goTimeFromMs(Date.now());
    this.a.log.notice('Server is active');
    const hb = encodeFtHeartbeat(this.a.serverId, this.activation);
    const send = () => {
      try {
        this.a.transport.publish(this.subject, hb);
      } catch (err) {
        if (this.sendLog.ok()) this.a.log.error(`Unable to send FT heartbeat: ${(err as Error).message}`);
      }
    };
    send();
    this.hbTimer = setInterval(send, this.hbIntervalMs);
    // The subscription stays: heartbeats of another active server must be heard.
    try {
      await this.a.activate();
    } catch (err) {
      this.abort(`Failed to start: ${(err as Error).message}`);
    }
  }

  private abort(why: string): void {
    this.stop();
    this.a.abort(why);
  }
}
