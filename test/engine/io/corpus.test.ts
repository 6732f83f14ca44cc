/**
 * The real Keras files of ../shared/corpus: each does what MANIFEST.md's last column says —
 * loads with the manifest's parameter total and predicts on zeros, or is refused with the
 * reason named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { summarize } from '../../../electron/engine/graph/summary.js';
import { loadModelFile } from '../../../electron/engine/io/model-file.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { getWeights } from '../../../electron/engine/training/weights.js';

const CORPUS = join(__dirname, '../../../../shared/corpus');

interface Row {
  file: string;
  params: number | null;
  expected: string;
}

function manifest(): Row[] {
  return readFileSync(join(CORPUS, 'MANIFEST.md'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return { file: cells[1]!.replace(/`/g, ''), params: /^[\d,]+$/.test(cells[6]!) ? Number(cells[6]!.replace(/,/g, '')) : null, expected: cells[9]! };
    });
}

/** What each refusal must say, by the manifest's reason. */
const REFUSALS: Array<[RegExp, RegExp]> = [
  [/subclassed/, /subclassed Keras model .* saved without a layer graph \(its config is \{\}\)/],
  [/Lambda/, /layer "lambda_1" is a Lambda layer whose function is stored as Python bytecode/],
  [/custom class/, /MyLayers>L1/],
  [/weights-only/, /holds only weights .* no model config/],
];

beforeEach(() => resetNames());

describe('real Keras files (shared/corpus)', { timeout: 60_000 }, () => {
  const rows = manifest();
  it('lists the files the manifest names', () => {
    expect(rows.length).toBeGreaterThanOrEqual(16);
  });

  for (const row of rows) {
    if (row.expected.startsWith('load')) {
      it(`${row.file}: loads with ${row.params} parameters and predicts on zeros`, async () => {
        const { model } = await loadModelFile(join(CORPUS, row.file));
        expect(summarize(model).totalParams).toBe(row.params);
        const x = model.inputs.map((t) => {
          const shape = [2, ...t.shape.slice(1).map((d) => d ?? 4)] as number[];
          return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
        });
        const outputs = new Trainer(model).predict(x, { batchSize: 2 });
        expect(outputs).toHaveLength(model.outputs.length);
        // One file was saved after its training diverged: its weights are NaN, and so are Keras' predictions.
        const diverged = getWeights(model).some((w) => w.some(Number.isNaN));
        outputs.forEach((o, i) => {
          expect(o.shape).toEqual([2, ...model.outputs[i]!.shape.slice(1).map((d) => d ?? 4)]);
          expect(o.data.every(diverged ? Number.isNaN : Number.isFinite)).toBe(true);
        });
      });
    } else {
      const reason = REFUSALS.find(([pattern]) => pattern.test(row.expected));
      it(`${row.file}: is refused (${row.expected})`, async () => {
        expect(reason, `no refusal pattern for: ${row.expected}`).toBeDefined();
        await expect(loadModelFile(join(CORPUS, row.file))).rejects.toThrow(reason![1]);
      });
    }
  }
});
