/**
 * The coordinator's side of one forked streaming bench client (./worker.js):
 * send it a job, wait for its replies one type at a time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FromWorker, Job, ToWorker } from './messages.js';

const workerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

type Waiter = { type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void };

export class WorkerHandle {
  private readonly child: ChildProcess;
  private readonly inbox: FromWorker[] = [];
  private waiter: Waiter | null = null;
  private failure: Error | null = null;
  /** A subscriber's running total of deliveries. */
  received = 0;
  onProgress: (() => void) | null = null;
  /** Rejects when the worker reports an error or exits (also after stop(): only race it during a run). */
  readonly failed: Promise<never>;
  private rejectFailed: (err: Error) => void = () => {};

  constructor(readonly name: string) {
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => {});
    this.child = fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromWorker) => {
      if (m.type === 'error') return this.setFailure(new Error(`${this.name}: ${m.message}`));
      if (m.type === 'progress') {
        this.received = m.received;
        return this.onProgress?.();
      }
      this.inbox.push(m);
      this.deliver();
    });
    this.child.on('exit', (code, signal) => this.setFailure(new Error(`${this.name} exited (${code ?? signal})`)));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(m: ToWorker): void {
    if (this.child.connected) this.child.send(m);
  }

  start(job: Job): void {
    this.send({ type: 'job', job });
  }

  /** The next message of `type`; rejects if the worker fails or exits first. */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiter = { type, resolve: resolve as (m: FromWorker) => void, reject };
      this.deliver();
    });
  }

  /** Asks the worker to close its STAN connection and exit; kills it if it does not. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'stop' });
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
