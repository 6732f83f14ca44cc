import { describe, expect, it } from 'vitest';
import { evaluateForStudio } from '../../../electron/host/model-code/index.js';
import { evaluated, exampleCode } from './helpers.js';

describe('evaluateForStudio', () => {
  it('draws the MNIST model as four nodes named as the engine names them, joined by its tensors', async () => {
    const result = await evaluated(exampleCode('seeds/mnist_model.ts'), 'mnist_model.ts');
    const nodes = result.graph.nodes.map((n) => [n.name, n.className, n.kind, n.outputShape, n.params, n.isOutput]);
    expect(nodes).toEqual([
      ['input_layer', 'InputLayer', 'input', '(None, 784)', 0, false],
      ['dense', 'Dense', 'layer', '(None, 64)', 50_240, false],
      ['dense_1', 'Dense', 'layer', '(None, 64)', 4_160, false],
      ['dense_2', 'Dense', 'layer', '(None, 10)', 650, true],
    ]);
    expect(result.graph.edges).toEqual([
      { from: 'input_layer', to: 'dense', call: 0, port: 0 },
      { from: 'dense', to: 'dense_1', call: 0, port: 0 },
      { from: 'dense_1', to: 'dense_2', call: 0, port: 0 },
    ]);
    expect(result.graph.nodes.every((n) => n.editable)).toBe(true);
    expect(result.graph.nodes[1]!.options).toMatchObject({ units: 64, activation: 'relu', useBias: true, kernelInitializer: 'glorot_uniform' });
    expect(result.graph.nodes[1]!.inputShape).toBe('(None, 784)');
    expect(result.summary).toMatchObject({ name: 'mnist_model', totalParams: 55_050, trainableParams: 55_050, nonTrainableParams: 0 });
    expect(result.summary.rows.map((r) => r.name)).toEqual(['input_layer', 'dense', 'dense_1', 'dense_2']);
    expect(result.config).toMatchObject({ class_name: 'Functional', config: { name: 'mnist_model' } });
    expect(result.logs.join('\n')).toContain('Model: "mnist_model"');
    expect(result.readOnlyReason).toBeUndefined();
  });

  it('counts the calls of a shared layer and draws an edge for each', async () => {
    const result = await evaluated(exampleCode('seeds/shared_dense_twice.ts'));
    const shared = result.graph.nodes.find((n) => n.name === 'dense')!;
    expect(shared.calls).toBe(2);
    expect(result.graph.edges.filter((e) => e.to === 'dense')).toEqual([
      { from: 'input_layer', to: 'dense', call: 0, port: 0 },
      { from: 'dense', to: 'dense', call: 1, port: 0 },
    ]);
  });

  it('numbers the ports of a merge layer in the order of its inputs', async () => {
    const result = await evaluated(exampleCode('seeds/toy_resnet.ts'));
    expect(result.graph.edges.filter((e) => e.to === 'add')).toEqual([
      { from: 'conv2d_3', to: 'add', call: 0, port: 0 },
      { from: 'max_pooling2d', to: 'add', call: 0, port: 1 },
    ]);
  });

  it('shows a nested model as one node holding its own graph, which the graph view does not edit', async () => {
    const result = await evaluated(exampleCode('seeds/autoencoder_nested.ts'));
    expect(result.graph.nodes.map((n) => `${n.name} ${n.className} ${n.kind}`)).toEqual(['img InputLayer input', 'encoder Functional model', 'decoder Functional model']);
    const encoder = result.graph.nodes[1]!;
    expect(encoder.params).toBe(18_672);
    expect(encoder.outputShape).toBe('(None, 16)');
    expect(encoder.children!.nodes.map((n) => n.name)).toEqual(['original_img', 'conv2d', 'conv2d_1', 'max_pooling2d', 'conv2d_2', 'conv2d_3', 'global_max_pooling2d']);
    expect(encoder.children!.nodes.every((n) => !n.editable)).toBe(true);
    expect(encoder.children!.edges).toHaveLength(6);
    expect(result.graph.edges).toEqual([
      { from: 'img', to: 'encoder', call: 0, port: 0 },
      { from: 'encoder', to: 'decoder', call: 0, port: 0 },
    ]);
  });

  it('reports a shape error at the line and column of the call that caused it, naming the layer', async () => {
    const code = [
      "import { Input, Model, layers } from 'strata';",
      'const a = Input({ shape: [8] });',
      'const b = Input({ shape: [8] });',
      'const x = layers.Dense(4)(a);',
      'const y = layers.Dense(3)(b);',
      'const sum = layers.add([x, y]);',
      'export default Model({ inputs: [a, b], outputs: layers.Dense(1)(sum) });',
      '',
    ].join('\n');
    const result = await evaluateForStudio(code, 'broken.ts');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics).toHaveLength(1);
    const [problem] = result.diagnostics;
    expect(problem).toMatchObject({ severity: 'error', kind: 'evaluation', line: 6, column: 20, layerName: 'add' });
    expect(problem!.message).toMatch(/incompatible shapes.*\(None, 4\).*\(None, 3\)/);
  });

  it('answers bad code with diagnostics instead of throwing', async () => {
    const syntax = await evaluateForStudio("import { Input } from 'strata';\nconst x = ;\n", 'syntax.ts');
    expect(syntax).toMatchObject({ ok: false, diagnostics: [{ kind: 'syntax', line: 2 }] });
    const notAModel = await evaluateForStudio('export default 42;\n', 'number.ts');
    expect(notAModel).toMatchObject({ ok: false, diagnostics: [{ kind: 'export' }] });
  });

  it('marks a model with custom layers read-only for the graph view', async () => {
    const result = await evaluated(exampleCode('seeds/custom_dense.ts'));
    expect(result.readOnlyReason).toBe('This model defines custom layers (CustomDense); edit it as code.');
    expect(result.graph.nodes.find((n) => n.className === 'CustomDense')!.editable).toBe(false);
  });
});
