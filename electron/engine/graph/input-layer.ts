import { ValueError } from './errors.js';
import { Layer, dtypePolicy, type LayerArgs } from './layer.js';
import { Node } from './node.js';
import { registerBuiltin } from './registry.js';
import { DTYPES, formatShape, type DType, type Shape } from './shape.js';
import { SymbolicTensor } from './symbolic-tensor.js';

export interface InputArgs {
  /** Shape of one sample, without the batch axis: `[784]`, `[28, 28, 1]`, `[null, 5]`. */
  shape?: Array<number | null>;
  /** Full shape including the batch axis. */
  batchShape?: Shape;
  batchSize?: number | null;
  name?: string;
  dtype?: DType;
  /** Accepted for compatibility with Keras 3.9+ configs; an optional input may be fed nothing. */
  optional?: boolean;
}

function checkShape(shape: unknown, what: string): Shape {
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw new ValueError(
      `Input \`${what}\` must be an array of non-negative integers or null (unknown size); received ${JSON.stringify(shape)}.`,
    );
  }
  return shape as Shape;
}

/** The layer behind `Input()`: it has no weights and one node whose output is the input tensor. */
export class InputLayer extends Layer {
  static readonly className = 'InputLayer';
  readonly optional: boolean;

  constructor(args: InputArgs & LayerArgs = {}) {
    const batchShape =
      args.batchShape ?? args.batchInputShape ??
      (args.shape ? [args.batchSize ?? null, ...checkShape(args.shape, 'shape')] : undefined);
    if (!batchShape) {
      throw new ValueError('`Input()` needs a `shape` (the shape of one sample, e.g. `{ shape: [784] }`) or a `batchShape`.');
    }
    checkShape(batchShape, 'batchShape');
    const dtype = args.dtype ?? 'float32';
    if (!DTYPES.includes(dtype as DType)) {
      throw new ValueError(`Input dtype must be one of ${DTYPES.join(', ')}; received ${JSON.stringify(args.dtype)}.`);
    }
    super({ name: args.name, dtype, batchInputShape: batchShape });
    this.optional = args.optional ?? false;
    this.built = true;
    const tensor = new SymbolicTensor([...batchShape], dtype, this, 0, 0);
    this.inboundNodes.push(new Node(this, [], {}, [tensor]));
  }

  get tensor(): SymbolicTensor {
    return this.inboundNodes[0]!.outputs[0]!;
  }

  override getConfig(): Record<string, unknown> {
    return {
      batch_shape: this.batchInputShape,
      dtype: this.dtype,
      sparse: false,
      name: this.name,
      ...(this.optional ? { optional: true } : {}),
    };
  }

  override getBuildConfig(): null {
    return null;
  }

  override apply(): never {
    throw new ValueError(`The input layer "${this.name}" cannot be called; use the tensor that \`Input()\` returned.`, this.name);
  }

  override toString(): string {
    return `<InputLayer name=${this.name}, shape=${formatShape(this.batchInputShape!)}>`;
  }

  static override fromConfig(config: Record<string, unknown>): InputLayer {
    return new InputLayer({
      batchShape: (config.batch_shape ?? config.batch_input_shape) as Shape,
      dtype: (typeof config.dtype === 'object' && config.dtype
        ? (config.dtype as ReturnType<typeof dtypePolicy>).config.name
        : config.dtype) as DType,
      name: config.name as string,
      optional: config.optional as boolean | undefined,
    });
  }
}

registerBuiltin(InputLayer);

/** `Input({ shape: [784], name: 'img' })` → a symbolic tensor of shape `[null, 784]`. */
export function Input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).tensor;
}
