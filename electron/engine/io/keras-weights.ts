/**
 * `model.weights.h5` of a `.keras` file: every layer's variables at `<path>/vars/<i>` (see
 * saveables.ts for the paths) and the optimizer's at `optimizer/vars/<i>`.
 */
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import { uniqueWeights, type Weight } from '../graph/layer.js';
import { toSnakeCase } from '../graph/naming.js';
import { optimizerSpec } from '../training/optimizers.js';
import { slotInitialValue } from '../training/optimizers.js';
import { kerasOptimizerVariables, optimizerState, setOptimizerState, type OptimizerVariable } from '../training/optimizer-state.js';
import { initializeWeights, setWeightValue, weightValue } from '../training/weights.js';
import { floatValues, isDataset, isGroup, readHdf5, scalarValue, writeHdf5, type H5Dataset, type H5File, type H5Group } from './hdf5.js';
import { saveableEntries, type SaveableEntry } from './saveables.js';

function optimizerVariables(model: Functional): OptimizerVariable[] {
  const compiled = model.compileConfig!;
  const spec = optimizerSpec(compiled.optimizer);
  return kerasOptimizerVariables(compiled.optimizer, spec.slots, uniqueWeights(model.weights).filter((w) => w.trainable));
}

function createGroups(file: H5File, path: string): H5Group {
  let group: H5Group = file;
  for (const part of path.split('/').filter(Boolean)) {
    const existing = group.get(part);
    group = isGroup(existing) ? existing : group.create_group(part);
  }
  return group;
}

/** Writes the variables group `<path>/vars` with its `name` attribute, as Keras does. */
function writeVars(file: H5File, path: string, name: string, values: Array<{ data: Float32Array | BigInt64Array; shape: number[] }>): void {
  const vars = createGroups(file, path).create_group('vars');
  vars.create_attribute('name', name);
  values.forEach((v, i) => {
    vars.create_dataset({ name: String(i), data: v.data, shape: v.shape, dtype: v.data instanceof BigInt64Array ? '<q' : '<f' });
  });
}

/** The optimizer's variables in Keras' order, from its state (or as a fresh optimizer has them). */
export function optimizerVariableValues(model: Functional): Array<{ name: string; data: Float32Array | BigInt64Array; shape: number[] }> {
  const optimizer = model.compileConfig!.optimizer;
  const state = optimizerState(model);
  return optimizerVariables(model).map((v, i) => {
    switch (v.kind) {
      case 'iterations':
        return { name: 'iteration', data: BigInt64Array.of(BigInt(Math.round(state?.iterations ?? 0))), shape: [] };
      case 'learning_rate':
        return { name: 'learning_rate', data: Float32Array.of(state?.learningRate ?? Number(optimizer.config.learning_rate ?? 0.001)), shape: [] };
      case 'u_product':
        return { name: 'u_product', data: Float32Array.of(state?.uProduct ?? 1), shape: [] };
      case 'slot': {
        const saved = state?.slots.get(v.weight)?.get(v.slot);
        return { name: `${i}_${v.weight.layer.name}_${v.weight.name}_${v.slot}`, data: saved ?? new Float32Array(v.weight.size).fill(slotInitialValue(optimizer, v.slot)), shape: v.weight.shape };
      }
    }
  });
}

export function writeKerasWeights(model: Functional): Uint8Array {
  initializeWeights(model, 1);
  return writeHdf5((file) => {
    for (const entry of saveableEntries(model)) {
      writeVars(file, entry.path, entry.layer.name, entry.variables.map((w) => ({ data: weightValue(w)!, shape: w.shape })));
    }
    if (!model.compileConfig) return;
    const optimizer = model.compileConfig.optimizer;
    const values = optimizerVariableValues(model);
    writeVars(file, 'optimizer', String(optimizer.config.name ?? toSnakeCase(optimizer.className)), values);
  });
}

/**
 * Every group of the file by a normalised path. Keras 2.13–2.15 wrote `.keras` files whose
 * groups are named `_layer_checkpoint_dependencies\dense` (one name with a backslash, where
 * Keras 3 has `layers/dense`); both spellings normalise to `layers/dense`.
 */
function groupIndex(file: H5File): Map<string, H5Group> {
  const index = new Map<string, H5Group>();
  const walk = (group: H5Group, path: string) => {
    for (const key of group.keys()) {
      const child = group.get(key);
      if (!isGroup(child)) continue;
      const full = path ? `${path}/${key}` : key;
      index.set(full.replace(/\\/g, '/').replace(/^_layer_checkpoint_dependencies(?=\/)/, 'layers'), child);
      walk(child, full);
    }
  };
  walk(file, '');
  return index;
}

/**
 * The file's group for each layer. Layers in a list are matched to the groups named after
 * their class by order (the k-th Dense to the k-th `dense…` group), which also reads files
 * whose counters skip numbers (Keras 2.13 wrote `dense`, `dense_2`, `dense_4`).
 */
function matchEntries(model: Functional, index: Map<string, H5Group>): Array<{ entry: SaveableEntry; vars: H5Group | null }> {
  const found = new Map<string, string>([['', '']]);
  const suffix = (name: string, base: string) => (name === base ? 0 : Number(name.slice(base.length + 1)));
  return saveableEntries(model).map((entry) => {
    let actual = entry.path;
    if (entry.parent !== null) {
      const last = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      const container = entry.path.slice(0, entry.path.length - last.length - 1);
      const holder = `${found.get(entry.parent) ?? entry.parent}${container.slice(entry.parent.length)}`;
      actual = holder ? `${holder}/${last}` : last;
      if (entry.member) {
        const { base, ordinal } = entry.member;
        const pattern = new RegExp(`^${base}(_\\d+)?$`);
        const siblings = [...index.keys()]
          .filter((p) => p.startsWith(`${holder}/`))
          .map((p) => p.slice(holder.length + 1))
          .filter((n) => pattern.test(n))
          .sort((a, b) => suffix(a, base) - suffix(b, base));
        if (siblings[ordinal] !== undefined) actual = `${holder}/${siblings[ordinal]}`;
      }
    }
    found.set(entry.path, actual);
    return { entry, vars: index.get(actual ? `${actual}/vars` : 'vars') ?? null };
  });
}

function datasetsOf(vars: H5Group): string[] {
  return vars
    .keys()
    .filter((k) => isDataset(vars.get(k)))
    .sort((a, b) => Number(a) - Number(b));
}

/**
 * Reads the weights into the model (and the optimizer state into its optimizer when the file
 * has one that fits). Returns warnings for what was skipped.
 */
export function readKerasWeights(model: Functional, bytes: Uint8Array, where: string): string[] {
  return readHdf5(bytes, `${where} (model.weights.h5)`, (file) => {
    const warnings: string[] = [];
    const index = groupIndex(file);
    for (const { entry, vars } of matchEntries(model, index)) {
      const label = `layer "${entry.layer.name}" (${entry.layer.className}${entry.path ? `, at ${entry.path}/vars` : ''})`;
      const names = vars ? datasetsOf(vars) : [];
      if (names.length !== entry.variables.length) {
        throw new ValueError(
          `${where}: ${label} has ${entry.variables.length} variable(s) (${entry.variables.map((w) => `${w.name} ${JSON.stringify(w.shape)}`).join(', ') || 'none'}), but the weights file holds ${vars ? names.length : 'no group'} for it.`,
        );
      }
      entry.variables.forEach((w, i) => {
        const dataset = vars!.get(names[i]!) as H5Dataset;
        const shape = dataset.shape ?? [];
        if (shape.length !== w.shape.length || shape.some((d, k) => d !== w.shape[k])) {
          throw new ValueError(`${where}: ${label} expects ${w.name} of shape ${JSON.stringify(w.shape)}; the file holds shape ${JSON.stringify(shape)}.`);
        }
        setWeightValue(w, floatValues(dataset, `${where}: ${label} variable ${i}`));
      });
    }
    const optimizer = index.get('optimizer/vars');
    if (model.compileConfig && optimizer) readOptimizerState(model, datasetsOf(optimizer).map((n) => optimizer.get(n) as H5Dataset), where, warnings);
    return warnings;
  });
}

/** The optimizer's variables in Keras 3 order (the file's datasets, in order), restored when they fit this model. */
export function readOptimizerState(model: Functional, datasets: H5Dataset[], where: string, warnings: string[]): void {
  const expected = optimizerVariables(model);
  if (datasets.length <= 2 && expected.length > 2) return; // saved before its first step: nothing to resume
  if (datasets.length !== expected.length) {
    warnings.push(
      `${where}: the saved optimizer state has ${datasets.length} variables where ${model.compileConfig!.optimizer.className} on this model has ${expected.length}; training starts with a fresh optimizer.`,
    );
    return;
  }
  const slots = new Map<Weight, Map<string, Float32Array>>();
  let iterations = 0;
  let learningRate: number | null = null;
  let uProduct = 1;
  for (let i = 0; i < expected.length; i++) {
    const v = expected[i]!;
    const at = `${where}: optimizer variable ${i}`;
    if (v.kind === 'iterations') iterations = scalarValue(datasets[i]!, at);
    else if (v.kind === 'learning_rate') learningRate = scalarValue(datasets[i]!, at);
    else if (v.kind === 'u_product') uProduct = scalarValue(datasets[i]!, at);
    else {
      const shape = datasets[i]!.shape ?? [];
      if (shape.length !== v.weight.shape.length || shape.some((d, k) => d !== v.weight.shape[k])) {
        warnings.push(`${where}: optimizer slot ${v.slot} of "${v.weight.path}" has shape ${JSON.stringify(shape)}, expected ${JSON.stringify(v.weight.shape)}; training starts with a fresh optimizer.`);
        return;
      }
      const values = floatValues(datasets[i]!, at);
      if (!slots.has(v.weight)) slots.set(v.weight, new Map());
      slots.get(v.weight)!.set(v.slot, values);
    }
  }
  setOptimizerState(model, { iterations, learningRate, uProduct, slots });
}
