/**
 * Training processes in the desktop app: Electron's utilityProcess (a Node process the app owns,
 * shown in its task manager, ended with it), behind the host's ForkTraining interface. A crash or
 * an out-of-memory in a kernel ends that process and fails its run, never the app.
 */
import { utilityProcess } from 'electron';
import type { ForkTraining, FromTraining, TrainingProcess } from '../host/runs/index.js';

export const forkUtilityProcess: ForkTraining = (launcher, args, env) => {
  const child = utilityProcess.fork(launcher, args, { env, stdio: 'inherit', serviceName: 'Strata training' });
  const process: TrainingProcess = {
    get pid() {
      return child.pid;
    },
    send: (message) => void child.postMessage(message),
    on: ((event: 'message' | 'exit', listener: (...args: never[]) => void) => {
      if (event === 'message') child.on('message', (message: FromTraining) => (listener as (m: FromTraining) => void)(message));
      // A utility process reports only its exit code; a kill shows as a non-zero code.
      else child.on('exit', (code: number) => (listener as (c: number | null, s: string | null) => void)(code, null));
    }) as TrainingProcess['on'],
    kill: () => void child.kill(),
  };
  return process;
};
