/**
 * Canonical model code for a model config, in the style of the example models: the imports,
 * the inputs, one statement per layer call in the order the tensors flow (each branch written
 * through before the next), nested models built before they are called, `Model({ … })`, the
 * `compile()` call, `export default model;`. Layer names the engine would give on its own at
 * that point of the code are left out, so that the code keeps every name as it was.
 */
import { deserializeLayer, modelFromJSON } from '../../engine/graph/deserialize.js';
import { Functional } from '../../engine/graph/functional.js';
import { InputLayer } from '../../engine/graph/input-layer.js';
import type { Layer } from '../../engine/graph/layer.js';
import type { Node } from '../../engine/graph/node.js';
import { Sequential } from '../../engine/graph/sequential.js';
import { serializeLayer, type SerializedLayer } from '../../engine/graph/serialize.js';
import { SymbolicTensor, isSymbolicTensor } from '../../engine/graph/symbolic-tensor.js';
import type { ModelConfig } from '../../../shared/ipc/index.js';
import { ownNodes } from '../model-graph/index.js';
import { builtinLayer } from './builtin-layers.js';
import { compileStatement } from './compile-code.js';
import { customLayerClasses } from './custom-layers.js';
import { AutoNames, VariableNames, camelIdentifier } from './identifiers.js';
import { factoryArguments } from './layer-options.js';
import { Code, literal, objectLiteral, objectLiteralWrapped } from './source-text.js';

const IMPORT_ORDER = ['Input', 'Model', 'Sequential', 'layers', 'losses', 'optimizers'];

/**
 * The model code for a Keras model config.
 * @throws Error for a model with custom layer classes (their code is the person's own).
 */
export function generateModelCode(config: ModelConfig): string {
  const custom = customLayerClasses(config);
  if (custom.length > 0) {
    throw new Error(`Cannot generate code for this model: it uses custom layer classes (${custom.join(', ')}), whose code only its model file has; edit it as code.`);
  }
  const model = modelFromJSON(config as unknown as SerializedLayer);
  const writer = new CodeWriter();
  writer.writeModel(model, 'model');
  const compile = (config as { compile_config?: Record<string, unknown> }).compile_config;
  if (compile) writer.statement(compileStatement('model', compile, (name) => writer.use(name)));
  return writer.render('model');
}

class CodeWriter {
  private readonly lines: string[] = [];
  private readonly imports = new Set<string>();
  private readonly variables = new VariableNames();
  private readonly autoNames = new AutoNames();
  /** Variables holding layer objects (shared layers, nested models). */
  private readonly objects = new Map<Layer, string>();
  /** Variables of the models that wrappers (`TimeDistributed(model)`) take, by model name. */
  private readonly wrappedModels = new Map<string, string>();

  use(name: string): void {
    this.imports.add(name);
  }

  statement(line: string): void {
    this.lines.push(line);
  }

  render(exported: string): string {
    const imports = IMPORT_ORDER.filter((n) => this.imports.has(n));
    return [`import { ${imports.join(', ')} } from 'strata';`, '', ...this.lines, '', `export default ${exported};`, ''].join('\n');
  }

  /** Writes the statements that build `model`; returns its variable. */
  writeModel(model: Functional, variable?: string): string {
    const name = variable ?? this.variables.take(camelIdentifier(model.name));
    if (model instanceof Sequential) this.writeSequential(model, name);
    else this.writeFunctional(model, name);
    this.objects.set(model, name);
    return name;
  }

  private writeFunctional(model: Functional, variable: string): void {
    // Nested models first, as one defines them before the model that calls them; then the inputs;
    // then each call once the tensors it reads exist.
    const order = callOrder(model);
    for (const node of order) {
      const layer = node.layer;
      const inner = (layer as { layer?: unknown }).layer;
      if (layer instanceof Functional && !this.objects.has(layer)) this.writeModel(layer);
      else if (inner instanceof Functional && !this.wrappedModels.has(inner.name)) this.wrappedModels.set(inner.name, this.writeModel(inner));
    }
    const tensors = new Map<SymbolicTensor, string>();
    for (const node of order) this.writeCall(model, node, tensors);

    const structure = (s: Functional['inputStructure']): Code =>
      new Code(
        isSymbolicTensor(s)
          ? tensors.get(s)!
          : Array.isArray(s)
            ? `[${s.map((t) => tensors.get(t)!).join(', ')}]`
            : objectLiteral(Object.entries(s).map(([k, t]) => [k, new Code(tensors.get(t)!)])),
      );
    const entries: Array<[string, unknown]> = [
      ['inputs', structure(model.inputStructure)],
      ['outputs', structure(model.outputStructure)],
      ...this.nameAndTrainable('Functional', model),
    ];
    this.use('Model');
    this.statement(`const ${variable} = Model(${objectLiteralWrapped(entries, '')});`);
  }

  private writeSequential(model: Sequential, variable: string): void {
    const input = model.inputLayer;
    const first = model.stack[0];
    // Sequential makes the input itself from the first layer's inputShape (always with an automatic name).
    const implicitInput =
      input !== null &&
      first !== undefined &&
      first.batchInputShape !== null &&
      JSON.stringify(first.batchInputShape) === JSON.stringify(input.batchInputShape) &&
      first.dtype === input.dtype &&
      !model.stack.some((l) => l instanceof Functional) &&
      this.autoNames.clone().claim('InputLayer', input.name);
    const items: string[] = [];
    if (input && !implicitInput) items.push(this.inputExpression(input));
    for (const layer of model.stack) items.push(this.layerObject(layer));
    const options = this.nameAndTrainable('Sequential', model);
    if (implicitInput) this.autoNames.claim('InputLayer', input.name);
    this.use('Sequential');
    const list = items.length === 0 ? '[]' : `[\n${items.map((i) => `  ${i},`).join('\n')}\n]`;
    this.statement(`const ${variable} = Sequential(${list}${options.length > 0 ? `, ${objectLiteral(options)}` : ''});`);
  }

  /** `name` where the engine would not give it, `trainable: false` for a frozen model. */
  private nameAndTrainable(className: string, model: Functional): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [];
    if (!this.autoNames.claim(className, model.name)) out.push(['name', model.name]);
    if (!model.trainable) out.push(['trainable', false]);
    return out;
  }

  private inputExpression(layer: InputLayer): string {
    const shape = layer.batchInputShape!;
    const entries: Array<[string, unknown]> = shape[0] === null ? [['shape', shape.slice(1)]] : [['batchShape', shape]];
    if (layer.dtype !== 'float32') entries.push(['dtype', layer.dtype]);
    if (layer.optional) entries.push(['optional', true]);
    if (!this.autoNames.claim('InputLayer', layer.name)) entries.push(['name', layer.name]);
    this.use('Input');
    return `Input(${objectLiteral(entries)})`;
  }

  /** A layer as an expression: a nested model's variable (built first), else `layers.X(…)`. */
  private layerObject(layer: Layer): string {
    if (layer instanceof Functional) return this.objects.get(layer) ?? this.writeModel(layer);
    return this.layerExpression(serializeLayer(layer));
  }

  /** `layers.X(…)`; with `helper`, the helper that also calls the layer on `inputs` (`layers.add([a, b])`). */
  private layerExpression(entry: SerializedLayer, helper?: { name: string; inputs: string }): string {
    const args = factoryArguments(entry, (inner) => {
      const model = this.wrappedModels.get(String(inner.config.name));
      return new Code(model ?? this.layerObject(deserializeLayer(inner)));
    });
    const name = String(entry.config.name);
    const options = [...args.options];
    if (!this.autoNames.claim(entry.class_name, name)) options.push(['name', name]);
    this.use('layers');
    if (helper) {
      // The helpers take the inputs first, then the options (positional ones included).
      const positional = builtinLayer(entry.class_name)!.positional;
      const all: Array<[string, unknown]> = [...args.positional.map((v, i): [string, unknown] => [positional[i]!, v]), ...options];
      return `layers.${helper.name}(${helper.inputs}${all.length > 0 ? `, ${objectLiteral(all)}` : ''})`;
    }
    const parts = [...args.positional.map(literal), ...(options.length > 0 ? [objectLiteral(options)] : [])];
    return `layers.${entry.class_name}(${parts.join(', ')})`;
  }

  private writeCall(model: Functional, node: Node, tensors: Map<SymbolicTensor, string>): void {
    const layer = node.layer;
    if (layer instanceof InputLayer) {
      const variable = this.variables.take(camelIdentifier(layer.name));
      this.statement(`const ${variable} = ${this.inputExpression(layer)};`);
      tensors.set(node.outputs[0]!, variable);
      return;
    }
    const calls = ownNodes(model, layer);
    const k = calls.indexOf(node);
    const kwargs = Object.entries(node.kwargs).filter(([, v]) => v !== undefined);
    const inputs = Array.isArray(node.args) ? `[${node.args.map((t) => tensors.get(t)!).join(', ')}]` : tensors.get(node.args)!;
    const callArgs = kwargs.length > 0 ? `${inputs}, ${literal(withVariables(Object.fromEntries(kwargs), tensors))}` : inputs;

    let call: string;
    let base: string;
    const helper = builtinLayer(layer.className)?.helper;
    if (calls.length === 1 && !(layer instanceof Functional) && helper && layer.className !== 'Dot' && Array.isArray(node.args) && kwargs.length === 0) {
      call = this.layerExpression(serializeLayer(layer), { name: helper, inputs });
      base = camelIdentifier(layer.name);
    } else if (calls.length === 1 && !(layer instanceof Functional)) {
      call = `${this.layerExpression(serializeLayer(layer))}(${callArgs})`;
      base = camelIdentifier(layer.name);
    } else {
      let object = this.objects.get(layer);
      if (object === undefined) {
        if (layer instanceof Functional) object = this.writeModel(layer);
        else {
          object = this.variables.take(camelIdentifier(layer.name));
          this.statement(`const ${object} = ${this.layerExpression(serializeLayer(layer))};`);
          this.objects.set(layer, object);
        }
      }
      call = `${object}(${callArgs})`;
      base = `${object}Out${calls.length > 1 ? k + 1 : ''}`;
    }
    const returnsList = layer instanceof Functional ? Array.isArray(layer.outputStructure) || layer.outputs.length > 1 : node.outputs.length > 1;
    if (returnsList) {
      const names = node.outputs.map((_, i) => this.variables.take(i === 0 ? base : `${base}${i}`));
      node.outputs.forEach((t, i) => tensors.set(t, names[i]!));
      this.statement(`const [${names.join(', ')}] = ${call};`);
    } else {
      const variable = this.variables.take(base);
      tensors.set(node.outputs[0]!, variable);
      this.statement(`const ${variable} = ${call};`);
    }
  }
}

/**
 * The model's calls in the order the code makes them: its inputs, then, from each output,
 * the calls it depends on, each branch written through before the next (as a person writes
 * them); a shared layer's calls keep their order (configs number them).
 */
function callOrder(model: Functional): Node[] {
  const order: Node[] = [];
  const done = new Set<Node>();
  const visit = (node: Node): void => {
    if (done.has(node)) return;
    done.add(node);
    const calls = ownNodes(model, node.layer);
    const k = calls.indexOf(node);
    if (k > 0) visit(calls[k - 1]!);
    if (!(node.layer instanceof InputLayer)) for (const t of node.parentTensors) visit(producer(t));
    order.push(node);
  };
  for (const t of model.inputs) visit(producer(t));
  for (const t of model.outputs) visit(producer(t));
  return order;
}

function producer(t: SymbolicTensor): Node {
  return t.sourceLayer.inboundNodes[t.nodeIndex]!;
}

/** Call keywords with their tensors as the variables that hold them. */
function withVariables(value: unknown, tensors: Map<SymbolicTensor, string>): unknown {
  if (value instanceof SymbolicTensor) return new Code(tensors.get(value)!);
  if (Array.isArray(value)) return value.map((v) => withVariables(v, tensors));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withVariables(v, tensors)]));
  }
  return value;
}
