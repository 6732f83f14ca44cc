/** Lays out graphs off the UI thread: a request in, its layout (or why it failed) out. */
import { autoLayout, type LayoutRequest } from './auto-layout.js';
import type { LayoutReply } from './layout-runner.js';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ seq: number; request: LayoutRequest }>) => void) | null;
  postMessage(message: LayoutReply): void;
};

scope.onmessage = (event) => {
  const { seq, request } = event.data;
  try {
    scope.postMessage({ seq, layout: autoLayout(request) });
  } catch (error) {
    scope.postMessage({ seq, error: error instanceof Error ? error.message : String(error) });
  }
};
