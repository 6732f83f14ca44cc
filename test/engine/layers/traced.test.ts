import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, Sequential, layers, ops, registerLayer, type TracedTensor, type Weight } from '../../../electron/engine/frontends/dsl.js';
import {
  Functional,
  TypeError_,
  ValueError,
  deserializeLayer,
  modelFromJSON,
  modelToJSON,
  resetCustomLayers,
  resetNames,
  summarize,
  type LayerArgs,
  type SerializedLayer,
  type Shape,
} from '../../../electron/engine/graph/index.js';
import { TracedLayer } from '../../../electron/engine/layers/traced.js';

beforeEach(() => {
  resetNames();
  resetCustomLayers();
});

interface LinearArgs extends LayerArgs {
  units?: number;
}

/** The Linear layer of the Keras guide, as a model file writes it. */
class Linear extends layers.Layer {
  units: number;
  w!: Weight;
  b!: Weight;
  constructor({ units = 32, ...rest }: LinearArgs = {}) {
    super(rest);
    this.units = units;
  }
  override build(inputShape: Shape) {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[inputShape.length - 1]!, this.units], initializer: 'random_normal' });
    this.b = this.addWeight({ name: 'b', shape: [this.units], initializer: 'zeros' });
  }
  override call(inputs: TracedTensor) {
    return ops.add(ops.matmul(inputs, this.w), this.b);
  }
  override getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}

function linearModel(): Functional {
  registerLayer('Linear', Linear);
  const inputs = Input({ shape: [4] });
  const outputs = new Linear({ units: 2 })(inputs);
  return Model({ inputs, outputs });
}

/** Rows of a summary as `name (Class) shape params`. */
function rows(model: Functional): string[] {
  return summarize(model).rows.map((r) => `${r.name} (${r.className}) ${r.outputShape} ${r.params}`);
}

/** Rebuilds a model from JSON in a "process" that does not have the model file's classes. */
function rebuildWithoutClasses(json: string): Functional {
  resetCustomLayers();
  return modelFromJSON(json);
}

describe('custom layers traced from call()', () => {
  it('builds the Linear layer: output shape from the trace, 4*2+2 = 10 params', () => {
    const model = linearModel();
    expect(rows(model)).toEqual(['input_layer (InputLayer) [(None, 4)] 0', 'linear (Linear) (None, 2) 10']);
    expect(summarize(model).totalParams).toBe(10);
    expect(summarize(model).trainableParams).toBe(10);
    expect((model.outputs[0]!).dtype).toBe('float32');
  });

  it('saves its trace in build_config, weights by index', () => {
    const entry = JSON.parse(modelToJSON(linearModel())).config.layers[1];
    expect(entry.class_name).toBe('Linear');
    expect(entry.registered_name).toBe('strata>Linear');
    expect(entry.module).toBeNull();
    expect(entry.config.units).toBe(2);
    expect(entry.build_config).toEqual({
      input_shape: [null, 4],
      trace: {
        inputs: [{ shape: [null, 4], dtype: 'float32' }],
        weights: [
          {
            name: 'w',
            shape: [4, 2],
            dtype: 'float32',
            trainable: true,
            initializer: {
              module: 'keras.initializers',
              class_name: 'RandomNormal',
              config: { seed: null, mean: 0, stddev: 0.05 },
              registered_name: null,
            },
          },
          {
            name: 'b',
            shape: [2],
            dtype: 'float32',
            trainable: true,
            initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
          },
        ],
        ops: [
          { op: 'matmul', inputs: [{ input: 0 }, { weight: 0 }], attrs: {}, shape: [null, 2], dtype: 'float32' },
          { op: 'add', inputs: [{ op: 0 }, { weight: 1 }], attrs: {}, shape: [null, 2], dtype: 'float32' },
        ],
        outputs: { op: 1 },
      },
    });
  });

  it('round-trips to identical JSON when the class is registered', () => {
    const json = modelToJSON(linearModel());
    const rebuilt = modelFromJSON(json);
    expect(rebuilt.layers[1]).toBeInstanceOf(Linear);
    expect(modelToJSON(rebuilt)).toBe(json);
  });

  it('round-trips to identical JSON without the class, as a TracedLayer', () => {
    const model = linearModel();
    const json = modelToJSON(model);
    const rebuilt = rebuildWithoutClasses(json);
    const layer = rebuilt.layers[1]!;
    expect(layer).toBeInstanceOf(TracedLayer);
    expect(layer.className).toBe('Linear');
    expect(layer.getConfig()).toEqual(model.layers[1]!.getConfig());
    expect(layer.weights.map((w) => `${w.path} ${JSON.stringify(w.shape)} ${w.initializer.class_name}`)).toEqual([
      'linear/w [4,2] RandomNormal',
      'linear/b [2] Zeros',
    ]);
    expect(rows(rebuilt)).toEqual(rows(model));
    expect(modelToJSON(rebuilt)).toBe(json);
    // And again, from the rebuilt model.
    expect(modelToJSON(modelFromJSON(modelToJSON(rebuilt)))).toBe(json);
  });

  it('a TracedLayer computes shapes by replaying its ops, with their checks', () => {
    const rebuilt = rebuildWithoutClasses(modelToJSON(linearModel()));
    const layer = rebuilt.layers[1]!;
    const y = layer(Input({ shape: [4], batchSize: 8 }));
    expect(y.shape).toEqual([8, 2]);
    expect(() => layer(Input({ shape: [3] }))).toThrow(
      'Exception encountered when calling layer "linear" (Linear): Inner dimensions of ops.matmul (x1.shape[-1] and x2.shape[-2]) must be equal, but received x1.shape=(None, 3) and x2.shape=(4, 2).',
    );
    // The model it belongs to can be called on new inputs too.
    const z = rebuilt(Input({ shape: [4] }));
    expect(z.shape).toEqual([null, 2]);
  });

  it('keeps "Unknown layer class" for classes that are not registered and carry no trace', () => {
    const entry: SerializedLayer = { module: null, class_name: 'L1', config: { name: 'l1' }, registered_name: 'MyLayers>L1' };
    expect(() => deserializeLayer(entry)).toThrow(
      'Unknown layer class "MyLayers>L1" at config (layer "l1"). A custom layer\'s class must be supplied: write it in TypeScript with call() in ops and register it with `registerLayer(\'MyLayers>L1\', L1)` — in the model file itself or, for a saved model, in a file given with --custom-layers (docs/custom-layers.md).',
    );
    expect(() => deserializeLayer({ ...entry, registered_name: 'strata>L1', build_config: { input_shape: [null, 4] } })).toThrow(
      /Unknown layer class "strata>L1"/,
    );
    // A Keras package name with a trace: a custom class supplied in TypeScript for a Keras file, rebuilt from its trace.
    const json = JSON.parse(modelToJSON(linearModel()));
    const traced = json.config.layers[1];
    expect(deserializeLayer({ ...traced, registered_name: 'MyLayers>Linear' }).className).toBe('Linear');
  });

  it('checks a saved trace before using it', () => {
    const json = JSON.parse(modelToJSON(linearModel()));
    resetCustomLayers();
    const withOps = (ops: unknown) => {
      const copy = structuredClone(json);
      copy.config.layers[1].build_config.trace.ops = ops;
      copy.config.layers[1].build_config.trace.outputs = { op: 0 };
      return copy;
    };
    expect(() => modelFromJSON(withOps([{ op: 'conv', inputs: [], attrs: {}, shape: [], dtype: 'float32' }]))).toThrow(
      /^Invalid trace at model\.layers\[1\]\.build_config\.trace \(layer "linear"\): ops\[0\] names an unknown op "conv"/,
    );
    expect(() =>
      modelFromJSON(withOps([{ op: 'add', inputs: [{ input: 0 }, { op: 3 }], attrs: {}, shape: [null, 4], dtype: 'float32' }])),
    ).toThrow(/ops\[0\]\.inputs\[1\] must be \{input: i\}, \{weight: i\}, \{op: i\} \(an earlier op\) or \{const: number\}/);
    expect(() =>
      modelFromJSON(withOps([{ op: 'sum', inputs: [{ input: 0 }], attrs: { axis: 'x' }, shape: [], dtype: 'float32' }])),
    ).toThrow(/ops\.sum: `axis` must be an integer, an array of integers or null/);
  });

  it('re-traces every call, so a shared layer is checked each time', () => {
    registerLayer('Linear', Linear);
    const layer = new Linear({ units: 2 });
    layer(Input({ shape: [4] }));
    expect(() => layer(Input({ shape: [3] }))).toThrow(ValueError);
    try {
      layer(Input({ shape: [3] }));
    } catch (e) {
      expect((e as ValueError).layerName).toBe('linear');
      expect((e as Error).message).toMatch(/^Exception encountered when calling layer "linear" \(Linear\): Inner dimensions of ops\.matmul/);
    }
    // The saved trace is the first call's.
    expect(layer.getBuildConfig()!.trace!.inputs[0]!.shape).toEqual([null, 4]);
  });

  it('works inside a nested model called on new inputs', () => {
    const inner = linearModel();
    const x = Input({ shape: [4] });
    const outer = Model({ inputs: x, outputs: layers.Dense(3)(inner(x)) });
    expect(summarize(outer).totalParams).toBe(10 + 2 * 3 + 3);
    const json = modelToJSON(outer);
    expect(modelToJSON(rebuildWithoutClasses(json))).toBe(json);
  });

  it('works in a Sequential model', () => {
    registerLayer('Linear', Linear);
    const model = Sequential([new Linear({ units: 3, inputShape: [5] }), layers.Dense(1)]);
    expect(summarize(model).totalParams).toBe(5 * 3 + 3 + 3 + 1);
    const json = modelToJSON(model);
    const rebuilt = rebuildWithoutClasses(json);
    expect(rebuilt.layers.find((l) => l.className === 'Linear')).toBeInstanceOf(TracedLayer);
    expect(modelToJSON(rebuilt)).toBe(json);
  });
});

describe('misuse inside call()', () => {
  class Doubling extends layers.Layer {
    override call(inputs: TracedTensor) {
      return (inputs as unknown as number) * 2;
    }
  }
  class MathExp extends layers.Layer {
    override call(inputs: TracedTensor) {
      return Math.exp(inputs as unknown as number);
    }
  }
  class Compare extends layers.Layer {
    override call(inputs: TracedTensor) {
      return (inputs as unknown as number) > 0 ? inputs : ops.negative(inputs);
    }
  }

  it('JavaScript arithmetic, Math.* or comparisons on a traced tensor say to use ops.*', () => {
    for (const [cls, name] of [
      [Doubling, 'doubling'],
      [MathExp, 'math_exp'],
      [Compare, 'compare'],
    ] as const) {
      const x = Input({ shape: [4] });
      let error: unknown;
      try {
        new cls()(x);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError_);
      expect((error as TypeError_).layerName).toBe(name);
      expect((error as Error).message).toContain(`Layer "${name}" (${cls.name}): a traced tensor <TracedTensor shape=(None, 4), dtype=float32> was used in a JavaScript operation`);
      expect((error as Error).message).toContain('use ops.* instead, e.g. ops.multiply(x, 2) for x * 2');
    }
  });

  it('call() must return a tensor made with ops.*', () => {
    const cases: Array<[(x: TracedTensor, self: { w?: Weight }) => unknown, string]> = [
      [() => 3, 'it returned the number 3.'],
      [() => undefined, 'it returned undefined (is a `return` missing?).'],
      [(_x, self) => self.w, 'it returned the weight "returns/w".'],
      [async (x) => ops.relu(x), 'it returned a Promise (call() must not be async).'],
      [(x) => [ops.relu(x), 'y'], 'it returned an array whose element 1 is the string "y".'],
      [() => [], 'it returned an empty array.'],
    ];
    for (const [body, what] of cases) {
      resetNames();
      class Returns extends layers.Layer {
        w?: Weight;
        override build() {
          this.w = this.addWeight({ name: 'w', shape: [4] });
        }
        override call(inputs: TracedTensor) {
          return body(inputs, this) as TracedTensor;
        }
      }
      expect(() => new Returns()(Input({ shape: [4] }))).toThrow(
        `The call() method of layer "returns" (Returns) must return a tensor computed with ops.* from its inputs (or an array of such tensors); ${what}`,
      );
    }
  });

  it('tensors do not outlive a call, and weights of other layers are refused', () => {
    class Keeps extends layers.Layer {
      kept?: TracedTensor;
      override call(inputs: TracedTensor) {
        const out = this.kept ? ops.add(inputs, this.kept) : ops.relu(inputs);
        this.kept = out;
        return out;
      }
    }
    const keeps = new Keeps();
    keeps(Input({ shape: [4] }));
    expect(() => keeps(Input({ shape: [4] }))).toThrow(
      'ops.add() in layer "keeps" (Keeps) got argument 2, a tensor from an earlier call of this layer. Tensors made inside call() exist only during that call: do not keep them on the layer.',
    );
    expect(() => ops.relu(keeps.kept!)).toThrow(/ops\.relu\(\) was called with a tensor from a call of layer "keeps" \(Keeps\) that has already finished/);

    const dense = layers.Dense(2);
    dense(Input({ shape: [4] }));
    class Borrows extends layers.Layer {
      override call(inputs: TracedTensor) {
        return ops.matmul(inputs, dense.kernel!);
      }
    }
    expect(() => new Borrows()(Input({ shape: [4] }))).toThrow(
      /ops\.matmul\(\) in layer "borrows" \(Borrows\) got argument 2, the weight "dense\/kernel", which belongs to layer "dense"/,
    );
    class Missing extends layers.Layer {
      w?: Weight;
      override call(inputs: TracedTensor) {
        return ops.matmul(inputs, this.w!);
      }
    }
    expect(() => new Missing()(Input({ shape: [4] }))).toThrow(/got argument 2 = undefined; expected a tensor, a weight of the layer or a number\. If it is a weight, create it in build\(\)/);
  });
});

describe('more custom layers', () => {
  /** `alpha * a + (1 - alpha) * b`: ops on two inputs given as a list. */
  class Blend extends layers.Layer {
    alpha!: Weight;
    override build(inputShape: Shape[]) {
      if (inputShape.length !== 2) throw new ValueError(`Blend takes two inputs; received ${inputShape.length}.`);
      this.alpha = this.addWeight({ name: 'alpha', shape: [], initializer: 'ones' });
    }
    override call([a, b]: TracedTensor[]) {
      return ops.add(ops.multiply(a!, this.alpha), ops.multiply(b!, ops.subtract(1, this.alpha)));
    }
  }

  it('a custom layer can take a list of inputs', () => {
    registerLayer('Blend', Blend);
    const a = Input({ shape: [8], name: 'a' });
    const b = Input({ shape: [8], name: 'b' });
    const out = new Blend()([a, b]);
    expect(out.shape).toEqual([null, 8]);
    const model = Model({ inputs: [a, b], outputs: out });
    const s = summarize(model);
    expect(s.rows.at(-1)).toMatchObject({ name: 'blend', className: 'Blend', outputShape: '(None, 8)', params: 1, inbound: ['a[0][0]', 'b[0][0]'] });
    const trace = model.getLayer('blend').getBuildConfig()!.trace!;
    expect(trace.inputs.map((i) => i.shape)).toEqual([[null, 8], [null, 8]]);
    expect(trace.ops.map((o) => `${o.op} ${JSON.stringify(o.inputs)}`)).toEqual([
      'multiply [{"input":0},{"weight":0}]',
      'subtract [{"const":1},{"weight":0}]',
      'multiply [{"input":1},{"op":1}]',
      'add [{"op":0},{"op":2}]',
    ]);
    const json = modelToJSON(model);
    const rebuilt = rebuildWithoutClasses(json);
    expect(modelToJSON(rebuilt)).toBe(json);
    expect(() => rebuilt.getLayer('blend')(Input({ shape: [8] }))).toThrow(/was saved taking 2 input\(s\), but it was called on 1/);
  });

  /** Normalises with fixed statistics (non-trainable) and a trainable scale. */
  class Standardize extends layers.Layer {
    mean!: Weight;
    variance!: Weight;
    gamma!: Weight;
    override build(inputShape: Shape) {
      const d = inputShape[inputShape.length - 1]!;
      this.mean = this.addWeight({ name: 'mean', shape: [d], initializer: 'zeros', trainable: false });
      this.variance = this.addWeight({ name: 'variance', shape: [d], initializer: 'ones', trainable: false });
      this.gamma = this.addWeight({ name: 'gamma', shape: [d], initializer: 'ones' });
    }
    override call(x: TracedTensor) {
      const centred = ops.subtract(x, this.mean);
      return ops.multiply(ops.divide(centred, ops.sqrt(ops.add(this.variance, 1e-3))), this.gamma);
    }
  }

  it('non-trainable weights count as non-trainable, also after a round trip', () => {
    registerLayer('Standardize', Standardize);
    const x = Input({ shape: [4] });
    const model = Model({ inputs: x, outputs: layers.Dense(1)(new Standardize()(x)) });
    const s = summarize(model);
    expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([12 + 5, 4 + 5, 8]);
    const json = modelToJSON(model);
    const entry = JSON.parse(json).config.layers[1];
    expect(entry.build_config.trace.weights.map((w: { name: string; trainable: boolean }) => `${w.name}:${w.trainable}`)).toEqual([
      'mean:false',
      'variance:false',
      'gamma:true',
    ]);
    const rebuilt = rebuildWithoutClasses(json);
    const r = summarize(rebuilt);
    expect([r.totalParams, r.trainableParams, r.nonTrainableParams]).toEqual([17, 9, 8]);
    expect(modelToJSON(rebuilt)).toBe(json);
  });

  it('a frozen custom layer keeps its weights own flags in the trace', () => {
    registerLayer('Standardize', Standardize);
    const x = Input({ shape: [4] });
    const model = Model({ inputs: x, outputs: new Standardize({ trainable: false })(x) });
    expect(summarize(model).trainableParams).toBe(0);
    const json = modelToJSON(model);
    const rebuilt = rebuildWithoutClasses(json);
    expect(summarize(rebuilt).nonTrainableParams).toBe(12);
    rebuilt.layers[1]!.trainable = true;
    expect(summarize(rebuilt).trainableParams).toBe(4);
  });

  it('a custom layer can return several tensors, reduce, reshape and concatenate', () => {
    class Stats extends layers.Layer {
      override call(x: TracedTensor) {
        const mean = ops.mean(x, { axis: -1, keepdims: true });
        const spread = ops.sqrt(ops.mean(ops.square(ops.subtract(x, mean)), -1, true));
        const grid = ops.reshape(x, [-1, 2, 3]);
        return [ops.concatenate([mean, spread], -1), ops.transpose(grid, [0, 2, 1]), ops.max(x, 1)];
      }
    }
    registerLayer('Stats', Stats);
    const x = Input({ shape: [6] });
    const outs = new Stats()(x) as ReturnType<typeof Input>[];
    expect(outs.map((t) => t.shape)).toEqual([[null, 2], [null, 3, 2], [null]]);
    const model = Model({ inputs: x, outputs: outs });
    expect(rows(model)[1]).toBe('stats (Stats) [(None, 2), (None, 3, 2), (None,)] 0');
    const json = modelToJSON(model);
    expect(JSON.parse(json).config.layers[1].build_config.trace.outputs).toEqual([{ op: 6 }, { op: 7 }, { op: 8 }]);
    expect(modelToJSON(rebuildWithoutClasses(json))).toBe(json);
  });

  it('output dtypes follow the ops and the real input dtypes', () => {
    class Exp extends layers.Layer {
      override call(x: TracedTensor) {
        return ops.exp(x);
      }
    }
    class Double extends layers.Layer {
      override call(x: TracedTensor) {
        return ops.multiply(x, 2);
      }
    }
    class ToInt extends layers.Layer {
      override call(x: TracedTensor) {
        return ops.cast(ops.relu(x), 'int32');
      }
    }
    registerLayer('Exp', Exp);
    registerLayer('Double', Double);
    registerLayer('ToInt', ToInt);
    const ids = Input({ shape: [3], dtype: 'int32' });
    const exp = new Exp();
    expect(exp(ids).dtype).toBe('float32');
    expect(exp.getBuildConfig()!.trace!.inputs[0]!.dtype).toBe('int32');
    expect(new Double()(ids).dtype).toBe('int32');
    const toInt = new ToInt();
    const out = toInt(Input({ shape: [3] }));
    expect(out.dtype).toBe('int32');
    expect(toInt.getBuildConfig()!.trace!.ops.map((o) => o.dtype)).toEqual(['float32', 'int32']);
    const model = Model({ inputs: ids, outputs: new Double()(ids) });
    const json = modelToJSON(model);
    const rebuilt = rebuildWithoutClasses(json);
    expect(rebuilt.outputs[0]!.dtype).toBe('int32');
    expect(modelToJSON(rebuilt)).toBe(json);
  });

  it('an identity call is allowed', () => {
    class Identity extends layers.Layer {
      override call(x: TracedTensor) {
        return x;
      }
    }
    registerLayer('Same', Identity);
    const x = Input({ shape: [3] });
    const model = Model({ inputs: x, outputs: new Identity({ name: 'same' })(x) });
    const json = modelToJSON(model);
    expect(JSON.parse(json).config.layers[1].build_config.trace).toMatchObject({ ops: [], outputs: { input: 0 } });
    expect(modelToJSON(rebuildWithoutClasses(json))).toBe(json);
  });
});

describe('layers called inside call()', () => {
  /** One Dense applied twice (weights shared) and a second Dense on the result: 4·4+4 + 4·2+2 = 30 params. */
  class TwoStep extends layers.Layer {
    proj = layers.Dense(4, { activation: 'tanh', name: 'proj' });
    head = layers.Dense(2, { name: 'head' });
    override call(x: TracedTensor) {
      const h = ops.add(this.proj(x), this.proj(ops.relu(x)));
      return this.head(h);
    }
  }

  function twoStepModel(): Functional {
    registerLayer('TwoStep', TwoStep);
    const x = Input({ shape: [4] });
    return Model({ inputs: x, outputs: new TwoStep()(x) });
  }

  it('builds the inner layers on the traced shapes; their weights are the layer\'s, counted once; no graph nodes', () => {
    const model = twoStepModel();
    const layer = model.layers[1] as TwoStep;
    expect(rows(model)).toEqual(['input_layer (InputLayer) [(None, 4)] 0', 'two_step (TwoStep) (None, 2) 30']);
    expect(summarize(model).totalParams).toBe(30);
    expect(layer.sublayers()).toEqual([layer.proj, layer.head]);
    expect(layer.weights.map((w) => `${w.path} ${JSON.stringify(w.shape)}`)).toEqual([
      'proj/kernel [4,4]',
      'proj/bias [4]',
      'head/kernel [4,2]',
      'head/bias [2]',
    ]);
    expect(layer.proj.buildInputShape).toEqual([null, 4]);
    expect(layer.proj.inboundNodes).toHaveLength(0);
    expect(layer.head.inboundNodes).toHaveLength(0);
    expect(model.layers.map((l) => l.name)).toEqual(['input_layer', 'two_step']);
    // Freezing the layer freezes the layers it holds.
    layer.trainable = false;
    expect(summarize(model).trainableParams).toBe(0);
  });

  it('saves the inner layers in the trace, and `layer` steps refer to them by index', () => {
    const trace = JSON.parse(modelToJSON(twoStepModel())).config.layers[1].build_config.trace;
    expect(trace.weights).toEqual([]);
    expect(trace.layers.map((l: SerializedLayer) => `${l.class_name} ${String(l.config.name)} ${JSON.stringify(l.build_config)}`)).toEqual([
      'Dense proj {"input_shape":[null,4]}',
      'Dense head {"input_shape":[null,4]}',
    ]);
    expect(trace.ops).toEqual([
      { op: 'layer', inputs: [{ input: 0 }], attrs: { layer: 0 }, shape: [null, 4], dtype: 'float32' },
      { op: 'relu', inputs: [{ input: 0 }], attrs: {}, shape: [null, 4], dtype: 'float32' },
      { op: 'layer', inputs: [{ op: 1 }], attrs: { layer: 0 }, shape: [null, 4], dtype: 'float32' },
      { op: 'add', inputs: [{ op: 0 }, { op: 2 }], attrs: {}, shape: [null, 4], dtype: 'float32' },
      { op: 'layer', inputs: [{ op: 3 }], attrs: { layer: 1 }, shape: [null, 2], dtype: 'float32' },
    ]);
    expect(trace.outputs).toEqual({ op: 4 });
  });

  it('round-trips to identical JSON with the class registered, and without it as a TracedLayer', () => {
    const model = twoStepModel();
    const json = modelToJSON(model);
    const registered = modelFromJSON(json);
    expect(registered.layers[1]).toBeInstanceOf(TwoStep);
    expect(modelToJSON(registered)).toBe(json);
    expect(rows(registered)).toEqual(rows(model));

    const rebuilt = rebuildWithoutClasses(json);
    const layer = rebuilt.layers[1]!;
    expect(layer).toBeInstanceOf(TracedLayer);
    expect(layer.sublayers().map((l) => `${l.name} (${l.className})`)).toEqual(['proj (Dense)', 'head (Dense)']);
    expect(rows(rebuilt)).toEqual(rows(model));
    expect(summarize(rebuilt).totalParams).toBe(30);
    expect(modelToJSON(rebuilt)).toBe(json);
    expect(modelToJSON(modelFromJSON(modelToJSON(rebuilt)))).toBe(json);
    // The rebuilt layer calls its sublayers again on new inputs, with their checks.
    expect(layer(Input({ shape: [4], batchSize: 3 })).shape).toEqual([3, 2]);
    expect(() => layer(Input({ shape: [5] }))).toThrow(
      /^Exception encountered when calling layer "two_step" \(TwoStep\): Input 0 of layer "proj" is incompatible with the layer: expected axis -1 of input shape to have value 4/,
    );
  });

  it('tracks arrays of layers, and layers used in call() that no property holds', () => {
    const outside = layers.Dense(3, { name: 'outside' });
    class Blocks extends layers.Layer {
      blocks = [layers.Dense(8, { name: 'block_0' }), layers.Dense(8, { name: 'block_1' })];
      override call(x: TracedTensor) {
        let h = x;
        for (const block of this.blocks) h = block(h);
        return outside(h);
      }
    }
    registerLayer('Blocks', Blocks);
    const x = Input({ shape: [4] });
    const model = Model({ inputs: x, outputs: new Blocks()(x) });
    const layer = model.layers[1]!;
    expect(layer.sublayers().map((l) => l.name)).toEqual(['block_0', 'block_1', 'outside']);
    // 4·8+8 + 8·8+8 + 8·3+3
    expect(summarize(model).totalParams).toBe(40 + 72 + 27);
    const json = modelToJSON(model);
    expect(JSON.parse(json).config.layers[1].build_config.trace.layers.map((l: SerializedLayer) => l.config.name)).toEqual([
      'block_0',
      'block_1',
      'outside',
    ]);
    // Tracked once: calling the layer again does not add it twice.
    layer(Input({ shape: [4] }));
    expect(layer.sublayers()).toHaveLength(3);
    const rebuilt = rebuildWithoutClasses(json);
    expect(summarize(rebuilt).totalParams).toBe(139);
    expect(modelToJSON(rebuilt)).toBe(json);
  });

  /** The guide's CustomRNN (Mix-and-match API styles) with a Functional classifier, on 6 steps of 3 features. */
  function rnnWithModel() {
    const seq = Input({ shape: [null, 8], name: 'sequence' });
    const classifier = Model(seq, layers.Dense(1, { name: 'score' })(layers.GlobalAveragePooling1D({ name: 'pool' })(seq)), { name: 'classifier' });
    class CustomRNN extends layers.Layer {
      units = 8;
      projection1 = layers.Dense(8, { activation: 'tanh', name: 'projection_1' });
      projection2 = layers.Dense(8, { activation: 'tanh', name: 'projection_2' });
      classifier = classifier;
      override call(inputs: TracedTensor) {
        const outputs: TracedTensor[] = [];
        let state = ops.zeros([inputs.shape[0]!, this.units]);
        for (let t = 0; t < inputs.shape[1]!; t++) {
          const y = ops.add(this.projection1(ops.take(inputs, t, 1)), this.projection2(state));
          state = y;
          outputs.push(y);
        }
        return this.classifier(ops.stack(outputs, 1));
      }
    }
    registerLayer('CustomRNN', CustomRNN);
    const inputs = Input({ batchShape: [2, 6, 3] });
    return { model: Model(inputs, new CustomRNN()(inputs)), classifier, CustomRNN };
  }

  it('a custom layer can call a nested Functional model: its computeOutputShape gives the shape', () => {
    const { model, classifier } = rnnWithModel();
    // projection_1 3·8+8 = 32, projection_2 8·8+8 = 72, the classifier 8+1 = 9
    expect(rows(model)).toEqual(['input_layer (InputLayer) [(2, 6, 3)] 0', 'custom_rnn (CustomRNN) (2, 1) 113']);
    expect(classifier.inboundNodes).toHaveLength(0); // the traced call made no node
    const trace = JSON.parse(modelToJSON(model)).config.layers[1].build_config.trace;
    expect(trace.layers.map((l: SerializedLayer) => l.class_name)).toEqual(['Dense', 'Dense', 'Functional']);
    expect(trace.ops.map((o: { op: string }) => o.op).join(' ')).toBe(
      ['zeros', ...Array(6).fill('take layer layer add'), 'stack', 'layer'].join(' '),
    );
    expect(trace.ops.at(-2)).toMatchObject({ op: 'stack', attrs: { axis: 1 }, shape: [2, 6, 8] });
    expect(trace.ops.at(-1)).toMatchObject({ op: 'layer', attrs: { layer: 2 }, shape: [2, 1] });
  });

  it('round-trips a layer holding a model, with and without its class', () => {
    const { model, CustomRNN } = rnnWithModel();
    const json = modelToJSON(model);
    const registered = modelFromJSON(json);
    expect(registered.layers[1]).toBeInstanceOf(CustomRNN);
    expect(modelToJSON(registered)).toBe(json);
    const rebuilt = rebuildWithoutClasses(json);
    const layer = rebuilt.layers[1]!;
    expect(layer).toBeInstanceOf(TracedLayer);
    expect(layer.sublayers()[2]).toBeInstanceOf(Functional);
    expect(summarize(rebuilt).totalParams).toBe(113);
    expect(rows(rebuilt)).toEqual(rows(model));
    expect(modelToJSON(rebuilt)).toBe(json);
  });

  it('refers to one output of a layer that returns several as {op, output}', () => {
    const x = Input({ shape: [6] });
    const twoHeads = Model(x, [layers.Dense(2, { name: 'a' })(x), layers.Dense(2, { name: 'b' })(x)], { name: 'two_heads' });
    class SumHeads extends layers.Layer {
      heads = twoHeads;
      override call(inputs: TracedTensor) {
        const [a, b] = this.heads(inputs) as TracedTensor[];
        return ops.subtract(a!, b!);
      }
    }
    registerLayer('SumHeads', SumHeads);
    const inputs = Input({ shape: [6] });
    const model = Model(inputs, new SumHeads()(inputs));
    const json = modelToJSON(model);
    const trace = JSON.parse(json).config.layers[1].build_config.trace;
    expect(trace.ops).toEqual([
      { op: 'layer', inputs: [{ input: 0 }], attrs: { layer: 0 }, shape: [[null, 2], [null, 2]], dtype: 'float32' },
      { op: 'subtract', inputs: [{ op: 0, output: 0 }, { op: 0, output: 1 }], attrs: {}, shape: [null, 2], dtype: 'float32' },
    ]);
    const rebuilt = rebuildWithoutClasses(json);
    expect(summarize(rebuilt).totalParams).toBe(28);
    expect(modelToJSON(rebuilt)).toBe(json);
    // A saved reference to a step with several outputs must name one.
    const broken = JSON.parse(json);
    broken.config.layers[1].build_config.trace.ops[1].inputs[0] = { op: 0 };
    resetCustomLayers();
    expect(() => modelFromJSON(broken)).toThrow(/ops\[1\]\.inputs\[0\] must be .*\{op: i, output: k\} for one output of a layer step that has several\); received \{"op":0\}/);
  });

  it('a custom layer can call another custom layer; both come back without their classes', () => {
    registerLayer('Linear', Linear);
    class Residual extends layers.Layer {
      inner = new Linear({ units: 4, name: 'inner_linear' });
      override call(x: TracedTensor) {
        return ops.add(x, this.inner(x));
      }
    }
    registerLayer('Residual', Residual);
    const x = Input({ shape: [4] });
    const model = Model(x, new Residual()(x));
    expect(summarize(model).totalParams).toBe(20);
    const json = modelToJSON(model);
    const saved = JSON.parse(json).config.layers[1].build_config.trace.layers[0];
    expect(saved).toMatchObject({ class_name: 'Linear', registered_name: 'strata>Linear', build_config: { input_shape: [null, 4] } });
    expect(saved.build_config.trace.ops.map((o: { op: string }) => o.op)).toEqual(['matmul', 'add']);
    expect(modelToJSON(modelFromJSON(json))).toBe(json);
    const rebuilt = rebuildWithoutClasses(json);
    expect(rebuilt.layers[1]!.sublayers()[0]).toBeInstanceOf(TracedLayer);
    expect(summarize(rebuilt).totalParams).toBe(20);
    expect(modelToJSON(rebuilt)).toBe(json);
  });

  it('explains misuse: a missing op, a tensor keyword argument, a layer calling itself, a sublayer\'s weight', () => {
    class Missing extends layers.Layer {
      override call(x: TracedTensor) {
        return (ops as unknown as Record<string, (x: TracedTensor) => TracedTensor>).zero!(x);
      }
    }
    expect(() => new Missing()(Input({ shape: [4] }))).toThrow(
      /^Exception encountered when calling layer "missing" \(Missing\): ops\.zero is not an op; available: add, subtract, .*\. Did you mean ops\.zeros\?$/,
    );
    class TensorKwarg extends layers.Layer {
      lstm = layers.LSTM(4);
      override call(x: TracedTensor) {
        return this.lstm(x, { initialState: [ops.take(x, 0, 1)] });
      }
    }
    expect(() => new TensorKwarg()(Input({ shape: [5, 4] }))).toThrow(
      /Layer "lstm" \(LSTM\), called inside the call\(\) of layer "tensor_kwarg" \(TensorKwarg\), got a tensor among its keyword arguments \(initialState\)/,
    );
    class Itself extends layers.Layer {
      override call(x: TracedTensor): TracedTensor {
        return this(x);
      }
    }
    expect(() => new Itself()(Input({ shape: [4] }))).toThrow(/is the layer itself: a layer cannot call itself in its call\(\)/);
    class Borrow extends layers.Layer {
      dense = layers.Dense(2);
      override call(x: TracedTensor) {
        this.dense(x);
        return ops.matmul(x, this.dense.kernel!);
      }
    }
    expect(() => new Borrow()(Input({ shape: [4] }))).toThrow(/the weight "dense\/kernel", which belongs to layer "dense" \(a layer inside this one: call that layer on a tensor instead of using its weights\)/);
    // A layer called on a tensor of a finished call.
    class Keeps extends layers.Layer {
      kept?: TracedTensor;
      override call(x: TracedTensor) {
        this.kept = ops.relu(x);
        return this.kept;
      }
    }
    const keeps = new Keeps();
    keeps(Input({ shape: [4] }));
    expect(() => layers.Dense(2)(keeps.kept!)).toThrow(/Layer "dense_\d+" \(Dense\) was called on a tensor from a call of layer "keeps" \(Keeps\) that has already finished/);
  });

  it('an inner layer whose first call fails is left unbuilt', () => {
    class Wrong extends layers.Layer {
      dense = layers.Dense(3, { name: 'wrong_dense' });
      override call(x: TracedTensor) {
        return ops.add(this.dense(x), x); // (None, 3) + (None, 4) does not broadcast
      }
    }
    const layer = new Wrong();
    expect(() => layer(Input({ shape: [4] }))).toThrow(/Cannot broadcast shapes in ops\.add/);
    expect(layer.dense.built).toBe(true); // its own call worked; the add after it failed
    class Bad extends layers.Layer {
      conv = layers.Conv1D(2, 5);
      override call(x: TracedTensor) {
        return this.conv(x);
      }
    }
    const bad = new Bad();
    // Conv1D builds, then finds the sequence shorter than its kernel.
    expect(() => bad(Input({ shape: [3, 4] }))).toThrow(/^Exception encountered when calling layer "bad" \(Bad\): /);
    expect(bad.conv.built).toBe(false);
    expect(bad.conv.weights).toEqual([]);
    expect(bad(Input({ shape: [6, 7] })).shape).toEqual([null, 2, 2]);
    expect(bad.conv.weights.map((w) => JSON.stringify(w.shape))).toEqual(['[5,7,2]', '[2]']);
  });
});
