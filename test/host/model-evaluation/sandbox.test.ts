import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize } from '../../../electron/engine/graph/summary.js';
import { evaluateModelFile, evaluateModelSource, ModelFileError } from '../../../electron/host/model-evaluation/index.js';

const MNIST = `import { Input, Model, layers } from 'strata';
const inputs = Input({ shape: [784], name: 'img' });
let x = layers.Dense(64, { activation: 'relu' })(inputs);
x = layers.Dense(64, { activation: 'relu' })(x);
const outputs = layers.Dense(10)(x);
const model = Model({ inputs, outputs, name: 'mnist_model' });
model.summary();
export default model;
`;

/** Evaluates and returns the ModelFileError it must throw. */
async function failure(source: string, options: Parameters<typeof evaluateModelSource>[1] = {}): Promise<ModelFileError> {
  try {
    await evaluateModelSource(source, { fileName: 'models/bad.ts', ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  throw new Error('expected the evaluation to fail');
}

const tmp = mkdtempSync(join(tmpdir(), 'strata-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('evaluateModelSource', () => {
  it('evaluates the MNIST model in the sandbox and rebuilds it in the host', async () => {
    const { model, config, logs, millis } = await evaluateModelSource(MNIST, { fileName: 'mnist_model.ts' });
    const summary = summarize(model);
    expect(summary.totalParams).toBe(784 * 64 + 64 + (64 * 64 + 64) + (64 * 10 + 10));
    expect(summary.totalParams).toBe(55_050);
    expect(model.name).toBe('mnist_model');
    expect(model.layers.map((l) => l.name)).toEqual(['img', 'dense', 'dense_1', 'dense_2']);
    expect(config.class_name).toBe('Functional');
    expect((config.config as { name: string }).name).toBe('mnist_model');
    expect(millis).toBeGreaterThan(0);
    // model.summary() printed through console.log, captured.
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('Model: "mnist_model"');
    expect(logs[0]).toContain('dense_2 (Dense)');
    expect(logs[0]).toMatch(/Total params: 55,?050/);
  });

  it('captures console.log, warn and error with their arguments', async () => {
    const { logs } = await evaluateModelSource(
      `import { Input, Model, layers } from 'strata';
const inputs = Input({ shape: [3] });
console.log('hello', 42, [1, 2], { a: 'b' });
console.warn('careful');
console.error(new Error('shown, not thrown'));
export default Model({ inputs, outputs: layers.Dense(2)(inputs) });
`,
    );
    expect(logs).toEqual(['hello 42 [1, 2] { a: "b" }', 'careful', 'Error: shown, not thrown']);
  });

  it('resets layer names for every evaluation', async () => {
    const first = await evaluateModelSource(MNIST);
    const second = await evaluateModelSource(MNIST);
    const names = ['img', 'dense', 'dense_1', 'dense_2'];
    expect(first.model.layers.map((l) => l.name)).toEqual(names);
    expect(second.model.layers.map((l) => l.name)).toEqual(names);
  });

  it('reports a shape error at the line and column of the offending call, with the layer name', async () => {
    const e = await failure(`import { Input, Model, layers } from 'strata';
const inputs = Input({ shape: [784] });
const dense = layers.Dense(64, { activation: 'relu' });
const x = dense(inputs);
const other = Input({ shape: [10] });
const y = dense(other);
export default Model({ inputs, outputs: x });
`);
    expect(e.kind).toBe('evaluation');
    expect(e.layerName).toBe('dense');
    expect(e.message).toContain('Input 0 of layer "dense" is incompatible with the layer');
    expect(e.message).toContain('784');
    expect(e.message).toContain('(None, 10)');
    expect({ file: e.file, line: e.line, column: e.column }).toEqual({ file: 'models/bad.ts', line: 6, column: 11 });
  });

  it('locates an engine error raised inside a function of the model file at the innermost call', async () => {
    const e = await failure(`import { Input, Model, layers } from 'strata';
const dense = layers.Dense(64);
function head(t: any) {
  const h = dense(t);
  return layers.Activation('relu')(h);
}
const a = head(Input({ shape: [784] }));
const b = head(Input({ shape: [10] }));
export default Model({ inputs: a, outputs: b });
`);
    expect(e.layerName).toBe('dense');
    expect([e.line, e.column]).toEqual([4, 13]);
  });

  it('locates errors in layer options at the layer call', async () => {
    const e = await failure(`import { Input, Model, layers } from 'strata';
const inputs = Input({ shape: [784] });
let x = layers.Dense(-3)(inputs);
export default Model({ inputs, outputs: x });
`);
    expect(e.kind).toBe('evaluation');
    expect(e.layerName).toBe('dense');
    expect(e.message).toContain('units');
    expect(e.line).toBe(3);
    expect(e.column).toBeGreaterThanOrEqual(9); // `layers.Dense(-3)`: points into the call
    expect(e.column).toBeLessThanOrEqual(16);
  });

  it('reports a syntax error with its location', async () => {
    const e = await failure(`import { Input } from 'strata';
const inputs = Input({ shape: [784] );
`);
    expect(e.kind).toBe('syntax');
    expect(e.message).toMatch(/Expected "}" but found "\)"/);
    expect([e.file, e.line, e.column]).toEqual(['models/bad.ts', 2, 37]); // the `)`
    expect(String(e)).toBe(`models/bad.ts:2:37 - ${e.message}`);
  });

  it('reports a ReferenceError at the reference', async () => {
    const e = await failure(`import { Input } from 'strata';
const inputs = Input({ shape: [784] });
const x = undefinedThing + 1;
`);
    expect(e.kind).toBe('evaluation');
    expect(e.message).toMatch(/^ReferenceError: .*undefinedThing/);
    expect(e.line).toBe(3);
  });

  it("refuses to import anything but 'strata', naming the module", async () => {
    const e = await failure(`import { Input } from 'strata';
import { writeFileSync } from 'fs';
writeFileSync('x.txt', 'y');
`);
    expect(e.kind).toBe('evaluation');
    expect(e.message).toContain('"fs"');
    expect(e.message).toContain("only 'strata'");
    expect(e.line).toBe(2);

    const r = await failure(`const cp = require('child_process');\n`);
    expect(r.message).toContain('"child_process"');
    expect([r.line, r.column]).toEqual([1, 12]);
  });

  it('refuses an import even when the model code catches the refusal', async () => {
    const e = await failure(`import { Input, Model, layers } from 'strata';
try { require('os'); } catch {}
const inputs = Input({ shape: [3] });
export default Model({ inputs, outputs: layers.Dense(2)(inputs) });
`);
    expect(e.message).toContain('"os"');
    expect(e.line).toBe(2);
  });

  it('says clearly when the default export is missing or not a model', async () => {
    const none = await failure(`import { Input, layers } from 'strata';
const inputs = Input({ shape: [3] });
export const outputs = layers.Dense(2)(inputs);
`);
    expect(none.kind).toBe('export');
    expect(none.message).toMatch(/^The model file's default export must be a model made with Model\(\) or Sequential\(\); it exports /);
    expect(none.message).toContain('outputs');
    expect(none.message).toContain('no default');

    const layer = await failure(`import { layers } from 'strata';
const dense = layers.Dense(3);
export default dense;
`);
    expect(layer.kind).toBe('export');
    expect(layer.message).toContain('it exports a Dense layer ("dense")');
    expect([layer.line, layer.column]).toEqual([3, 1]);

    const tensor = await failure(`import { Input } from 'strata';\nexport default Input({ shape: [3] });\n`);
    expect(tensor.message).toContain('it exports a symbolic tensor');

    const number = await failure(`export default 42;\n`);
    expect(number.message).toContain('it exports a number (42)');
  });

  it('accepts a Sequential model', async () => {
    const { model } = await evaluateModelSource(`import { Sequential, layers } from 'strata';
const model = Sequential([layers.Dense(8, { inputShape: [4], activation: 'relu' }), layers.Dropout(0.5), layers.Dense(2)], { name: 'seq' });
export default model;
`);
    expect(model.className).toBe('Sequential');
    expect(summarize(model).totalParams).toBe(4 * 8 + 8 + 8 * 2 + 2);
  });

  it('evaluates model files side by side, each with its own names', async () => {
    const results = await Promise.all([MNIST, MNIST, MNIST].map((source) => evaluateModelSource(source)));
    for (const { model } of results) expect(model.layers.map((l) => l.name)).toEqual(['img', 'dense', 'dense_1', 'dense_2']);
  });

  it('builds deep models (the engine walks graphs recursively)', async () => {
    const { model } = await evaluateModelSource(`import { Input, Model, layers } from 'strata';
const inputs = Input({ shape: [4] });
let x = inputs;
for (let i = 0; i < 800; i++) x = layers.Dense(4)(x);
export default Model({ inputs, outputs: x });
`, { timeoutMs: 30_000 });
    expect(model.layers).toHaveLength(801);
  });

  it('says why a custom layer without call() cannot leave the model file', async () => {
    const e = await failure(`import { Input, Model, layers, registerLayer } from 'strata';
class Scale extends layers.Layer {
  override computeOutputShape(shape: any) { return shape; }
}
registerLayer('Scale', Scale as any);
const inputs = Input({ shape: [3] });
export default Model({ inputs, outputs: new Scale({})(inputs) });
`);
    expect(e.kind).toBe('evaluation');
    expect(e.layerName).toBe('scale');
    expect(e.message).toContain('Custom layer(s) "scale" (Scale) cannot leave the model file');
    expect(e.message).toContain('define no call() to trace');
    expect(e.line).toBe(7);
  });

  it('keeps what was printed before an error', async () => {
    const e = await failure(`console.log('before');\nthrow new Error('boom');\n`);
    expect(e.message).toBe('boom');
    expect(e.logs).toEqual(['before']);
    expect([e.line, e.column]).toEqual([2, 11]); // where the Error was made, as in V8
  });

  it('checks its options', async () => {
    await expect(evaluateModelSource(MNIST, { timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be a positive number/);
    await expect(evaluateModelSource(42 as unknown as string)).rejects.toThrow(/as a string; received number/);
  });
});

describe('evaluateModelFile', () => {
  it('reads and evaluates a file, naming it in errors', async () => {
    const good = join(tmp, 'mnist_model.ts');
    writeFileSync(good, MNIST);
    const { model } = await evaluateModelFile(good);
    expect(summarize(model).totalParams).toBe(55_050);

    const bad = join(tmp, 'bad.ts');
    writeFileSync(bad, 'const x = ;\n');
    await expect(evaluateModelFile(bad)).rejects.toMatchObject({ kind: 'syntax', file: bad, line: 1, column: 11 });
  });

  it('says what it expected when the file is missing', async () => {
    const missing = join(tmp, 'nope.ts');
    await expect(evaluateModelFile(missing)).rejects.toThrow(
      `Expected a path to a .ts model file, received "${missing}", which does not exist.`,
    );
    await expect(evaluateModelFile(tmp)).rejects.toThrow(/which is a folder/);
    await expect(evaluateModelFile('')).rejects.toThrow(/Expected a path to a \.ts model file, received ""/);
  });
});
