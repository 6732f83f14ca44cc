/**
 * Whether a dataset fits a model: which field feeds each input and output, and what does not
 * fit, worded with the input or output, the field and both shapes. Shapes of model inputs
 * and outputs carry the batch axis first (`None`), as Keras prints them.
 */
import { formatShape, type Shape } from '../../engine/graph/shape.js';
import type { DatasetField, DatasetInfo, FieldMapping } from '../../../shared/ipc/index.js';

/** A model input or output: its name and shape (batch axis first). */
export interface ModelPort {
  name: string;
  shape: Shape;
}

type LossKind = 'sparse' | 'categorical' | 'binary' | 'other';

function lossKind(loss: string): LossKind {
  const plain = loss.toLowerCase().replace(/_/g, '');
  if (plain.includes('sparsecategorical')) return 'sparse';
  if (plain.includes('categorical')) return 'categorical';
  if (plain.includes('binary')) return 'binary';
  return 'other';
}

const batched = (sample: readonly (number | null)[]): string => formatShape([null, ...sample]);
const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');
const elements = (shape: readonly (number | null)[]): number | null =>
  shape.every((d): d is number => d !== null) ? shape.reduce((a, b) => a * b, 1) : null;

/** Same rank and every known dimension equal; a scalar sample and a sample of one value count as the same. */
function shapesFit(want: readonly (number | null)[], have: readonly number[]): boolean {
  const squeeze = (s: readonly (number | null)[]) => (s.length === 1 && s[0] === 1 ? [] : s);
  const [w, h] = [squeeze(want), squeeze(have)];
  return w.length === h.length && w.every((d, i) => d === null || d === h[i]);
}

function assign(ports: ModelPort[], candidates: DatasetField[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  const names = new Set(candidates.map((f) => f.name));
  for (const port of ports) if (names.has(port.name)) mapping[port.name] = port.name;
  const freePorts = ports.filter((p) => !(p.name in mapping));
  const used = new Set(Object.values(mapping));
  const freeFields = candidates.filter((f) => !used.has(f.name));
  if (freePorts.length === 1 && freeFields.length === 1) mapping[freePorts[0]!.name] = freeFields[0]!.name;
  return mapping;
}

/**
 * Which field feeds each model input and output: a field with the same name first, then the
 * one remaining feature for the one remaining input and the one remaining label for the one
 * remaining output. What stays unmatched is left out (fitProblems names it).
 */
export function autoMapping(info: DatasetInfo, inputs: ModelPort[], outputs: ModelPort[]): FieldMapping {
  return {
    inputs: assign(inputs, info.fields.filter((f) => f.role === 'feature')),
    outputs: assign(outputs, info.fields.filter((f) => f.role === 'label')),
  };
}

function fieldFor(info: DatasetInfo, what: string, mapped: string | undefined, problems: string[]): DatasetField | null {
  const names = info.fields.map((f) => f.name);
  if (mapped === undefined) {
    problems.push(`${what} is fed by no dataset field; choose one of the dataset's fields ${quoted(names)}`);
    return null;
  }
  const field = info.fields.find((f) => f.name === mapped);
  if (!field) problems.push(`${what} is mapped to field '${mapped}', which dataset '${info.name}' does not have; its fields are ${quoted(names)}`);
  return field ?? null;
}

/**
 * A field fits an input of the same shape, or of another shape with as many values per
 * sample: a run reshapes it (28×28 images into a 784-wide input), as the command line does.
 */
/**
 * How a field's samples feed a model input whose samples are `want`: as they are, reshaped
 * (the same number of values, as a flat 784 feeds a 28×28 input and the reverse), or not at all.
 * The fit check and the training process both decide by this.
 */
export function inputFeed(want: readonly (number | null)[], have: readonly number[]): 'as-is' | 'reshaped' | null {
  if (want.length === have.length && want.every((d, i) => d === null || d === have[i])) return 'as-is';
  const size = elements(want);
  return size !== null && size === elements(have) ? 'reshaped' : null;
}

function inputProblem(input: ModelPort, field: DatasetField): string | null {
  if (inputFeed(input.shape.slice(1), field.shape) !== null) return null;
  return `input '${input.name}' expects ${formatShape(input.shape)}; field '${field.name}' is ${batched(field.shape)}`;
}

function outputProblem(output: ModelPort, field: DatasetField, classNames: string[] | null, loss: string | undefined): string | null {
  const sample = output.shape.slice(1);
  const units = sample[sample.length - 1] ?? null;
  const kind = loss === undefined ? null : lossKind(loss);
  const classes = classNames?.length ?? 0;
  const indices = classNames !== null && field.dtype === 'int32' && shapesFit([], field.shape);
  const oneHot = classNames !== null && field.dtype === 'float32' && field.shape.length === 1 && field.shape[0] === classes;
  const head = `output '${output.name}' is ${formatShape(output.shape)}`;
  if (indices) {
    if (kind === 'categorical') {
      return `${head} and trained with ${loss}, which expects one-hot labels ${batched([classes])}; field '${field.name}' holds class indices ${batched(field.shape)}: turn on one-hot labels in the dataset, or use sparse_categorical_crossentropy`;
    }
    if (kind === 'other' || sample.length !== 1 || units === null) {
      return shapesFit(sample, field.shape) ? null : `${head}; field '${field.name}' holds class indices ${batched(field.shape)}${loss ? ` and ${loss} compares them value by value` : ''}`;
    }
    if (units === 1) {
      return classes === 2 ? null : `${head}: 1 unit gives a yes/no answer, and field '${field.name}' has ${classes} classes: give the output ${classes} units`;
    }
    return units === classes ? null : `${head}: ${units} units, and field '${field.name}' has ${classes} classes (${quoted(classNames!.slice(0, 5))}${classes > 5 ? ', …' : ''}): give the output ${classes} units`;
  }
  if (oneHot && kind === 'sparse') {
    return `${head} and trained with ${loss}, which expects class indices ${batched([])}; field '${field.name}' holds one-hot labels ${batched(field.shape)}: turn off one-hot labels in the dataset, or use categorical_crossentropy`;
  }
  return shapesFit(sample, field.shape) ? null : `${head}; field '${field.name}' is ${batched(field.shape)}`;
}

/**
 * What keeps the dataset from feeding the model through `mapping`: unmapped or unknown
 * fields, input shapes, class labels against output units and the loss (`lossByOutput`:
 * a loss name or class name per output, from the model's compile()).
 */
export function fitProblems(info: DatasetInfo, mapping: FieldMapping, inputs: ModelPort[], outputs: ModelPort[], lossByOutput: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  for (const input of inputs) {
    const field = fieldFor(info, `input '${input.name}'`, mapping.inputs[input.name], problems);
    const problem = field && inputProblem(input, field);
    if (problem) problems.push(problem);
  }
  for (const output of outputs) {
    const field = fieldFor(info, `output '${output.name}'`, mapping.outputs[output.name], problems);
    const problem = field && outputProblem(output, field, info.classNames, lossByOutput[output.name]);
    if (problem) problems.push(problem);
  }
  return problems;
}
