/**
 * Random damage, drawn with a fixed seed: hundreds of mutations (flipped bits, cuts, inserted
 * garbage) of a small valid model, as a whole .keras file, inside its config.json or its
 * model.weights.h5 (re-zipped, so that they pass the CRC check and reach the parsers), and as a
 * legacy .h5 file. Every one ends in a model that loads and predicts, or in a StrataError that
 * names the file; none hangs; and after each the valid file still loads, with the same outputs
 * (the HDF5 library survived whatever the damaged file did to it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../electron/engine/graph/errors.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { loadModelFile } from '../../../electron/engine/io/model-file.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { members, predictOnes, saved, tinyModel, written, zip } from './hostile-files.js';

const MUTATIONS = 300;
/** A damaged file is never worth more than the probe's time limit and a retry. */
const MAX_MS_PER_FILE = 15_000;

function mutator(seed: number) {
  const rng = new Random(seed);
  const below = (n: number) => Math.floor(rng.uniform() * n);
  return (bytes: Uint8Array): Uint8Array => {
    switch (below(3)) {
      case 0: {
        const out = bytes.slice();
        for (let i = 1 + below(8); i > 0; i--) {
          const at = below(out.length);
          out[at] = out[at]! ^ (1 << below(8));
        }
        return out;
      }
      case 1:
        return bytes.slice(0, below(bytes.length));
      default: {
        const at = below(bytes.length);
        const garbage = Uint8Array.from({ length: 1 + below(64) }, () => below(256));
        const out = new Uint8Array(bytes.length + garbage.length);
        out.set(bytes.subarray(0, at));
        out.set(garbage, at);
        out.set(bytes.subarray(at), at + garbage.length);
        return out;
      }
    }
  };
}

const keras = saved(tinyModel(), 'fuzz.keras');
const h5 = saved(tinyModel(), 'fuzz.h5');
const kerasMembers = members(new Uint8Array(readFileSync(keras)));

const families: Array<[string, string, (damage: (bytes: Uint8Array) => Uint8Array) => Uint8Array]> = [
  ['a whole .keras file', '.keras', (damage) => damage(new Uint8Array(readFileSync(keras)))],
  ['the config.json of a .keras file', '.keras', (damage) => zip({ ...kerasMembers, 'config.json': damage(kerasMembers['config.json']!) })],
  ['the model.weights.h5 of a .keras file', '.keras', (damage) => zip({ ...kerasMembers, 'model.weights.h5': damage(kerasMembers['model.weights.h5']!) })],
  ['a legacy .h5 file', '.h5', (damage) => damage(new Uint8Array(readFileSync(h5)))],
];

describe('random damage to model files', () => {
  it.each(families.map((f, i) => [...f, i] as const))('%s: every mutation loads or is refused clearly, and the valid file still loads after', async (_, ext, damaged, seed) => {
    resetNames();
    const valid = ext === '.keras' ? keras : h5;
    const reference = predictOnes((await loadModelFile(valid)).model);
    const damage = mutator(1000 + seed);
    let loaded = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const path = written(`fuzz-${seed}-${i}${ext}`, damaged(damage));
      const started = performance.now();
      try {
        resetNames();
        expect(predictOnes((await loadModelFile(path)).model)).toHaveLength(2);
        loaded++;
      } catch (e) {
        expect(e, `mutation ${i}: ${(e as Error).stack}`).toBeInstanceOf(StrataError);
        expect((e as Error).message, `mutation ${i}`).toContain(path);
      }
      expect(performance.now() - started, `mutation ${i}`).toBeLessThan(MAX_MS_PER_FILE);
      resetNames();
      expect(predictOnes((await loadModelFile(valid)).model), `the valid file after mutation ${i}`).toEqual(reference);
    }
    // Some damage (in weight values, in padding) leaves a valid file; most does not.
    expect(loaded).toBeLessThan(MUTATIONS / 2);
  });
});
