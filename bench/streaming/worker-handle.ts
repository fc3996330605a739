import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerHandle } from '../worker-handle.js';
import type { FromWorker, Job, ToWorker } from './messages.js';

const workerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

/** A forked streaming bench client (./worker.js); `received` follows a subscriber's progress reports. */
export class StreamingWorker extends WorkerHandle<Job, ToWorker, FromWorker> {
  received = 0;
  private progressListener: (() => void) | null = null;

  constructor(name: string) {
    super(name, workerPath);
    this.onProgress = (p) => {
      this.received = p.received;
      this.progressListener?.();
    };
  }

  /** Called after each progress report of this worker. */
  set onReceived(listener: (() => void) | null) {
    this.progressListener = listener;
  }
}
