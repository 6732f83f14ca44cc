/**
 * Graph edits: the studio's graph view changes the model's config (add, connect, disconnect,
 * delete, rename, set options, set outputs), the config becomes canonical code again, and the
 * code is evaluated. An edit the engine refuses (a shape error, a cycle) leaves the code as it
 * was and says why, naming the layer.
 */
import { modelFromJSON } from '../../engine/graph/deserialize.js';
import { StrataError } from '../../engine/graph/errors.js';
import { serializeLayer } from '../../engine/graph/serialize.js';
import type { Layer } from '../../engine/graph/layer.js';
import type { Evaluation, GraphEdit } from '../../../shared/ipc/index.js';
import { builtinLayer, WRAPPERS } from './builtin-layers.js';
import { generateModelCode } from './codegen.js';
import { evaluateForStudio } from './evaluate.js';
import {
  asFunctionalConfig,
  firstOutput,
  forgetBuildShapes,
  histories,
  isTensorRef,
  mapHistories,
  mapRefs,
  refsIn,
  tensorRef,
  type FunctionalConfig,
  type History,
  type LayerEntry,
} from './functional-config.js';
import { autoNamePrefix } from './identifiers.js';
import { camelKey } from './layer-options.js';

export type GraphEditResult =
  | { ok: true; code: string; evaluation: Extract<Evaluation, { ok: true }> }
  | { ok: false; message: string; layerName?: string };

/** A refused edit: what was asked, why it cannot be done, the layer concerned. */
class EditRefused extends Error {
  constructor(
    message: string,
    readonly layerName?: string,
  ) {
    super(message);
  }
}

const LAYER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function applyGraphEdit(code: string, fileName: string, edit: GraphEdit): Promise<GraphEditResult> {
  const before = await evaluateForStudio(code, fileName);
  if (!before.ok) {
    const first = before.diagnostics[0]!;
    return refused(`The model code has errors; fix them before editing the graph. Line ${first.line}: ${first.message}`, first.layerName);
  }
  if (before.readOnlyReason) return refused(before.readOnlyReason);
  let next: string;
  try {
    const config = asFunctionalConfig(modelFromJSON(before.config as never), before.config as never);
    new ConfigEditor(config).apply(edit);
    forgetBuildShapes(config);
    next = generateModelCode(config as unknown as Record<string, unknown>);
  } catch (e) {
    if (e instanceof EditRefused) return refused(e.message, e.layerName);
    return refused((e as Error).message, e instanceof StrataError ? e.layerName : undefined);
  }
  const after = await evaluateForStudio(next, fileName);
  if (!after.ok) {
    const first = after.diagnostics[0]!;
    return refused(first.message, first.layerName);
  }
  return { ok: true, code: next, evaluation: after };
}

function refused(message: string, layerName?: string): GraphEditResult {
  return { ok: false, message, ...(layerName !== undefined ? { layerName } : {}) };
}

class ConfigEditor {
  constructor(private readonly model: FunctionalConfig) {}

  private get layers(): LayerEntry[] {
    return this.model.config.layers;
  }

  apply(edit: GraphEdit): void {
    switch (edit.type) {
      case 'addLayer':
        return this.addLayer(edit.className, edit.options, edit.after);
      case 'addInput':
        return this.addInput(edit.shape, edit.name);
      case 'connect':
        return this.connect(edit.from, edit.to);
      case 'disconnect':
        return this.disconnect(edit.from, edit.to, edit.port);
      case 'deleteLayer':
        return this.deleteLayer(edit.name);
      case 'renameLayer':
        return this.rename(edit.name, edit.newName);
      case 'setOptions':
        return this.setOptions(edit.name, edit.options);
      case 'setOutput':
        return this.setOutput(edit.name, edit.isOutput);
    }
  }

  private entry(name: string): LayerEntry {
    const found = this.layers.find((l) => l.name === name);
    if (found) return found;
    const owner = this.layers.find((l) => JSON.stringify(l.config?.layers ?? l.config?.layer ?? null).includes(`"name":${JSON.stringify(name)}`));
    if (owner) {
      throw new EditRefused(`Layer "${name}" is inside the nested model "${owner.name}"; the graph view edits only the model's own layers. Edit the nested model in code.`, name);
    }
    throw new EditRefused(`There is no layer named "${name}" in model "${this.model.config.name}"; its layers are ${this.layers.map((l) => l.name).join(', ')}.`);
  }

  /** The one call of a layer; a shared layer's calls are edited in code. */
  private onlyCall(entry: LayerEntry, what: string) {
    const calls = entry.inbound_nodes ?? [];
    if (calls.length !== 1) {
      throw new EditRefused(`Cannot ${what} "${entry.name}": the layer is called ${calls.length} times (a shared layer); edit its calls in code.`, entry.name);
    }
    return calls[0]!;
  }

  /** Every layer name of the model, nested models' included (new names stay unique in the file). */
  private allNames(): Set<string> {
    const names = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.class_name === 'string' && o.config && typeof (o.config as { name?: unknown }).name === 'string') names.add((o.config as { name: string }).name);
        Object.values(o).forEach(walk);
      }
    };
    walk(this.model.config.layers);
    return names;
  }

  /** The name the engine would give the next layer of a class: `dense`, `dense_1`, …, the first one free. */
  private freshName(className: string): string {
    const prefix = autoNamePrefix(className);
    const taken = this.allNames();
    let name = prefix;
    for (let n = 1; taken.has(name); n++) name = `${prefix}_${n}`;
    return name;
  }

  /** Points every reference to `from` (layer calls and model outputs) at `to`. */
  private redirect(matches: (h: History) => boolean, to: History, except?: LayerEntry): void {
    for (const layer of this.layers) {
      if (layer === except || !layer.inbound_nodes) continue;
      layer.inbound_nodes = mapRefs(layer.inbound_nodes, (h) => (matches(h) ? to : h)) as LayerEntry['inbound_nodes'];
    }
    this.model.config.output_layers = mapHistories(this.model.config.output_layers, (h) => (matches(h) ? to : h));
  }

  private consumers(name: string): LayerEntry[] {
    return this.layers.filter((l) => refsIn(l.inbound_nodes ?? []).some((h) => h[0] === name));
  }

  private createLayer(className: string, options: Record<string, unknown>, name: string): LayerEntry {
    const b = builtinLayer(className);
    if (!b) throw new EditRefused(`Unknown layer class "${className}"; the palette offers the built-in layers (Dense, Conv2D, …).`);
    if (WRAPPERS.has(className)) throw new EditRefused(`A ${className} layer wraps another layer; add it in code.`);
    const layer = new (b.cls as unknown as new (a: Record<string, unknown>) => Layer)({ ...options, name });
    return { ...serializeLayer(layer), name, inbound_nodes: [] };
  }

  private addLayer(className: string, options: Record<string, unknown>, after?: string): void {
    const anchorRef = after !== undefined ? firstOutput(this.onlyCallOrInput(this.entry(after), 'add a layer after')) : histories(this.model.config.output_layers)[0]!;
    const name = this.freshName(className);
    const entry = this.createLayer(className, options, name);
    const same = (h: History) => h[0] === anchorRef[0] && h[1] === anchorRef[1] && h[2] === anchorRef[2];
    this.redirect(same, firstOutput(entry));
    // A merge layer needs a list: it starts on the tensor twice, ready for another connection.
    const input = builtinLayer(className)!.family === 'merge' ? [tensorRef(anchorRef), tensorRef(anchorRef)] : tensorRef(anchorRef);
    entry.inbound_nodes = [{ args: [input], kwargs: {} }];
    this.layers.splice(this.layers.findIndex((l) => l.name === anchorRef[0]) + 1, 0, entry);
  }

  private onlyCallOrInput(entry: LayerEntry, what: string): LayerEntry {
    if (entry.class_name !== 'InputLayer') this.onlyCall(entry, what);
    return entry;
  }

  private addInput(shape: Array<number | null>, name?: string): void {
    const inputName = name ?? this.freshName('InputLayer');
    this.checkNewName(inputName);
    this.layers.unshift({
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [null, ...shape], dtype: 'float32', sparse: false, name: inputName },
      registered_name: null,
      name: inputName,
      inbound_nodes: [],
    });
    const ref: History = [inputName, 0, 0];
    const inputs = this.model.config.input_layers;
    this.model.config.input_layers = Array.isArray(inputs) && !isHistoryLike(inputs) ? [...inputs, ref] : isHistoryLike(inputs) ? [inputs, ref] : { ...(inputs as object), [inputName]: ref };
  }

  private connect(from: string, to: string): void {
    const source = this.entry(from);
    const target = this.entry(to);
    if (target.class_name === 'InputLayer') throw new EditRefused(`"${to}" is a model input; nothing can flow into it.`, to);
    const call = this.onlyCall(target, 'connect into');
    const ref = tensorRef(firstOutput(this.onlyCallOrInput(source, 'connect from')));
    if (Array.isArray(call.args[0])) call.args[0] = [...call.args[0], ref];
    else call.args[0] = ref;
  }

  private disconnect(from: string, to: string, port: number): void {
    const target = this.entry(to);
    const call = this.onlyCall(target, 'disconnect from');
    const args = call.args[0];
    const list = Array.isArray(args) ? args : [args];
    const at = list[port];
    if (!isTensorRef(at) || at.config.keras_history[0] !== from) {
      throw new EditRefused(`Input ${port} of "${to}" does not come from "${from}"; nothing to disconnect.`, to);
    }
    if (!Array.isArray(args) || list.length === 1) {
      throw new EditRefused(`Disconnecting "${from}" would leave "${to}" with no input; connect another layer to it instead, or delete it.`, to);
    }
    call.args[0] = list.filter((_, i) => i !== port);
  }

  private deleteLayer(name: string): void {
    const entry = this.entry(name);
    const consumers = this.consumers(name);
    const isOutput = histories(this.model.config.output_layers).some((h) => h[0] === name);
    if (entry.class_name === 'InputLayer') {
      if (consumers.length > 0) {
        throw new EditRefused(`Cannot delete the input "${name}": ${consumers.map((c) => `"${c.name}"`).join(', ')} read it. Disconnect or delete them first.`, name);
      }
      if (histories(this.model.config.input_layers).length === 1) throw new EditRefused(`Cannot delete "${name}": it is the model's only input.`, name);
      this.model.config.input_layers = mapHistories(this.model.config.input_layers, (h) => (h[0] === name ? null : h));
      if (isOutput) this.model.config.output_layers = mapHistories(this.model.config.output_layers, (h) => (h[0] === name ? null : h));
    } else {
      const inputs = refsIn(this.onlyCall(entry, 'delete').args);
      if (inputs.length !== 1 && (consumers.length > 0 || isOutput)) {
        throw new EditRefused(
          `Cannot delete "${name}": it merges ${inputs.length} inputs, and the layers after it take one. Connect them to another layer first, or edit the code.`,
          name,
        );
      }
      this.redirect((h) => h[0] === name, inputs[0]!, entry);
    }
    this.model.config.layers = this.layers.filter((l) => l !== entry);
    if (histories(this.model.config.output_layers).length === 0) throw new EditRefused(`Cannot delete "${name}": the model would have no output left.`, name);
  }

  private checkNewName(newName: string): void {
    if (!LAYER_NAME.test(newName)) {
      throw new EditRefused(`"${newName}" is not a valid layer name: use letters, digits and _, starting with a letter or _.`);
    }
    if (this.allNames().has(newName) || newName === this.model.config.name) {
      throw new EditRefused(`The name "${newName}" is already taken in this model; layer names must be unique.`, newName);
    }
  }

  private rename(name: string, newName: string): void {
    const entry = this.entry(name);
    if (name === newName) return;
    this.checkNewName(newName);
    entry.name = newName;
    entry.config = { ...entry.config, name: newName };
    const swap = (h: History): History => (h[0] === name ? [newName, h[1], h[2]] : h);
    for (const layer of this.layers) if (layer.inbound_nodes) layer.inbound_nodes = mapRefs(layer.inbound_nodes, swap) as LayerEntry['inbound_nodes'];
    this.model.config.input_layers = mapHistories(this.model.config.input_layers, swap);
    this.model.config.output_layers = mapHistories(this.model.config.output_layers, swap);
    // compile() options keyed by output name follow the output.
    const compile = this.model.compile_config;
    if (compile) {
      for (const key of ['loss', 'loss_weights', 'metrics']) {
        const v = compile[key];
        if (v && typeof v === 'object' && !Array.isArray(v) && name in v && !('class_name' in v)) {
          compile[key] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k === name ? newName : k, x]));
        }
      }
    }
  }

  private setOptions(name: string, options: Record<string, unknown>): void {
    const entry = this.entry(name);
    const b = builtinLayer(entry.class_name);
    if (!b) throw new EditRefused(`"${name}" is a ${entry.class_name}; its options are edited in code.`, name);
    const allowed = [...(b.cls.options ?? []), 'trainable', 'dtype'].filter((o) => !(WRAPPERS.has(b.className) && o === 'layer'));
    const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw new EditRefused(`${b.className} has no option(s) ${unknown.map((k) => `"${k}"`).join(', ')}; its options are ${allowed.join(', ')}.`, name);
    }
    const keyOf = new Map(Object.keys(entry.config).map((k) => [camelKey(k), k]));
    const changed = Object.fromEntries(
      Object.entries(options).map(([k, v]) => [keyOf.get(k) ?? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
    );
    const layer = b.cls.fromConfig({ ...entry.config, ...changed });
    entry.config = layer.getConfig();
  }

  private setOutput(name: string, isOutput: boolean): void {
    const entry = this.entry(name);
    const ref = firstOutput(this.onlyCallOrInput(entry, 'make an output of'));
    const outputs = this.model.config.output_layers;
    const current = histories(outputs);
    if (isOutput) {
      if (current.some((h) => h[0] === name)) return;
      this.model.config.output_layers = isHistoryLike(outputs) ? [outputs, ref] : Array.isArray(outputs) ? [...outputs, ref] : { ...(outputs as object), [name]: ref };
      return;
    }
    if (!current.some((h) => h[0] === name)) return;
    if (current.length === 1) throw new EditRefused(`"${name}" is the model's only output; make another layer an output first.`, name);
    const index = current.findIndex((h) => h[0] === name);
    this.model.config.output_layers = mapHistories(outputs, (h) => (h[0] === name ? null : h));
    this.dropCompileEntriesFor(name, index);
  }

  /** compile() options given per output lose the one for an output that is gone. */
  private dropCompileEntriesFor(name: string, index: number): void {
    const compile = this.model.compile_config;
    if (!compile) return;
    for (const key of ['loss', 'loss_weights', 'metrics']) {
      const v = compile[key];
      if (Array.isArray(v) && key !== 'metrics') compile[key] = v.filter((_, i) => i !== index);
      else if (v && typeof v === 'object' && !Array.isArray(v) && !('class_name' in v)) {
        compile[key] = Object.fromEntries(Object.entries(v).filter(([k]) => k !== name));
      }
    }
  }
}

function isHistoryLike(v: unknown): v is History {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string';
}
