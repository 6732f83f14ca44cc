// Starts a TypeScript module of the training process from source, as bin/strata.mjs starts the
// command line: registers tsx, then imports the module named by the first argument (in the
// training process) or by workerData.entry (in its training thread, which needs tsx too).
import { isMainThread, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(isMainThread ? process.argv[2] : workerData.entry);
