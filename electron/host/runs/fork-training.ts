/**
 * How the host starts a training process. The default forks Node (serve mode, the CLI);
 * Electron's main process passes one built on utilityProcess. Either way the process runs
 * training-launcher.mjs with training-process.ts as its argument and talks over its IPC channel.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromTraining, ToTraining } from './messages.js';

/** A running training process, as little of it as the host needs. */
export interface TrainingProcess {
  readonly pid: number | undefined;
  send(message: ToTraining): void;
  on(event: 'message', listener: (message: FromTraining) => void): void;
  /** `code` is null when a signal ended it, `signal` null otherwise (utilityProcess gives only the code). */
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Starts `launcher` (a .mjs file) with `args` in a new process with `env`, connected by IPC. */
export type ForkTraining = (launcher: string, args: string[], env: NodeJS.ProcessEnv) => TrainingProcess;

export const TRAINING_LAUNCHER = fileURLToPath(new URL('./training-launcher.mjs', import.meta.url));
/** The module the launcher imports in the training process. */
export const TRAINING_PROCESS_ENTRY = new URL('./training-process.ts', import.meta.url).href;

export const forkNode: ForkTraining = (launcher, args, env) => {
  const child = fork(launcher, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => void child.send(message),
    // 'close', not 'exit': it comes after the last message the process sent.
    on: (event: 'message' | 'exit', listener: (...args: never[]) => void) => void child.on(event === 'exit' ? 'close' : event, listener as (...args: unknown[]) => void),
    kill: () => void child.kill('SIGKILL'),
  } as TrainingProcess;
};
