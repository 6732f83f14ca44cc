/**
 * The one word the training process and its training thread share: what the person last asked
 * of the run. The thread runs fit() synchronously, so it cannot hear messages; it reads this
 * word after every batch instead, and sleeps on it (Atomics.wait) while the run is paused.
 */

export type ControlRequest = 'run' | 'pause' | 'stop';

const CODES: Record<ControlRequest, number> = { run: 0, pause: 1, stop: 2 };
const REQUESTS: ControlRequest[] = ['run', 'pause', 'stop'];

export type ControlBlock = Int32Array;

export function createControlBlock(): ControlBlock {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** Records a request and wakes a paused thread to read it. A stop is final: nothing overrides it. */
export function request(block: ControlBlock, what: ControlRequest): void {
  if (Atomics.load(block, 0) === CODES.stop) return;
  Atomics.store(block, 0, CODES[what]);
  Atomics.notify(block, 0);
}

export function requested(block: ControlBlock): ControlRequest {
  return REQUESTS[Atomics.load(block, 0)] ?? 'run';
}

/** Blocks the calling thread while the request is `pause`; returns the request that ended it. */
export function waitWhilePaused(block: ControlBlock): ControlRequest {
  while (Atomics.load(block, 0) === CODES.pause) Atomics.wait(block, 0, CODES.pause);
  return requested(block);
}
