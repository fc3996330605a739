import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, Job, ToWorker } from './messages.js';
import { WorkerHandle } from './worker-handle.js';

const workerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client-worker.js');

/** A forked core-NATS bench client (./client-worker.js). */
export const coreWorker = (name: string) => new WorkerHandle<Job, ToWorker, FromWorker>(name, workerPath);
export type CoreWorker = ReturnType<typeof coreWorker>;
