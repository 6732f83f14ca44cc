import { ValueError } from './errors.js';
import { Functional } from './functional.js';
import { InputLayer } from './input-layer.js';
import { Layer, dtypePolicy, isShapeList, type LayerArgs, type LayerInput, type LayerOutput } from './layer.js';
import type { DType, Shape } from './shape.js';
import type { CallKwargs } from './node.js';
import { serializeLayer } from './serialize.js';
import { SymbolicTensor, isSymbolicTensor } from './symbolic-tensor.js';

/**
 * A plain stack of layers. Its graph exists as soon as the input shape is known: from an
 * `Input()` given first, from `inputShape` on the first layer, or from its first call.
 */
export class Sequential extends Functional {
  static override readonly className: string = 'Sequential';
  declare stack: Layer[];
  declare inputLayer: InputLayer | null;
  /** The output after each layer of the stack, once wired. */
  declare private stackOutputs: SymbolicTensor[];

  constructor(layers: Array<Layer | SymbolicTensor> = [], args: LayerArgs = {}) {
    super({ ...args } as never);
    this.stack = [];
    this.inputLayer = null;
    this.stackOutputs = [];
    for (const layer of layers) this.add(layer);
  }

  protected override namePrefix(): string {
    return 'sequential';
  }

  /** Adds a layer on top; `Input()` tensors and InputLayers set the input. */
  add(item: Layer | SymbolicTensor): void {
    const layer = isSymbolicTensor(item) ? item.sourceLayer : item;
    if (!(layer instanceof Layer)) {
      throw new ValueError(
        `Only layers can be added to Sequential model "${this.name}"; received ${JSON.stringify(item)}.`,
      );
    }
    if (layer instanceof InputLayer) {
      if (this.inputLayer || this.stack.length > 0) {
        throw new ValueError(`Sequential model "${this.name}" already has an input; an InputLayer can only come first.`);
      }
      this.inputLayer = layer;
      return;
    }
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new ValueError(
        `All layers added to a Sequential model should have unique names. Name "${layer.name}" is already the name of a layer in model "${this.name}".`,
        layer.name,
      );
    }
    if (!this.inputLayer && this.stack.length === 0 && layer.batchInputShape) {
      this.inputLayer = new InputLayer({ batchShape: layer.batchInputShape, dtype: layer.dtype });
    }
    this.stack.push(layer);
    if (this.inputLayer) this.wire();
  }

  /** Removes the last layer. */
  pop(): Layer {
    const layer = this.stack.pop();
    if (!layer) throw new ValueError(`There are no layers in Sequential model "${this.name}" to remove.`);
    this.stackOutputs.pop();
    const top = this.stackOutputs[this.stackOutputs.length - 1];
    if (top) this.initGraph(this.inputLayer!.tensor, top);
    else this.built = false;
    return layer;
  }

  /** Calls the layers not yet wired on the output so far; earlier layers keep their nodes. */
  private wire(): void {
    const input = this.inputLayer!.tensor;
    let x = this.stackOutputs[this.stackOutputs.length - 1] ?? input;
    for (const layer of this.stack.slice(this.stackOutputs.length)) {
      const out = layer.apply(x);
      // A nested model with its one output in a list (Keras' `outputs=[x]`) still returns one tensor.
      if (Array.isArray(out) && out.length !== 1) {
        throw new ValueError(
          `Layer "${layer.name}" returns ${out.length} tensors; every layer of a Sequential model must return one. Use the functional API for multi-output layers.`,
          layer.name,
        );
      }
      x = Array.isArray(out) ? out[0]! : out;
      this.stackOutputs.push(x);
    }
    this.initGraph(input, x);
  }

  override get firstCallNode(): number {
    return 0;
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  /** Creates the input for a shape and wires the stack (also how wrappers build a Sequential). */
  override build(inputShape: Shape | Shape[]): void {
    this.startFrom(isShapeList(inputShape) ? inputShape[0]! : inputShape, 'float32');
  }

  override apply(inputs: LayerInput | Record<string, SymbolicTensor>, kwargs: CallKwargs = {}): LayerOutput {
    const first = Array.isArray(inputs) ? inputs[0] : inputs;
    if (isSymbolicTensor(first)) this.startFrom(first.shape, first.dtype);
    return super.apply(inputs, kwargs);
  }

  private startFrom(shape: Shape, dtype: DType): void {
    if (this.inputLayer) return;
    if (this.stack.length === 0) {
      throw new ValueError(`Sequential model "${this.name}" has no layers; add some before calling it.`);
    }
    this.inputLayer = new InputLayer({ batchShape: [null, ...shape.slice(1)], dtype });
    this.wire();
  }

  override getConfig(): Record<string, unknown> {
    const layers = [...(this.inputLayer ? [this.inputLayer] : []), ...this.stack].map(serializeLayer);
    return {
      name: this.name,
      trainable: this.trainable,
      dtype: dtypePolicy(this.dtype),
      layers,
      ...(this.inputLayer ? { build_input_shape: this.inputLayer.batchInputShape } : {}),
    };
  }
}
