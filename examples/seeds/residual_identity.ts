/**
 * Identity residual connection — seeds/003 (Python notebook, DLwP chapter 7), section
 * "Residual connections", first example: three Conv2D(128, 3, relu, padding "same") and the
 * input added back (the feature-map sizes are the same).
 * The notebook starts from "a 4D input tensor x"; here x is a 32x32x128 feature map (128
 * channels, so that it can be added to the convs' output).
 * No summary printed; 3 · (3·3·128·128 + 128) = 442,752 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const x = Input({ shape: [32, 32, 128] });

// Applies a transformation to x
let y = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(x);
y = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(y);
y = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(y);

// Adds the original x back to the output features
y = layers.add([y, x]);

export default Model(x, y, { name: 'residual_identity' });
