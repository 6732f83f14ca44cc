/**
 * The `layers` namespace of model files: Keras' layer names as factories taking the required
 * arguments by position and the rest as options — `layers.Dense(64, { activation: 'relu' })`,
 * `layers.Conv2D(32, 3, { padding: 'same' })` — or one options object, `layers.Dense({ units: 64 })`.
 * `layers.Layer` is the base class for custom layers.
 */
import { Layer } from '../graph/layer.js';
import * as core from './core.js';
import * as conv from './conv.js';
import * as pooling from './pooling.js';
import * as reshaping from './reshaping.js';
import * as merge from './merge.js';
import * as normalization from './normalization.js';
import * as activation from './activation.js';
import * as recurrent from './recurrent.js';
import * as wrappers from './wrappers.js';
import * as embedding from './embedding.js';

export const layers = {
  Layer,
  ...core.factories,
  ...conv.factories,
  ...pooling.factories,
  ...reshaping.factories,
  ...merge.factories,
  ...normalization.factories,
  ...activation.factories,
  ...recurrent.factories,
  ...wrappers.factories,
  ...embedding.factories,
};
