/**
 * Inception module — seeds/002 (R vignette), section "More examples › Inception module"
 * (after "Going Deeper with Convolutions"): three towers over a 256x256x3 image — 1x1 → 3x3,
 * 1x1 → 5x5, and 3x3 max-pooling (stride 1, same) → 1x1 — each with 64 filters, padding
 * "same" and relu, concatenated.
 *
 * The vignette writes `layer_concatenate(..., axis = 1)`, a leftover of the channels-first
 * original of this example (input (3, 256, 256), where axis 1 is the channel axis). With the
 * channels-last input the vignette uses, the towers are joined on the channel axis, -1, as
 * Inception does: output (None, 256, 256, 192). The axis does not change the parameters.
 * The guide stops at `output`; the model here goes from `input_img` to it.
 * No summary printed; 140,160 params, all trainable (arithmetic in README.md).
 */
import { Input, Model, layers } from 'strata';

const inputImg = Input({ shape: [256, 256, 3] });

let tower1 = layers.Conv2D(64, [1, 1], { padding: 'same', activation: 'relu' })(inputImg);
tower1 = layers.Conv2D(64, [3, 3], { padding: 'same', activation: 'relu' })(tower1);

let tower2 = layers.Conv2D(64, [1, 1], { padding: 'same', activation: 'relu' })(inputImg);
tower2 = layers.Conv2D(64, [5, 5], { padding: 'same', activation: 'relu' })(tower2);

let tower3 = layers.MaxPooling2D([3, 3], { strides: [1, 1], padding: 'same' })(inputImg);
tower3 = layers.Conv2D(64, [1, 1], { padding: 'same', activation: 'relu' })(tower3);

const output = layers.concatenate([tower1, tower2, tower3], { axis: -1 });

export default Model(inputImg, output, { name: 'inception_module' });
