/**
 * Embedding: turns integer indices (token ids) into dense vectors looked up in a trainable
 * table `embeddings` [inputDim, outputDim].
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import { toInitializer, type InitializerArg, type InitializerConfig } from '../graph/initializers.js';
import { Layer, type LayerArgs, type Weight } from '../graph/layer.js';
import type { MaskOps, MaskResult } from '../graph/mask.js';
import { registerBuiltin } from '../graph/registry.js';
import { formatShape, type DType, type Shape } from '../graph/shape.js';
import { positiveInt, type ConfigObject } from './core.js';
import { factory } from './factory.js';
import type { CallKwargs } from '../graph/node.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { embedding } from '../autodiff/ops/embedding.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Size of the vocabulary: the largest index + 1. */
  inputDim: number;
  /** Size of each embedding vector. */
  outputDim: number;
  /** Default `'uniform'` (Keras' RandomUniform, ±0.05). */
  embeddingsInitializer?: InitializerArg;
  embeddingsRegularizer?: ConfigObject;
  embeddingsConstraint?: ConfigObject;
  activityRegularizer?: ConfigObject;
  /** Index 0 is padding: the output carries a mask (`inputs != 0`) that layers downstream honour. */
  maskZero?: boolean;
  /**
   * Keras 2's sequence length. Keras 3 drops it; here, as in Keras 2, it gives a first layer of
   * a Sequential model its input shape `(batch, inputLength)` and is checked against the input.
   * It is not written to the config (a Keras 2 config writes it with `batch_input_shape`).
   */
  inputLength?: number | null;
  /** Written as `null` by recent Keras 3 versions; quantized embeddings are not supported. */
  quantizationConfig?: null;
}

function embeddingsInitializer(value: InitializerArg | undefined, layerName: string): InitializerConfig {
  return toInitializer(value ?? 'uniform', `embeddingsInitializer of "${layerName}"`);
}

/** `outputs[..., :] = embeddings[inputs[...]]`: output shape is the input shape plus `outputDim`. */
export class Embedding extends Layer {
  static readonly className = 'Embedding';
  static override readonly options = [
    'inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'embeddingsConstraint',
    'activityRegularizer', 'maskZero', 'inputLength', 'quantizationConfig',
  ];
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerConfig;
  readonly maskZero: boolean;
  readonly inputLength: number | null;
  readonly extras: Record<string, ConfigObject>;
  embeddings?: Weight;

  constructor(args: EmbeddingArgs) {
    super(args);
    this.inputDim = positiveInt(args.inputDim, 'inputDim', this.name);
    this.outputDim = positiveInt(args.outputDim, 'outputDim', this.name);
    this.embeddingsInitializer = embeddingsInitializer(args.embeddingsInitializer, this.name);
    if (args.maskZero !== undefined && typeof args.maskZero !== 'boolean') {
      throw new TypeError_(
        `Expected a boolean for \`maskZero\` of layer "${this.name}"; received ${JSON.stringify(args.maskZero)}.`,
        this.name,
      );
    }
    this.maskZero = args.maskZero ?? false;
    this.inputLength = args.inputLength === undefined || args.inputLength === null ? null : positiveInt(args.inputLength, 'inputLength', this.name);
    if (this.inputLength !== null && !this.batchInputShape) this.batchInputShape = [args.batchSize ?? null, this.inputLength];
    if (args.quantizationConfig !== undefined && args.quantizationConfig !== null) {
      throw new ValueError(
        `Layer "${this.name}": quantized embeddings (\`quantizationConfig\`) are not supported; received ${JSON.stringify(args.quantizationConfig)?.slice(0, 100)}.`,
        this.name,
      );
    }
    this.extras = {
      embeddings_regularizer: args.embeddingsRegularizer ?? null,
      activity_regularizer: args.activityRegularizer ?? null,
      embeddings_constraint: args.embeddingsConstraint ?? null,
    };
  }

  override build(): void {
    this.embeddings = this.addWeight({
      name: 'embeddings',
      shape: [this.inputDim, this.outputDim],
      initializer: this.embeddingsInitializer,
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
      throw new ValueError(`Layer "${this.name}" takes one tensor of indices; received ${inputShape.length} tensors.`, this.name);
    }
    const shape = inputShape as Shape;
    const length = shape[1];
    if (this.inputLength !== null && length !== null && length !== undefined && length !== this.inputLength) {
      throw new ValueError(
        `"input_length" of layer "${this.name}" is ${this.inputLength}, but received input has shape ${formatShape(shape)}`,
        this.name,
      );
    }
    return [...shape, this.outputDim];
  }

  /** Keras' `compute_mask`: with `maskZero`, the positions whose index is not 0. */
  override computeMask<M>(_masks: Array<M | null>, ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    return this.maskZero ? ops.notEqual(0, 0) : null;
  }

  /** A gather of table rows (native embedding_fwd), its gradient a scatter-add into the table. */
  override forward(L: Lowering, [indices]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    return [embedding(L, indices!, L.weight(this.embeddings!), this.name)];
  }

  /** Vectors are floats whatever the index dtype (int32 input is the usual case). */
  override computeOutputDtype(): DType {
    return this.dtype;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: this.embeddingsInitializer,
      ...this.extras,
      mask_zero: this.maskZero,
    };
  }
}

registerBuiltin(Embedding);

export const factories = {
  Embedding: factory(Embedding, ['inputDim', 'outputDim']),
};
