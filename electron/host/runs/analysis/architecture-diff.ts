/**
 * What changed between two runs' models, layer by layer (matched by name): layers added,
 * removed, and changed in class, parameter count or options.
 */
import { camelizeKeys } from '../../../engine/graph/naming.js';
import type { ArchitectureDiff } from '../../../../shared/ipc/training-schemas.js';

export interface ModelArchitecture {
  /** The model's Keras config, as config.json holds it: `{ class_name, config: { layers: [...] } }`. */
  config: object;
  /** The summary's rows: every layer with its class and parameter count. */
  summary: Array<{ name: string; className: string; params: number }>;
}

type Options = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each layer's options (its config without its name) by layer name, camelCase as the model code writes them. */
function layerOptions(config: object): Map<string, Options> {
  const outer = config as Record<string, unknown>;
  const model = isObject(outer.config) ? outer.config : outer;
  const entries = Array.isArray(model.layers) ? model.layers.filter(isObject) : [];
  return new Map(
    entries.flatMap((entry): Array<[string, Options]> => {
      const options = isObject(entry.config) ? entry.config : {};
      const name = typeof entry.name === 'string' ? entry.name : options.name;
      if (typeof name !== 'string') return [];
      const { name: _, ...rest } = options;
      return [[name, camelizeKeys(rest)]];
    }),
  );
}

/** JSON with object keys sorted, so that options equal in value compare equal as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

function differingOptions(a: Options, b: Options): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k]));
}

/** The layers of `b` that `a` lacks (added), those of `a` that `b` lacks (removed), and those in both that differ (changed). */
export function architectureDiff(a: ModelArchitecture, b: ModelArchitecture): ArchitectureDiff {
  const rowsA = new Map(a.summary.map((r) => [r.name, r]));
  const rowsB = new Map(b.summary.map((r) => [r.name, r]));
  const optionsA = layerOptions(a.config);
  const optionsB = layerOptions(b.config);
  const layer = (r: { name: string; className: string; params: number }) => ({ name: r.name, className: r.className, params: r.params });
  const changed = b.summary.flatMap((after) => {
    const before = rowsA.get(after.name);
    if (!before) return [];
    const options = differingOptions(optionsA.get(after.name) ?? {}, optionsB.get(after.name) ?? {});
    if (before.className === after.className && before.params === after.params && options.length === 0) return [];
    return [{ name: after.name, className: after.className, params: [before.params, after.params] as [number, number], options }];
  });
  return {
    added: b.summary.filter((r) => !rowsA.has(r.name)).map(layer),
    removed: a.summary.filter((r) => !rowsB.has(r.name)).map(layer),
    changed,
  };
}
