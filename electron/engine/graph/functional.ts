import { ValueError } from './errors.js';
import { InputLayer } from './input-layer.js';
import { Layer, isShapeList, type LayerArgs, type LayerInput, type LayerOutput } from './layer.js';
import { Node, type CallKwargs } from './node.js';
import { formatShape, type DType, type Shape } from './shape.js';
import { SymbolicTensor, isSymbolicTensor } from './symbolic-tensor.js';
import { CompileConfig, type CompileArgs } from './compile-config.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { planMasks } from '../autodiff/ops/mask.js';
import { masksPerOutput } from './mask.js';
import { serializeLayer, snakeKeys } from './serialize.js';
import { formatSummary, summarize } from './summary.js';

/** Inputs or outputs as given: one tensor, a list, or an object keyed by name. */
export type TensorStructure = SymbolicTensor | SymbolicTensor[] | Record<string, SymbolicTensor>;

export interface FunctionalArgs {
  inputs: TensorStructure;
  outputs: TensorStructure;
  name?: string;
  trainable?: boolean;
}

function flatten(structure: TensorStructure, what: string, modelName: string): SymbolicTensor[] {
  const list = isSymbolicTensor(structure)
    ? [structure]
    : Array.isArray(structure)
      ? structure
      : structure && typeof structure === 'object'
        ? Object.values(structure)
        : [];
  if (list.length === 0 || !list.every(isSymbolicTensor)) {
    throw new ValueError(
      `Model "${modelName}": \`${what}\` must be a symbolic tensor, an array of them or an object of them by name; received ${String(structure)}.`,
    );
  }
  return list;
}

/** The model's graph as Keras' `map_graph` computes it. */
export interface Graph {
  /** Nodes of this model, deepest (closest to the inputs) first. */
  nodesByDepth: Node[][];
  /** Layers in Keras' `model.layers` order: by depth from the inputs, then by discovery. */
  layers: Layer[];
  nodes: Set<Node>;
}

function parentNode(t: SymbolicTensor): Node {
  return t.sourceLayer.inboundNodes[t.nodeIndex]!;
}

export function mapGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[], modelName: string): Graph {
  const postOrder: Node[] = [];
  const discovery = new Map<Layer, number>();
  const visited = new Set<Node>();
  const visiting = new Set<Node>();
  const inputSet = new Set(inputs);
  const visit = (t: SymbolicTensor): void => {
    const node = parentNode(t);
    if (visited.has(node)) return;
    if (visiting.has(node)) throw new ValueError(`Tensor "${t.name}" of model "${modelName}" is part of a cycle.`);
    if (!discovery.has(node.layer)) discovery.set(node.layer, discovery.size);
    visiting.add(node);
    if (!inputSet.has(t)) node.parentTensors.forEach(visit);
    visited.add(node);
    visiting.delete(node);
    postOrder.push(node);
  };
  outputs.forEach(visit);

  const nodeDepth = new Map<Node, number>();
  const layerDepth = new Map<Layer, number>();
  for (const node of [...postOrder].reverse()) {
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    for (const p of node.parentTensors) {
      const pn = parentNode(p);
      nodeDepth.set(pn, Math.max(depth + 1, nodeDepth.get(pn) ?? 0));
    }
  }
  // Inputs that no output depends on still belong to the model.
  for (const t of inputs) {
    if (!layerDepth.has(t.sourceLayer)) {
      layerDepth.set(t.sourceLayer, 0);
      discovery.set(t.sourceLayer, -1);
      nodeDepth.set(parentNode(t), 0);
    }
  }

  const byDepth = (m: Map<unknown, number>) => [...new Set(m.values())].sort((a, b) => b - a);
  const nodesByDepth = byDepth(nodeDepth).map((d) => [...nodeDepth].filter(([, nd]) => nd === d).map(([n]) => n));
  const layers = byDepth(layerDepth).flatMap((d) =>
    [...layerDepth]
      .filter(([, ld]) => ld === d)
      .map(([l]) => l)
      .sort((a, b) => discovery.get(a)! - discovery.get(b)!),
  );

  // Every tensor a node reads must be computable from the inputs.
  const computable = new Set<SymbolicTensor>(inputs);
  const done: string[] = [];
  for (const nodes of nodesByDepth) {
    for (const node of nodes) {
      for (const t of node.parentTensors) {
        if (!computable.has(t)) {
          const missing =
            t.sourceLayer instanceof InputLayer
              ? ` It comes from the input "${t.sourceLayer.name}", which is not among the model's inputs: add it to \`inputs\`.`
              : '';
          throw new ValueError(
            `Graph disconnected: cannot obtain value for tensor "${t.name}" (shape ${formatShape(t.shape)}) at layer "${node.layer.name}".${missing} The following previous layers were accessed without issue: ${JSON.stringify(done)}`,
            node.layer.name,
          );
        }
      }
      // An Input that is not among the model's inputs provides nothing (checked above for its readers).
      if (node.layer instanceof InputLayer) {
        if (inputSet.has(node.outputs[0]!)) done.push(node.layer.name);
        continue;
      }
      node.outputs.forEach((t) => computable.add(t));
      done.push(node.layer.name);
    }
  }

  const seen = new Map<string, number>();
  for (const l of layers) seen.set(l.name, (seen.get(l.name) ?? 0) + 1);
  for (const [name, count] of seen) {
    if (count > 1) {
      throw new ValueError(
        `The name "${name}" is used ${count} times in the model "${modelName}". All layer names should be unique.`,
        name,
      );
    }
  }
  return { nodesByDepth, layers, nodes: new Set(nodeDepth.keys()) };
}

/**
 * A model defined by its input and output tensors. It is a layer: calling it on new
 * tensors reuses its layers and their weights, and adds one node to the model only.
 */
export class Functional extends Layer {
  static readonly className: string = 'Functional';
  declare inputs: SymbolicTensor[];
  declare outputs: SymbolicTensor[];
  declare inputStructure: TensorStructure;
  declare outputStructure: TensorStructure;
  declare graph: Graph;
  declare compileConfig: CompileConfig | null;

  constructor(args: FunctionalArgs & LayerArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.compileConfig = null;
    if (args.inputs !== undefined || args.outputs !== undefined) this.initGraph(args.inputs, args.outputs);
  }

  protected override namePrefix(className: string): string {
    return className === 'Functional' ? 'functional' : super.namePrefix(className);
  }

  /** Wires the model to its graph; Sequential models do this once their input is known. */
  protected initGraph(inputs: TensorStructure, outputs: TensorStructure): void {
    if (inputs === undefined || outputs === undefined) {
      throw new ValueError(`Model "${this.name}" needs both \`inputs\` and \`outputs\`.`);
    }
    const flatInputs = flatten(inputs, 'inputs', this.name);
    const flatOutputs = flatten(outputs, 'outputs', this.name);
    for (const t of flatInputs) {
      if (!(t.sourceLayer instanceof InputLayer)) {
        throw new ValueError(
          `Model "${this.name}": every input must be a tensor returned by \`Input()\`; received the output of layer "${t.sourceLayer.name}" (${t.sourceLayer.className}). To reuse part of a model, create a new \`Input()\` and call the layers on it.`,
        );
      }
    }
    this.graph = mapGraph(flatInputs, flatOutputs, this.name);
    this.inputs = flatInputs;
    this.outputs = flatOutputs;
    this.inputStructure = inputs;
    this.outputStructure = outputs;
    this.inputSpec = flatInputs.map((t) => ({ shape: t.shape }));
    this.built = true;
  }

  /** A model's input is its own input structure (Keras' `model.input`), not that of a call. */
  override get input(): LayerInput {
    return this.structureOf(this.inputStructure, this.inputs) as LayerInput;
  }

  override get output(): LayerOutput {
    return this.structureOf(this.outputStructure, this.outputs) as LayerOutput;
  }

  private structureOf(structure: TensorStructure, flat: SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    if (!this.graph) throw new ValueError(`Model "${this.name}" has no inputs yet: it has not been built.`);
    return isSymbolicTensor(structure) ? structure : flat;
  }

  get layers(): Layer[] {
    return this.graph ? this.graph.layers : [];
  }

  override sublayers(): Layer[] {
    return this.layers;
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.sourceLayer.name);
  }

  /** Output names: the keys of a dict of outputs, else the layers that produce them. */
  get outputNames(): string[] {
    const s = this.outputStructure;
    if (!isSymbolicTensor(s) && !Array.isArray(s)) return Object.keys(s);
    return this.outputs.map((t) => t.sourceLayer.name);
  }

  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      const layer = this.layers[nameOrIndex];
      if (!layer) {
        throw new ValueError(
          `Was asked to retrieve layer at index ${nameOrIndex} but model "${this.name}" only has ${this.layers.length} layers.`,
        );
      }
      return layer;
    }
    const layer = this.layers.find((l) => l.name === nameOrIndex);
    if (!layer) {
      throw new ValueError(
        `No such layer: ${nameOrIndex}. Existing layers are: ${JSON.stringify(this.layers.map((l) => l.name))}.`,
      );
    }
    return layer;
  }

  /** Prints the Keras summary table (to the console, or to `print`). */
  summary(print: (line: string) => void = console.log): void {
    print(formatSummary(summarize(this)));
  }

  /** Records optimizer, losses, loss weights and metrics with the model (training uses them). */
  compile(args: CompileArgs): void {
    this.compileConfig = new CompileConfig(args, this.outputNames);
  }

  override outputCount(): number {
    return this.outputs.length;
  }

  protected override standardizeInputs(inputs: unknown): LayerInput {
    if (inputs && typeof inputs === 'object' && !Array.isArray(inputs) && !isSymbolicTensor(inputs)) {
      const byName = inputs as Record<string, SymbolicTensor>;
      const missing = this.inputNames.filter((n) => !(n in byName));
      if (missing.length > 0) {
        throw new ValueError(
          `Model "${this.name}" was called with inputs by name but is missing ${JSON.stringify(missing)}; expected keys ${JSON.stringify(this.inputNames)}, received ${JSON.stringify(Object.keys(byName))}.`,
          this.name,
        );
      }
      return super.standardizeInputs(this.inputNames.map((n) => byName[n]));
    }
    const standardized = super.standardizeInputs(inputs);
    const count = Array.isArray(standardized) ? standardized.length : 1;
    if (count !== this.inputs.length) {
      throw new ValueError(
        `Model "${this.name}" expects ${this.inputs.length} input(s), but it received ${count} input tensor(s).`,
        this.name,
      );
    }
    return this.inputs.length === 1 && Array.isArray(standardized) ? standardized[0]! : standardized;
  }

  override apply(inputs: LayerInput | Record<string, SymbolicTensor>, kwargs: CallKwargs = {}): LayerOutput {
    const outputs = super.apply(inputs, kwargs);
    const list = Array.isArray(outputs) ? outputs : [outputs];
    return this.restructure(list) as LayerOutput;
  }

  /** Returns outputs in the structure the model was defined with (a list stays a list). */
  private restructure(list: SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    return Array.isArray(this.outputStructure) ? list : list.length === 1 ? list[0]! : list;
  }

  /** Runs shapes (not tensors) through the graph: what calling the model on new inputs gives. */
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = this.runShapes(isShapeList(inputShape) ? inputShape : [inputShape]);
    const out = this.outputs.map((t) => shapes.get(t)![0]);
    return out.length === 1 && !Array.isArray(this.outputStructure) ? out[0]! : out;
  }

  override computeOutputDtype(inputDtypes: DType[]): DType {
    return this.outputs[0]?.dtype ?? super.computeOutputDtype(inputDtypes);
  }

  private runShapes(inputShapes: Shape[]): Map<SymbolicTensor, [Shape, DType]> {
    const known = new Map<SymbolicTensor, [Shape, DType]>();
    this.inputs.forEach((t, i) => known.set(t, [inputShapes[i]!, t.dtype]));
    for (const nodes of this.graph.nodesByDepth) {
      for (const node of nodes) {
        if (node.layer instanceof InputLayer) continue;
        const argShapes = node.inputs.map((t) => known.get(t)![0]);
        const layer = node.layer;
        layer.assertInputCompatibility(argShapes);
        const kwargs = mapTensors(node.kwargs, (t) => new SymbolicTensor(known.get(t)![0], t.dtype, t.sourceLayer, t.nodeIndex, t.tensorIndex));
        const shape = layer.computeOutputShape(Array.isArray(node.args) ? argShapes : argShapes[0]!, kwargs);
        const outShapes = isShapeList(shape) ? shape : [shape];
        const dtype = layer.computeOutputDtype(node.inputs.map((t) => known.get(t)![1]));
        node.outputs.forEach((t, i) => known.set(t, [outShapes[i]!, dtype]));
      }
    }
    return known;
  }

  /** A model passes on the masks its own graph gives its outputs. */
  override computeOutputMasks(inputs: SymbolicTensor[]): boolean[] {
    const masked = new Set(this.inputs.filter((_, i) => inputs[i]?.hasMask));
    for (const nodes of this.graph.nodesByDepth) {
      for (const node of nodes) {
        if (node.layer instanceof InputLayer) continue;
        const args = node.inputs.map((t) => new SymbolicTensor(t.shape, t.dtype, t.sourceLayer, t.nodeIndex, t.tensorIndex, masked.has(t)));
        const flags = node.layer.computeOutputMasks(args, node.kwargs, node.outputs.length);
        node.outputs.forEach((t, i) => (flags[i] ? masked.add(t) : masked.delete(t)));
      }
    }
    return this.outputs.map((t) => masked.has(t));
  }

  /** Emits every layer's kernels in graph order; a nested model does the same for its own graph. */
  override forward(L: Lowering, inputs: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    const given = kwargs.mask as PlanTensor | Array<PlanTensor | null> | null | undefined;
    return this.lower(L, inputs, Array.isArray(given) ? given : [given ?? null]).outputs;
  }

  /**
   * Lowers the graph for inputs with the given masks: each layer's kernels, and the masks of
   * its outputs as its mask rule gives them (Keras' `_keras_mask`, set on each call's outputs).
   * A layer that supports masking gets its inputs' masks as the `mask` keyword unless the call
   * passed one.
   */
  lower(L: Lowering, inputs: PlanTensor[], inputMasks: Array<PlanTensor | null>): { outputs: PlanTensor[]; masks: Array<PlanTensor | null> } {
    const known = new Map<SymbolicTensor, PlanTensor>();
    const masks = new Map<SymbolicTensor, PlanTensor | null>();
    this.inputs.forEach((t, i) => {
      known.set(t, inputs[i]!);
      masks.set(t, inputMasks[i] ?? null);
    });
    for (const nodes of this.graph.nodesByDepth) {
      for (const node of nodes) {
        const layer = node.layer;
        if (layer instanceof InputLayer) continue;
        const args = node.inputs.map((t) => known.get(t)!);
        const argMasks = node.inputs.map((t) => masks.get(t) ?? null);
        const kwargs = mapTensors(node.kwargs, (t) => known.get(t)!) as CallKwargs;
        let result: { outputs: PlanTensor[]; masks: Array<PlanTensor | null> };
        if (layer instanceof Functional) {
          result = layer.lower(L, args, argMasks);
        } else {
          const passMasks = layer.supportsMasking && kwargs.mask === undefined && argMasks.some((m) => m !== null);
          const callKwargs = passMasks ? { ...kwargs, mask: Array.isArray(node.args) ? argMasks : argMasks[0] } : kwargs;
          const outputs = layer.forward(L, args, callKwargs);
          const rule = layer.computeMask(argMasks, planMasks(L, args, layer.name), kwargs);
          result = { outputs, masks: masksPerOutput(rule, outputs.length) };
        }
        node.outputs.forEach((t, i) => {
          known.set(t, result.outputs[i]!);
          masks.set(t, result.masks[i] ?? null);
        });
      }
    }
    return { outputs: this.outputs.map((t) => known.get(t)!), masks: this.outputs.map((t) => masks.get(t) ?? null) };
  }

  /**
   * The number Keras 3 gives a nested model's first call in a config: a Functional counts from
   * 1 (its node 0 is the one linking its own inputs to its outputs); Sequential from 0.
   */
  get firstCallNode(): number {
    return 1;
  }

  /** Nodes of a layer that belong to this model, renumbered from 0 (Keras' node conversion). */
  ownNodeIndex(layer: Layer, nodeIndex: number): number {
    return layer.inboundNodes.slice(0, nodeIndex).filter((n) => this.graph.nodes.has(n)).length;
  }

  /** Keras 3's Functional config: layers with their inbound nodes, input and output references. */
  override getConfig(): Record<string, unknown> {
    const history = (t: SymbolicTensor): [string, number, number] => [
      t.sourceLayer.name,
      this.ownNodeIndex(t.sourceLayer, t.nodeIndex) + (t.sourceLayer instanceof Functional ? t.sourceLayer.firstCallNode : 0),
      t.tensorIndex,
    ];
    const tensorConfig = (t: SymbolicTensor) => ({
      class_name: '__keras_tensor__',
      config: { shape: t.shape, dtype: t.dtype, keras_history: history(t) },
    });
    const layers = this.layers.map((layer) => ({
      ...serializeLayer(layer),
      name: layer.name,
      inbound_nodes: layer.inboundNodes
        .filter((n) => this.graph.nodes.has(n) && !(layer instanceof InputLayer))
        .map((n) => ({
          args: [mapTensors(n.args, tensorConfig)],
          kwargs: snakeKeys(mapTensors(n.kwargs, tensorConfig)),
        })),
    }));
    const refs = (s: TensorStructure) =>
      isSymbolicTensor(s) ? history(s) : Array.isArray(s) ? s.map(history) : Object.fromEntries(Object.entries(s).map(([k, t]) => [k, history(t)]));
    return {
      name: this.name,
      trainable: this.trainable,
      layers,
      input_layers: refs(this.inputStructure),
      output_layers: refs(this.outputStructure),
    };
  }
}

/** Replaces tensors nested in call kwargs. */
export function mapTensors(value: unknown, f: (t: SymbolicTensor) => unknown): any {
  if (value instanceof SymbolicTensor) return f(value);
  if (Array.isArray(value)) return value.map((v) => mapTensors(v, f));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTensors(v, f)]));
  }
  return value;
}

