/** Reading a saved trace (from a file or a sandbox): every field is checked before use. */
import { ValueError } from '../graph/errors.js';
import { DTYPES, type DType, type Shape } from '../graph/shape.js';
import { OP_NAMES, getOp } from './table.js';
import { LAYER_STEP, clone, isPlainRecord, type TraceJSON, type TraceRef } from './trace-format.js';
import { describe } from './traced-tensor.js';

function isShape(value: unknown, allowNull: boolean): value is Shape {
  return (
    Array.isArray(value) &&
    value.every((d) => (allowNull && d === null) || (typeof d === 'number' && Number.isInteger(d) && d >= 0))
  );
}

function isDtype(value: unknown): value is DType {
  return (DTYPES as readonly unknown[]).includes(value);
}

/**
 * Checks a saved trace (it comes from a file or a sandbox, so nothing is assumed) and returns
 * it in the shape the engine uses. Throws a `ValueError` saying what is wrong and where. The
 * entries of `layers` are only checked to be layer objects here: deserialising them checks the rest.
 */
export function parseTrace(value: unknown, where: string, layerName?: string): TraceJSON {
  const bad = (what: string): never => {
    throw new ValueError(`Invalid trace at ${where}${layerName ? ` (layer "${layerName}")` : ''}: ${what}`, layerName);
  };
  if (!isPlainRecord(value)) return bad(`expected an object with inputs, weights, ops and outputs; received ${describe(value)}.`);
  const { inputs, weights, layers, ops, outputs } = value;
  if (!Array.isArray(inputs) || inputs.length === 0) bad('`inputs` must be a non-empty array.');
  if (!Array.isArray(weights)) bad('`weights` must be an array.');
  if (layers !== undefined && !Array.isArray(layers)) bad('`layers` must be an array of layers when present.');
  if (!Array.isArray(ops)) bad('`ops` must be an array.');
  (inputs as unknown[]).forEach((input, i) => {
    if (!isPlainRecord(input) || !isShape(input.shape, true) || !isDtype(input.dtype)) {
      bad(`inputs[${i}] must be {shape, dtype}; received ${JSON.stringify(input)}.`);
    }
  });
  (weights as unknown[]).forEach((w, i) => {
    if (
      !isPlainRecord(w) ||
      typeof w.name !== 'string' ||
      !isShape(w.shape, false) ||
      !isDtype(w.dtype) ||
      typeof w.trainable !== 'boolean' ||
      !isPlainRecord(w.initializer)
    ) {
      bad(`weights[${i}] must be {name, shape, dtype, trainable, initializer}; received ${JSON.stringify(w)}.`);
    }
  });
  const sublayers = (layers ?? []) as unknown[];
  sublayers.forEach((l, i) => {
    if (!isPlainRecord(l) || typeof l.class_name !== 'string' || !isPlainRecord(l.config)) {
      bad(`layers[${i}] must be a saved layer {class_name, config, …}; received ${JSON.stringify(l)?.slice(0, 200)}.`);
    }
  });
  const steps = ops as unknown[];
  /** How many results each step has (1, or the number of outputs of a `layer` step with several). */
  const outputCounts: Array<number | null> = [];
  const checkRef = (ref: unknown, at: string, stepCount: number): TraceRef => {
    const keys = isPlainRecord(ref) ? Object.keys(ref).sort() : [];
    const r = ref as Record<string, unknown>;
    const index = (key: string, limit: number): boolean =>
      typeof r[key] === 'number' && Number.isInteger(r[key]) && (r[key] as number) >= 0 && (r[key] as number) < limit;
    const one = keys.length === 1;
    let ok =
      (one && keys[0] === 'input' && index('input', (inputs as unknown[]).length)) ||
      (one && keys[0] === 'weight' && index('weight', (weights as unknown[]).length)) ||
      (one && keys[0] === 'const' && typeof r.const === 'number' && Number.isFinite(r.const));
    if (!ok && (one ? keys[0] === 'op' : keys.length === 2 && keys[0] === 'op' && keys[1] === 'output') && index('op', stepCount)) {
      const count = outputCounts[r.op as number];
      ok = one ? count === null : count !== null && index('output', count!);
    }
    if (!ok) {
      bad(
        `${at} must be {input: i}, {weight: i}, {op: i} (an earlier op) or {const: number}, with an index in range ({op: i, output: k} for one output of a layer step that has several); received ${JSON.stringify(ref)}.`,
      );
    }
    return Object.fromEntries(keys.map((k) => [k, r[k]])) as TraceRef;
  };
  steps.forEach((step, i) => {
    if (!isPlainRecord(step)) return bad(`ops[${i}] must be an object; received ${JSON.stringify(step)}.`);
    const isLayer = step.op === LAYER_STEP;
    if (!isLayer && (typeof step.op !== 'string' || !getOp(step.op))) {
      bad(`ops[${i}] names an unknown op ${JSON.stringify(step.op)}; the ops are: ${OP_NAMES.join(', ')} (and "${LAYER_STEP}" for a call of a sublayer).`);
    }
    if (!Array.isArray(step.inputs)) bad(`ops[${i}].inputs must be an array.`);
    (step.inputs as unknown[]).forEach((ref, k) => checkRef(ref, `ops[${i}].inputs[${k}]`, i));
    if (!isPlainRecord(step.attrs)) bad(`ops[${i}].attrs must be an object.`);
    const attrs = step.attrs as Record<string, unknown>;
    if (isLayer) {
      const extra = Object.keys(attrs).filter((k) => k !== 'layer' && k !== 'kwargs');
      const ref = attrs.layer;
      if (typeof ref !== 'number' || !Number.isInteger(ref) || ref < 0 || ref >= sublayers.length || extra.length > 0) {
        bad(`ops[${i}] calls a sublayer: its attrs must be {layer: an index into \`layers\` (${sublayers.length} saved), kwargs?}; received ${JSON.stringify(attrs)}.`);
      }
      if (attrs.kwargs !== undefined && !isPlainRecord(attrs.kwargs)) bad(`ops[${i}].attrs.kwargs must be an object.`);
      if ((step.inputs as unknown[]).length === 0) bad(`ops[${i}] calls a sublayer on no inputs.`);
    }
    const several = isLayer && Array.isArray(step.shape) && step.shape.length > 0 && step.shape.every((s) => isShape(s, true));
    if (!(several || isShape(step.shape, true)) || !isDtype(step.dtype)) bad(`ops[${i}] must have a shape and a dtype.`);
    outputCounts.push(several ? (step.shape as unknown[]).length : null);
  });
  const checkOutput = (ref: unknown, at: string): void => {
    const r = checkRef(ref, at, steps.length);
    if (!('input' in r) && !('op' in r)) bad(`${at} must refer to an input or an op; received ${JSON.stringify(ref)}.`);
  };
  if (Array.isArray(outputs)) {
    if (outputs.length === 0) bad('`outputs` must not be empty.');
    outputs.forEach((ref, i) => checkOutput(ref, `outputs[${i}]`));
  } else {
    checkOutput(outputs, 'outputs');
  }
  const parsed = { inputs, weights, ...(layers !== undefined && { layers }), ops, outputs };
  return clone(parsed) as TraceJSON;
}
