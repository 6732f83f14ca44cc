import { describe, expect, it } from 'vitest';
import type { GraphEdit } from '../../../shared/ipc/index.js';
import { applyGraphEdit } from '../../../electron/host/model-code/index.js';
import { exampleCode } from './helpers.js';

const mnist = exampleCode('seeds/mnist_model.ts');

/** Two inputs through a Dense each into `add`, then an output Dense. */
const merged = [
  "import { Input, Model, layers } from 'strata';",
  "const a = Input({ shape: [8], name: 'a' });",
  "const b = Input({ shape: [8], name: 'b' });",
  "const c = Input({ shape: [8], name: 'c' });",
  'const x = layers.Dense(8)(a);',
  'const y = layers.Dense(8)(b);',
  'const sum = layers.add([x, y]);',
  'export default Model({ inputs: [a, b, c], outputs: layers.Dense(1)(sum) });',
  '',
].join('\n');

async function edited(code: string, edit: GraphEdit) {
  const result = await applyGraphEdit(code, 'model.ts', edit);
  if (!result.ok) expect.fail(`expected the edit to apply; got "${result.message}"`);
  return result;
}

async function refusal(code: string, edit: GraphEdit) {
  const result = await applyGraphEdit(code, 'model.ts', edit);
  if (result.ok) expect.fail(`expected the edit to be refused; it gave:\n${result.code}`);
  return result;
}

const names = (r: { evaluation: { graph: { nodes: Array<{ name: string }> } } }) => r.evaluation.graph.nodes.map((n) => n.name);
const outputs = (r: { evaluation: { graph: { nodes: Array<{ name: string; isOutput: boolean }> } } }) =>
  r.evaluation.graph.nodes.filter((n) => n.isOutput).map((n) => n.name);

describe('applyGraphEdit', () => {
  it('adds a layer after another, with the next automatic name, taking over its consumers', async () => {
    const result = await edited(mnist, { type: 'addLayer', className: 'Dense', options: { units: 32, activation: 'relu' }, after: 'dense_1' });
    expect(names(result)).toEqual(['input_layer', 'dense', 'dense_1', 'dense_3', 'dense_2']);
    expect(result.code).toContain("layers.Dense(32, { activation: 'relu', name: 'dense_3' })(dense1)");
    expect(result.evaluation.graph.edges).toContainEqual({ from: 'dense_3', to: 'dense_2', call: 0, port: 0 });
    expect(result.evaluation.graph.nodes.find((n) => n.name === 'dense_2')!.inputShape).toBe('(None, 32)');
    // The compile() call survives the edit.
    expect(result.code).toContain('loss: losses.SparseCategoricalCrossentropy({ fromLogits: true })');
  });

  it('adds a layer after the model output when no layer is given, making it the output', async () => {
    const result = await edited(mnist, { type: 'addLayer', className: 'Dropout', options: { rate: 0.2 } });
    expect(outputs(result)).toEqual(['dropout']);
    expect(result.code).toContain('const dropout = layers.Dropout(0.2)(dense2);');
  });

  it('refuses a layer class it does not know, and wrappers, which need a layer', async () => {
    expect((await refusal(mnist, { type: 'addLayer', className: 'Densest', options: {} })).message).toMatch(/Unknown layer class "Densest"/);
    expect((await refusal(mnist, { type: 'addLayer', className: 'TimeDistributed', options: {} })).message).toMatch(/add it in code/);
  });

  it('adds a model input', async () => {
    const result = await edited(mnist, { type: 'addInput', shape: [5] });
    expect(result.evaluation.graph.nodes.filter((n) => n.kind === 'input').map((n) => `${n.name} ${n.outputShape}`)).toEqual([
      'input_layer (None, 784)',
      'input_layer_1 (None, 5)',
    ]);
    expect(result.code).toContain('inputs: [inputLayer, inputLayer1]');
  });

  it('connects into a merge layer by adding an input, into another layer by replacing its input', async () => {
    const merge = await edited(merged, { type: 'connect', from: 'c', to: 'add' });
    expect(merge.code).toContain('layers.add([dense, dense1, c])');
    const replace = await edited(mnist, { type: 'connect', from: 'dense', to: 'dense_2' });
    // dense_1 no longer leads to the output, so it leaves the model.
    expect(names(replace)).toEqual(['input_layer', 'dense', 'dense_2']);
  });

  it('refuses a connection that makes a cycle', async () => {
    const result = await refusal(mnist, { type: 'connect', from: 'dense_2', to: 'dense' });
    expect(result.message).toMatch(/cycle|cannot obtain|refers to tensors/i);
  });

  it('disconnects an input of a merge layer, and refuses to leave a layer with no input', async () => {
    const three = await edited(merged, { type: 'connect', from: 'c', to: 'add' });
    const two = await edited(three.code, { type: 'disconnect', from: 'dense', to: 'add', port: 0 });
    expect(two.evaluation.graph.edges.filter((e) => e.to === 'add').map((e) => e.from)).toEqual(['dense_1', 'c']);
    const alone = await refusal(mnist, { type: 'disconnect', from: 'dense_1', to: 'dense_2', port: 0 });
    expect(alone).toMatchObject({ layerName: 'dense_2' });
    expect(alone.message).toContain('would leave "dense_2" with no input');
  });

  it('deletes a layer, its consumers taking its input; deleting the output makes its input the output', async () => {
    const middle = await edited(mnist, { type: 'deleteLayer', name: 'dense_1' });
    expect(names(middle)).toEqual(['input_layer', 'dense', 'dense_2']);
    expect(middle.evaluation.graph.edges).toContainEqual({ from: 'dense', to: 'dense_2', call: 0, port: 0 });
    const last = await edited(mnist, { type: 'deleteLayer', name: 'dense_2' });
    expect(outputs(last)).toEqual(['dense_1']);
  });

  it('refuses to delete an input that layers read, or a merge whose consumers take one input', async () => {
    expect(await refusal(mnist, { type: 'deleteLayer', name: 'input_layer' })).toMatchObject({ layerName: 'input_layer' });
    const merge = await refusal(merged, { type: 'deleteLayer', name: 'add' });
    expect(merge.message).toContain('it merges 2 inputs');
  });

  it('renames a layer, and refuses names that are taken or not names', async () => {
    const result = await edited(mnist, { type: 'renameLayer', name: 'dense_1', newName: 'hidden' });
    expect(names(result)).toEqual(['input_layer', 'dense', 'hidden', 'dense_2']);
    expect(result.code).toContain("layers.Dense(64, { activation: 'relu', name: 'hidden' })");
    expect((await refusal(mnist, { type: 'renameLayer', name: 'dense_1', newName: 'dense' })).message).toMatch(/already taken/);
    expect((await refusal(mnist, { type: 'renameLayer', name: 'dense_1', newName: 'two words' })).message).toMatch(/not a valid layer name/);
  });

  it('sets options from the inspector and writes only what differs from the defaults', async () => {
    const result = await edited(mnist, { type: 'setOptions', name: 'dense_1', options: { units: 32, activation: 'linear', kernelInitializer: 'he_normal' } });
    expect(result.code).toContain("const dense1 = layers.Dense(32, { kernelInitializer: 'he_normal' })(dense);");
    expect(result.evaluation.graph.nodes.find((n) => n.name === 'dense_1')!.params).toBe(64 * 32 + 32);
  });

  it('refuses unknown options, naming the class and the options it has', async () => {
    const result = await refusal(mnist, { type: 'setOptions', name: 'dense', options: { unit: 3 } });
    expect(result.message).toMatch(/^Dense has no option\(s\) "unit"; its options are units, activation, useBias/);
  });

  it('refuses an edit the engine rejects with its shape error, on the layer it names', async () => {
    const result = await refusal(merged, { type: 'setOptions', name: 'dense', options: { units: 3 } });
    expect(result.layerName).toBe('add');
    expect(result.message).toMatch(/incompatible shapes/);
  });

  it('makes a layer an output and no longer one, keeping at least one', async () => {
    const two = await edited(mnist, { type: 'setOutput', name: 'dense_1', isOutput: true });
    expect(outputs(two)).toEqual(['dense_1', 'dense_2']);
    const back = await edited(two.code, { type: 'setOutput', name: 'dense_1', isOutput: false });
    expect(outputs(back)).toEqual(['dense_2']);
    expect((await refusal(mnist, { type: 'setOutput', name: 'dense_2', isOutput: false })).message).toMatch(/only output/);
  });

  it('edits a Sequential model as the functional model it stands for', async () => {
    const result = await edited(exampleCode('seeds/seq_model.ts'), { type: 'deleteLayer', name: 'dense_1' });
    expect(result.evaluation.graph.nodes.map((n) => n.name)).toEqual(['input_layer', 'dense', 'dense_2']);
  });

  it('refuses edits inside nested models, to custom-layer models and to code with errors', async () => {
    const nested = await refusal(exampleCode('seeds/autoencoder_nested.ts'), { type: 'renameLayer', name: 'conv2d', newName: 'first' });
    expect(nested.message).toContain('inside the nested model "encoder"');
    const custom = await refusal(exampleCode('seeds/custom_dense.ts'), { type: 'deleteLayer', name: 'custom_dense' });
    expect(custom.message).toBe('This model defines custom layers (CustomDense); edit it as code.');
    const broken = await refusal('const x = ;\n', { type: 'deleteLayer', name: 'dense' });
    expect(broken.message).toMatch(/^The model code has errors; fix them before editing the graph\. Line 1:/);
  });
});
