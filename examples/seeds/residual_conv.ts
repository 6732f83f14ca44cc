/**
 * Residual connection on a convolution layer — seeds/002 (R vignette), section "More
 * examples › Residual connection on a convolution layer" (after "Deep Residual Learning for
 * Image Recognition"): a 3x3 conv with 3 output channels (as many as the input has), padding
 * "same", added back to its input: z = x + conv(x).
 * The guide stops at `z`; the model here goes from `x` to it.
 * No summary printed; 3·3·3·3 + 3 = 84 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

// input tensor for a 3-channel 256x256 image
const x = Input({ shape: [256, 256, 3] });
// 3x3 conv with 3 output channels (same as input channels)
const y = layers.Conv2D(3, [3, 3], { padding: 'same' })(x);
// this returns x + y.
const z = layers.add([x, y]);

export default Model(x, z, { name: 'residual_conv' });
