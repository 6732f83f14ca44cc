/**
 * Shared vision model — seeds/002 (R vignette), section "More examples › Shared vision
 * model": tells whether two MNIST digits (27x27x1) are the same digit. One vision model
 * (Conv2D 64 3x3 → Conv2D 64 3x3 → MaxPooling 2x2 → Flatten: 7,744 features, 37,568 params)
 * is called on both digits, weights and all; the two feature vectors are concatenated and a
 * sigmoid unit sits on top.
 * No summary printed; 37,568 + (15,488 + 1) = 53,057 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

// First, define the vision model
const digitInput = Input({ shape: [27, 27, 1] });
let x = layers.Conv2D(64, [3, 3])(digitInput);
x = layers.Conv2D(64, [3, 3])(x);
x = layers.MaxPooling2D([2, 2])(x);
const out = layers.Flatten()(x);

const visionModel = Model(digitInput, out);

// Then define the tell-digits-apart model
const digitA = Input({ shape: [27, 27, 1] });
const digitB = Input({ shape: [27, 27, 1] });

// The vision model will be shared, weights and all
const outA = visionModel(digitA);
const outB = visionModel(digitB);

const concatenated = layers.concatenate([outA, outB]);
const prediction = layers.Dense(1, { activation: 'sigmoid' })(concatenated);

const classificationModel = Model([digitA, digitB], prediction);

export default classificationModel;
