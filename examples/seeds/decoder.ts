/**
 * decoder — seeds/000 (R) and seeds/001 (Python), section "All models are callable, just like
 * layers": turns a 16-dimensional code back into a 28x28x1 image. Guide summary: 9,569 params,
 * all trainable.
 */
import { Input, Model, layers } from 'strata';

const decoderInput = Input({ shape: [16], name: 'encoded_img' });
let x = layers.Reshape([4, 4, 1])(decoderInput);
x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
x = layers.Conv2DTranspose(32, 3, { activation: 'relu' })(x);
x = layers.UpSampling2D(3)(x);
x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
const decoderOutput = layers.Conv2DTranspose(1, 3, { activation: 'relu' })(x);

const decoder = Model(decoderInput, decoderOutput, { name: 'decoder' });
decoder.summary();

export default decoder;
