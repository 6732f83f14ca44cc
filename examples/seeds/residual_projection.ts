/**
 * Linear (projection) residual connection — seeds/003 (Python notebook, DLwP chapter 7),
 * section "Residual connections", second example: two Conv2D(128, 3, relu, same) and a 2x2
 * max-pooling halve the feature map, so the input is brought to the same shape by a 1x1
 * convolution with stride 2 (no activation) before it is added.
 * The notebook starts from "a 4D input tensor x"; here x is a 32x32x64 feature map.
 * No summary printed; (3·3·64·128+128) + (3·3·128·128+128) + (64·128+128) = 229,760 params,
 * all trainable.
 */
import { Input, Model, layers } from 'strata';

const x = Input({ shape: [32, 32, 64] });
let y = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(x);
y = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(y);
y = layers.MaxPooling2D(2, { strides: 2 })(y);

// Uses a 1 × 1 convolution to linearly downsample
// the original x tensor to the same shape as y
const residual = layers.Conv2D(128, 1, { strides: 2, padding: 'same' })(x);

// Adds the residual tensor back to the output features
y = layers.add([y, residual]);

export default Model(x, y, { name: 'residual_projection' });
