/**
 * Evaluating model code for the studio: the model's config, graph and summary, or the
 * problems that stopped it as diagnostics at their line and column. Bad model code is an
 * answer, never an exception.
 */
import { summarize } from '../../engine/graph/summary.js';
import type { Diagnostic, Evaluation } from '../../../shared/ipc/index.js';
import { ModelFileError, evaluateModelSource } from '../model-evaluation/index.js';
import { customLayerClasses, customLayersReason } from './custom-layers.js';
import { studioGraph } from './studio-graph.js';

export async function evaluateForStudio(code: string, fileName: string): Promise<Evaluation> {
  const started = performance.now();
  try {
    const { model, config, logs } = await evaluateModelSource(code, { fileName });
    const custom = customLayerClasses(config);
    const summary = summarize(model);
    return {
      ok: true,
      config: config as unknown as Record<string, unknown>,
      graph: studioGraph(model, custom.length === 0),
      summary: {
        name: summary.name,
        rows: summary.rows,
        totalParams: summary.totalParams,
        trainableParams: summary.trainableParams,
        nonTrainableParams: summary.nonTrainableParams,
      },
      logs,
      ...(custom.length > 0 ? { readOnlyReason: customLayersReason(custom) } : {}),
      millis: performance.now() - started,
    };
  } catch (e) {
    return {
      ok: false,
      diagnostics: [diagnosticOf(e)],
      logs: e instanceof ModelFileError ? e.logs : [],
      millis: performance.now() - started,
    };
  }
}

function diagnosticOf(e: unknown): Diagnostic {
  if (e instanceof ModelFileError) {
    return {
      severity: 'error',
      kind: e.kind,
      message: e.message,
      line: e.line,
      column: e.column,
      ...(e.layerName !== undefined ? { layerName: e.layerName } : {}),
    };
  }
  const err = e as { message?: unknown; layerName?: unknown };
  return {
    severity: 'error',
    kind: 'evaluation',
    message: typeof err?.message === 'string' ? err.message : String(e),
    line: 1,
    column: 1,
    ...(typeof err?.layerName === 'string' ? { layerName: err.layerName } : {}),
  };
}
