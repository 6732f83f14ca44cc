/**
 * The host's side of one training process: starts it with its job, passes the person's stop,
 * pause and resume on, and settles how the run ended — as the process said (completed,
 * stopped, failed with its message), failed when the process died without a word (a crash,
 * the out-of-memory killer), or interrupted when the host itself ended it (quitting).
 */
import type { RunStatus } from '../../../shared/ipc/index.js';
import { TRAINING_LAUNCHER, TRAINING_PROCESS_ENTRY, type ForkTraining, type TrainingProcess } from './fork-training.js';
import type { FromTraining, TrainingJob } from './messages.js';

export interface TrainingOutcome {
  status: Extract<RunStatus, 'completed' | 'stopped' | 'failed' | 'interrupted'>;
  error: string | null;
}

export class TrainingSession {
  readonly ended: Promise<TrainingOutcome>;
  private readonly process: TrainingProcess;
  private reported: TrainingOutcome | null = null;
  private interrupting = false;
  private readonly waiting = new Map<FromTraining['type'], Array<() => void>>();

  constructor(fork: ForkTraining, job: TrainingJob, onMessage: (message: FromTraining) => void) {
    this.process = fork(TRAINING_LAUNCHER, [TRAINING_PROCESS_ENTRY], { ...process.env });
    this.ended = new Promise((settle) => {
      this.process.on('exit', (code, signal) => {
        const unexpected = `The training process ended unexpectedly (${signal !== null ? `signal ${signal}` : `exit code ${code}`}); the run's files keep every complete metrics line and checkpoint.`;
        settle(this.interrupting ? { status: 'interrupted', error: null } : (this.reported ?? { status: 'failed', error: unexpected }));
        for (const listeners of this.waiting.values()) listeners.forEach((wake) => wake());
        this.waiting.clear();
      });
    });
    this.process.on('message', (message) => {
      if (message.type === 'done') this.reported = { status: message.status, error: null };
      else if (message.type === 'failed') this.reported = { status: 'failed', error: message.message };
      onMessage(message);
      const listeners = this.waiting.get(message.type);
      this.waiting.delete(message.type);
      listeners?.forEach((wake) => wake());
    });
    this.process.send({ type: 'start', job });
  }

  get pid(): number | null {
    return this.process.pid ?? null;
  }

  /** Settles when the process sends `type`, or ends without sending it. */
  private next(type: FromTraining['type']): Promise<void> {
    return new Promise((wake) => this.waiting.set(type, [...(this.waiting.get(type) ?? []), wake]));
  }

  stop(): Promise<TrainingOutcome> {
    this.process.send({ type: 'stop' });
    return this.ended;
  }

  pause(): Promise<void> {
    const paused = this.next('paused');
    this.process.send({ type: 'pause' });
    return paused;
  }

  resume(): Promise<void> {
    const resumed = this.next('resumed');
    this.process.send({ type: 'resume' });
    return resumed;
  }

  /** Ends the process now; the run is left to be resumed from its last checkpoint. */
  interrupt(): Promise<TrainingOutcome> {
    this.interrupting = true;
    this.process.kill();
    return this.ended;
  }
}
