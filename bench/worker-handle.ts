/**
 * The coordinator's side of one forked bench client: send it a job, wait for
 * its replies one type at a time. Shared by the core bench (./client-worker.js)
 * and the streaming bench (./streaming/worker.js); each names its own messages.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** What every worker protocol has: typed messages, an error report, progress reports. */
type Tagged = { type: string };
type BaseFrom = Tagged | { type: 'error'; message: string };

type Waiter<From> = { type: string; resolve: (m: From) => void; reject: (e: Error) => void };

export class WorkerHandle<Job, To extends Tagged, From extends BaseFrom> {
  private readonly child: ChildProcess;
  private readonly inbox: From[] = [];
  private waiter: Waiter<From> | null = null;
  private failure: Error | null = null;
  /** Where this worker's progress reports go. */
  onProgress: ((p: Extract<From, { type: 'progress' }>) => void) | null = null;
  /** Rejects when the worker reports an error or exits (also after stop(): only race it during a run). */
  readonly failed: Promise<never>;
  private rejectFailed: (err: Error) => void = () => {};

  constructor(readonly name: string, workerPath: string) {
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => {});
    this.child = fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: From) => {
      if (m.type === 'error') return this.setFailure(new Error(`${this.name}: ${(m as { message: string }).message}`));
      if (m.type === 'progress') return this.onProgress?.(m as Extract<From, { type: 'progress' }>);
      this.inbox.push(m);
      this.deliver();
    });
    this.child.on('exit', (code, signal) => this.setFailure(new Error(`${this.name} exited (${code ?? signal})`)));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(m: To): void {
    if (this.child.connected) this.child.send(m);
  }

  start(job: Job): void {
    this.send({ type: 'job', job } as unknown as To);
  }

  /** The next message of `type`; rejects if the worker fails or exits first. */
  next<T extends From['type']>(type: T): Promise<Extract<From, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiter = { type, resolve: resolve as (m: From) => void, reject };
      this.deliver();
    });
  }

  /** Asks the worker to close its connection and exit; kills it if it does not. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'stop' } as To);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private deliver(): void {
    const w = this.waiter;
    if (w === null) return;
    const i = this.inbox.findIndex((m) => m.type === w.type);
    if (i >= 0) {
      this.waiter = null;
      w.resolve(this.inbox.splice(i, 1)[0]);
    } else if (this.failure !== null) {
      this.waiter = null;
      w.reject(this.failure);
    }
  }

  private setFailure(err: Error): void {
    this.failure ??= err;
    this.rejectFailed(this.failure);
    this.deliver();
  }
}
