/**
 * Runs the automatic layout: inline for small graphs (no round trip, no flicker while
 * editing), in a Web Worker for big ones so that laying out hundreds of layers never blocks
 * typing or scrolling. Only the newest request's answer is delivered.
 */
import type { GraphLayout } from '../../../shared/graph/index.js';
import { autoLayout, type LayoutRequest } from './auto-layout.js';

export type LayoutReply = { seq: number; layout: GraphLayout } | { seq: number; error: string };

/** Graphs with more boxes than this are laid out in the worker. */
export const WORKER_THRESHOLD = 120;

export interface LayoutRunner {
  /** Resolves to the layout, or to null when a newer request overtook this one. */
  run(request: LayoutRequest): Promise<GraphLayout | null>;
  dispose(): void;
}

export function createLayoutRunner(threshold = WORKER_THRESHOLD): LayoutRunner {
  let worker: Worker | null = null;
  let seqs = 0;
  const pending = new Map<number, { resolve: (layout: GraphLayout | null) => void; reject: (error: Error) => void }>();

  const startWorker = (): Worker => {
    const w = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (event: MessageEvent<LayoutReply>) => {
      const reply = event.data;
      const waiting = pending.get(reply.seq);
      pending.delete(reply.seq);
      if (!waiting) return;
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.layout);
    };
    return w;
  };

  return {
    run(request) {
      const seq = ++seqs;
      // Older requests still in the worker will never be shown.
      for (const waiting of pending.values()) waiting.resolve(null);
      pending.clear();
      if (request.graph.nodes.length <= threshold || typeof Worker === 'undefined') {
        try {
          return Promise.resolve(autoLayout(request));
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
      worker ??= startWorker();
      const w = worker;
      return new Promise((resolve, reject) => {
        pending.set(seq, { resolve, reject });
        w.postMessage({ seq, request });
      });
    },
    dispose() {
      worker?.terminate();
      worker = null;
      for (const waiting of pending.values()) waiting.resolve(null);
      pending.clear();
    },
  };
}
