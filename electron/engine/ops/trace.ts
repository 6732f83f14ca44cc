/**
 * Tracing: a custom layer's `call()` runs once per symbolic call on `TracedTensor`
 * placeholders, and every `ops.*` it uses is recorded as a step
 * `{op, inputs, attrs, shape, dtype}` whose inputs refer to the layer's inputs, its weights,
 * constants or earlier steps. The recording is what the layer computes: it is saved with
 * the model and is what training runs — the JavaScript in `call()` never runs on values.
 *
 * A layer called inside `call()` on traced tensors (a `Dense`, another custom layer, a whole
 * model) is recorded as one `layer` step: the inner layer is built on the traced shape, its
 * output shape comes from its own `computeOutputShape`, and it becomes a sublayer of the
 * layer being traced (Keras' auto-tracking), saved with the trace so that the layer can be
 * rebuilt without its class.
 *
 * The pieces, one module each: the saved form (trace-format.ts), the placeholders and the
 * recorder (traced-tensor.ts), recording an op (trace-ops.ts), a layer called inside a call
 * (trace-sublayers.ts), tracing a layer's call and saving it (trace-call.ts), and reading a
 * saved trace (trace-parse.ts). This module is what the rest of the engine imports.
 */
export {
  LAYER_STEP,
  type LayerTrace,
  type TraceInput,
  type TraceJSON,
  type TraceRef,
  type TraceStep,
  type TraceWeight,
} from './trace-format.js';
export { TracedTensor, isTracedTensor, type Operand } from './traced-tensor.js';
export { applyOp, constDtype, operandInfo, ownWeightsOf } from './trace-ops.js';
export { calledSublayers, hasTracedInput, traceLayerCall } from './trace-sublayers.js';
export { hasTracedCall, savedTrace, traceCall, traceOutputDtype } from './trace-call.js';
export { parseTrace } from './trace-parse.js';
