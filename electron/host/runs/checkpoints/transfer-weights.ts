/**
 * Weights from one model into an edited version of it (branching a run from a checkpoint):
 * layers are matched by name, inside nested models by their own names, and a layer takes the
 * old values only when every one of its weights still has the same shape.
 */
import { Functional } from '../../../engine/graph/functional.js';
import { uniqueWeights, type Layer, type Weight } from '../../../engine/graph/layer.js';
import { setWeightValue, weightValue } from '../../../engine/training/weights.js';

interface WeightedLayer {
  /** The layer's name, after those of the models it is nested in: `encoder/dense_1`. */
  path: string;
  layer: Layer;
  weights: Weight[];
}

/** Every layer with weights, nested models opened up (a model's weights are its layers'). */
function weightedLayers(model: Functional, prefix = ''): WeightedLayer[] {
  return model.layers.flatMap((layer): WeightedLayer[] => {
    const path = `${prefix}${layer.name}`;
    if (layer instanceof Functional) return weightedLayers(layer, `${path}/`);
    const weights = uniqueWeights(layer.weights);
    return weights.length > 0 ? [{ path, layer, weights }] : [];
  });
}

/** The layer of `from` that `target` continues: the same path, else the one layer of that name (a layer moved into or out of a nested model). */
function counterpart(target: WeightedLayer, byPath: Map<string, WeightedLayer>, byName: Map<string, WeightedLayer[]>): WeightedLayer | undefined {
  const same = byPath.get(target.path);
  if (same) return same;
  const named = byName.get(target.layer.name) ?? [];
  return named.length === 1 ? named[0] : undefined;
}

function valuesThatFit(source: WeightedLayer, target: WeightedLayer): Float32Array[] | null {
  if (source.weights.length !== target.weights.length) return null;
  const values: Float32Array[] = [];
  for (const [i, w] of target.weights.entries()) {
    const from = source.weights[i]!;
    const value = weightValue(from);
    if (!value || from.shape.length !== w.shape.length || from.shape.some((d, k) => d !== w.shape[k])) return null;
    values.push(value);
  }
  return values;
}

/**
 * Copies into `to` the weights of each layer of `from` that still fits; the other layers of
 * `to` keep the values they have (or will be initialised with). Returns those layers' paths,
 * for telling the person which layers start afresh.
 */
export function transferWeights(from: Functional, to: Functional): { reinitialized: string[] } {
  const sources = weightedLayers(from);
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const byName = new Map<string, WeightedLayer[]>();
  for (const s of sources) byName.set(s.layer.name, [...(byName.get(s.layer.name) ?? []), s]);
  const reinitialized: string[] = [];
  for (const target of weightedLayers(to)) {
    const source = counterpart(target, byPath, byName);
    const values = source && valuesThatFit(source, target);
    if (!values) {
      reinitialized.push(target.path);
      continue;
    }
    target.weights.forEach((w, i) => setWeightValue(w, values[i]!.slice()));
  }
  return { reinitialized };
}
