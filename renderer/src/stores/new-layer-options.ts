/**
 * The options a layer added from the palette starts with. Optional options keep the engine's
 * default (they are left out, as model code leaves them out); a required option gets a value
 * a person would likely pick first, which the inspector then lets them change.
 */
import type { LayerClass, LayerOption } from '../../../shared/ipc/index.js';

/** Starting values for required options that are common across layer families, by option name. */
const STARTING_VALUES: Record<string, unknown> = {
  units: 32,
  filters: 32,
  kernelSize: 3,
  poolSize: 2,
  rate: 0.5,
  inputDim: 1000,
  outputDim: 32,
  numHeads: 2,
  keyDim: 32,
  targetShape: [-1],
  dims: [1],
};

/** By the kind of value, for required options not named above. */
function startingValueOfKind(option: LayerOption): unknown {
  switch (option.kind) {
    case 'integer':
      return 1;
    case 'number':
      return 0.5;
    case 'boolean':
      return false;
    case 'choice':
      return option.choices?.[0] ?? '';
    case 'shape':
      return [1];
    case 'string':
      return '';
    case 'json':
      return null;
  }
}

export function newLayerOptions(layerClass: LayerClass | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const option of layerClass?.options ?? []) {
    if (!option.required || option.default !== undefined) continue;
    options[option.name] = Object.prototype.hasOwnProperty.call(STARTING_VALUES, option.name) ? STARTING_VALUES[option.name] : startingValueOfKind(option);
  }
  return options;
}
