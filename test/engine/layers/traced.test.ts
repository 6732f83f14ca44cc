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
      'Unknown layer class "MyLayers>L1" at config (layer "l1"). If it is a custom layer, define it in the model file and register it with `registerLayer(\'L1\', L1)`.',
    );
    expect(() => deserializeLayer({ ...entry, registered_name: 'strata>L1', build_config: { input_shape: [null, 4] } })).toThrow(
      /Unknown layer class "strata>L1"/,
    );
    // A non-strata registered name with a trace is not ours to rebuild either.
    const json = JSON.parse(modelToJSON(linearModel()));
    const traced = json.config.layers[1];
    expect(() => deserializeLayer({ ...traced, registered_name: 'MyLayers>Linear' })).toThrow(/Unknown layer class "MyLayers>Linear"/);
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
