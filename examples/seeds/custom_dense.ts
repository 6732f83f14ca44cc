/**
 * CustomDense — seeds/000 (R: `new_layer_class("CustomDense", …)`) and seeds/001 (Python:
 * `class CustomDense(layers.Layer)`), section "Extend the API using custom layers": a basic
 * re-implementation of Dense. build() creates the weights w (input_dim × units) and b (units)
 * with a random_normal initializer once the input shape is known; call() computes
 * inputs · w + b, written with `ops` as in Keras 3; getConfig() returns the constructor
 * arguments, so the layer (and a model using it) can be saved and rebuilt — the guides' second
 * version, which adds get_config and rebuilds the model with from_config(config,
 * custom_objects); in Strata registerLayer() plays the part of custom_objects.
 * The model: Input (4,) → CustomDense(10). No summary printed; 4·10 + 10 = 50 params, all
 * trainable.
 */
import { Input, Model, layers, ops, registerLayer, type Layer } from 'strata';

type Weight = ReturnType<Layer['addWeight']>;

class CustomDense extends layers.Layer {
  units: number;
  w!: Weight;
  b!: Weight;

  constructor({ units = 32, ...options }: { units?: number; name?: string; trainable?: boolean } = {}) {
    super(options);
    this.units = units;
  }

  override build(inputShape: Array<number | null>): void {
    this.w = this.addWeight({
      name: 'w',
      shape: [inputShape[inputShape.length - 1] as number, this.units],
      initializer: 'random_normal',
      trainable: true,
    });
    this.b = this.addWeight({
      name: 'b',
      shape: [this.units],
      initializer: 'random_normal',
      trainable: true,
    });
  }

  override call(inputs: Parameters<typeof ops.matmul>[0]) {
    return ops.add(ops.matmul(inputs, this.w), this.b);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}
registerLayer('CustomDense', CustomDense);

const inputs = Input({ shape: [4] });
const outputs = new CustomDense({ units: 10 })(inputs);

const model = Model(inputs, outputs);
const config = model.getConfig();
console.log(`CustomDense config: ${JSON.stringify((config.layers as Array<{ config: unknown }>)[1]!.config)}`);

export default model;
