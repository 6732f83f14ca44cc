/**
 * The round-trip check shared by round-trip.test.ts (a model per layer class) and
 * round-trip-seeds.slow.test.ts (the example model files): a model with non-trivial weights
 * is saved as .keras and as .h5, loaded back in a fresh naming scope, and must come back the
 * same in every way a user can see — config, weights bit for bit, predictions, and for a
 * compiled model the optimizer state, so that training resumes with the same losses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ObjectSpec } from '../../../electron/engine/graph/compile-config.js';
import { modelToConfig } from '../../../electron/engine/graph/deserialize.js';
import type { Functional } from '../../../electron/engine/graph/functional.js';
import { uniqueWeights } from '../../../electron/engine/graph/layer.js';
import { resetNames } from '../../../electron/engine/graph/naming.js';
import type { SerializedLayer } from '../../../electron/engine/graph/serialize.js';
import { loadModelFile, saveModel } from '../../../electron/engine/io/model-file.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import type { ArrayData } from '../../../electron/engine/training/data-adapter.js';
import { lossSpec } from '../../../electron/engine/training/losses.js';
import { optimizerState } from '../../../electron/engine/training/optimizer-state.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { getWeights, setWeights } from '../../../electron/engine/training/weights.js';

export interface RoundTripOptions {
  /** Samples in the random batches. */
  samples?: number;
  /** The length given to axes the model leaves open (sequence lengths). */
  openLength?: number;
  /** Exclusive upper bound of the ids fed to integer inputs (an Embedding's input_dim). */
  ids?: number;
  /**
   * Predictions and training are not compared for a model the engine cannot run yet, given as
   * the error it raises (the check then fails the day it runs), or for one too large to run
   * here; the reason goes in the test name.
   */
  noPredictions?: RegExp | 'too large';
}

/**
 * A random batch for every model input (of the model's own batch size where it has one): ids
 * for integer inputs, values in [-1, 1) for the others.
 */
export function randomInputs(model: Functional, rng: Random, options: RoundTripOptions = {}): ArrayData[] {
  const n = model.inputs.find((t) => t.shape[0] !== null)?.shape[0] ?? options.samples ?? 4;
  return model.inputs.map((t) => {
    const shape = [n, ...t.shape.slice(1).map((d) => d ?? options.openLength ?? 5)];
    const size = shape.reduce((a, b) => a * b, 1);
    const integer = t.dtype.startsWith('int');
    const data = new Float32Array(size).map(() => (integer ? rng.int(options.ids ?? 2) : rng.uniform(-1, 1)));
    return { shape, data };
  });
}

const batchOf = (x: ArrayData[]) => x[0]!.shape[0]!;

/** Whether output `i` is trained on class ids (a sparse loss) rather than on values. */
function sparseTargets(model: Functional, i: number): boolean {
  const loss = model.compileConfig?.loss ?? null;
  const own = Array.isArray(loss) ? loss[i] : loss !== null && typeof loss === 'object' && !('className' in loss) ? (loss as Record<string, string | ObjectSpec>)[model.outputNames[i]!] : loss;
  return own !== undefined && own !== null && lossSpec(own as string | ObjectSpec).sparseTargets;
}

/** Random targets shaped like the predictions: class ids for a sparse loss, values in [0, 1) (valid for every other loss) otherwise. */
function randomTargets(model: Functional, predictions: ArrayData[], rng: Random): ArrayData[] {
  return predictions.map((out, i) => {
    if (!sparseTargets(model, i)) return { shape: out.shape, data: out.data.map(() => rng.uniform()) };
    const classes = out.shape[out.shape.length - 1]!;
    const shape = out.shape.slice(0, -1);
    return { shape, data: new Float32Array(out.data.length / classes).map(() => rng.int(classes)) };
  });
}
/** Two batches per epoch, unless the model fixes its batch size. */
const fitBatch = (model: Functional, x: ArrayData[]) => model.inputs[0]!.shape[0] ?? Math.ceil(batchOf(x) / 2);

/**
 * Gives the model weights that no initializer would: a short fit on random targets when it is
 * compiled and can run (which also trains BatchNormalization's moving statistics and leaves
 * optimizer state); otherwise every initial value scaled by a random factor in [0.5, 1.5)
 * plus a little noise, which keeps activations in range and a moving variance positive.
 */
export function perturbWeights(model: Functional, x: ArrayData[], rng: Random, runs = true): void {
  if (model.compileConfig && runs) {
    const trainer = new Trainer(model, 3);
    const y = randomTargets(model, trainer.predict(x, { batchSize: batchOf(x) }), rng);
    trainer.fit(x, y, { epochs: 2, batchSize: fitBatch(model, x), verbose: 0 });
    return;
  }
  setWeights(
    model,
    getWeights(model).map((values) => values.map((v) => v * rng.uniform(0.5, 1.5) + rng.uniform(-0.01, 0.01))),
  );
}

/**
 * Where two lists of arrays first differ bit for bit, or null when they do not: a readable
 * failure, and fast on the hundreds of millions of values of the largest models (a deep
 * toEqual walks typed arrays key by key).
 */
function firstDifference(actual: Float32Array[], expected: Float32Array[]): string | null {
  if (actual.length !== expected.length) return `${actual.length} arrays where ${expected.length} were expected`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a.length !== e.length) return `array ${i} has ${a.length} values where ${e.length} were expected`;
    const aBits = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const eBits = new Uint32Array(e.buffer, e.byteOffset, e.length);
    for (let j = 0; j < eBits.length; j++) {
      if (aBits[j] !== eBits[j]) return `array ${i} first differs at index ${j}: ${a[j]} where ${e[j]} was expected`;
    }
  }
  return null;
}

function expectSameArrays(actual: ArrayData[], expected: ArrayData[], what: string): void {
  expect(actual.map((a) => a.shape), `${what}: shapes`).toEqual(expected.map((e) => e.shape));
  expect(firstDifference(actual.map((a) => a.data as Float32Array), expected.map((e) => e.data as Float32Array)), what).toBeNull();
}

/**
 * The optimizer's state by weight path, comparable across two models with the same layer
 * names. The learning rate and Nadam's momentum product are compared as float32: the trainer
 * keeps them as doubles, files hold them as Keras' float32 variables, and the optimizer
 * kernel reads both as float32 (the losses of further training are compared exactly).
 */
function comparableState(model: Functional) {
  const state = optimizerState(model);
  if (!state) return undefined;
  const slots = uniqueWeights(model.weights).flatMap((w) => [...(state.slots.get(w) ?? new Map<string, Float32Array>())].map(([slot, values]) => ({ slot: `${w.path} ${slot}`, values })));
  return {
    scalars: { iterations: state.iterations, learningRate: state.learningRate === null ? null : Math.fround(state.learningRate), uProduct: Math.fround(state.uProduct) },
    slots: slots.map((s) => s.slot),
    values: slots.map((s) => ({ shape: [s.values.length], data: s.values })),
  };
}

interface Expected {
  config: SerializedLayer;
  weights: Float32Array[];
  predictions: ArrayData[] | null;
}

/**
 * The legacy `.h5` file holds `model_config` as `{class_name, config}` and `training_config`
 * for `compile_config`; the loaded model regenerates the rest (`module`, `registered_name`,
 * `build_config`) from its rebuilt graph, so from either file its full config must equal the
 * original's.
 */
function expectSameModel(loaded: Functional, original: Functional, expected: Expected, x: ArrayData[], format: string): void {
  expect(modelToConfig(loaded), `${format}: config`).toEqual(expected.config);
  expect(firstDifference(getWeights(loaded), expected.weights), `${format}: weights`).toBeNull();
  if (expected.predictions) expectSameArrays(new Trainer(loaded, 11).predict(x, { batchSize: batchOf(x) }), expected.predictions, `${format}: predictions`);
  const state = comparableState(original);
  const restored = comparableState(loaded);
  if (!state) {
    // An optimizer that never stepped is written as a fresh one (its initial slots), and reads back so.
    expect(restored?.scalars.iterations ?? 0, `${format}: optimizer iterations`).toBe(0);
    return;
  }
  expect(restored?.scalars, `${format}: optimizer state`).toEqual(state.scalars);
  expect(restored!.slots, `${format}: optimizer slots`).toEqual(state.slots);
  expectSameArrays(restored!.values, state.values, `${format}: optimizer slot values`);
}

/** The model saved under `fileName` and loaded back in a fresh naming scope; the file (hundreds of MB for the largest) is deleted. */
async function saveAndLoad(model: Functional, fileName: string) {
  const folder = mkdtempSync(join(tmpdir(), 'strata-round-trip-'));
  try {
    saveModel(model, join(folder, fileName));
    resetNames();
    return await loadModelFile(join(folder, fileName));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Saves the model as .keras and .h5, loads both back, and checks that nothing changed. */
export async function expectRoundTrip(model: Functional, name: string, options: RoundTripOptions = {}): Promise<void> {
  const rng = new Random(17);
  const x = randomInputs(model, rng, options);
  const runs = options.noPredictions === undefined;
  if (options.noPredictions instanceof RegExp) {
    expect(() => new Trainer(model, 11).predict(x), 'the model runs now: compare its predictions').toThrow(options.noPredictions);
  }
  perturbWeights(model, x, rng, runs);
  const expected: Expected = {
    config: modelToConfig(model),
    weights: getWeights(model),
    predictions: runs ? new Trainer(model, 11).predict(x, { batchSize: batchOf(x) }) : null,
  };
  // Finite, so that comparing them compares numbers.
  for (const out of expected.predictions ?? []) expect(out.data.every(Number.isFinite)).toBe(true);
  const resumes = model.compileConfig !== null && runs;
  // Else there would be no optimizer state to compare.
  if (resumes) expect(optimizerState(model)?.iterations, 'optimizer steps before saving').toBeGreaterThan(0);
  const loaded: Functional[] = [];
  for (const format of ['keras', 'h5'] as const) {
    const file = await saveAndLoad(model, `${name}.${format}`);
    expect(file.format).toBe(format);
    expect(file.warnings).toEqual([]);
    expectSameModel(file.model, model, expected, x, format);
    if (resumes) loaded.push(file.model);
  }
  if (!resumes) return;
  // Training goes on from the same optimizer state: the next epochs' losses match the original's.
  const y = randomTargets(model, expected.predictions!, rng);
  const next = (m: Functional) => new Trainer(m, 5).fit(x, y, { epochs: 2, batchSize: fitBatch(m, x), verbose: 0 }).history.loss;
  const losses = next(model);
  for (const m of loaded) expect(next(m)).toEqual(losses);
}
