/**
 * The `layers` namespace of model files: Keras' layer names as factories taking the required
 * arguments by position and the rest as options — `layers.Dense(64, { activation: 'relu' })`,
 * `layers.Conv2D(32, 3, { padding: 'same' })` — or one options object, `layers.Dense({ units: 64 })`.
 * `layers.Layer` is the base class for custom layers.
 */
import { Layer } from '../graph/layer.js';
import * as core from './core.js';

export const layers = {
  Layer,
  ...core.factories,
};
