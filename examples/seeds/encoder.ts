/**
 * encoder — seeds/000 (R) and seeds/001 (Python), section "Use the same graph of layers to
 * define multiple models": turns 28x28x1 images into 16-dimensional vectors.
 * Guide summary: 18,672 params, all trainable.
 *
 * The same stack of layers continues into the flat autoencoder (autoencoder.ts); this file
 * stops at the encoder.
 */
import { Input, Model, layers } from 'strata';

const encoderInput = Input({ shape: [28, 28, 1], name: 'img' });
let x = layers.Conv2D(16, 3, { activation: 'relu' })(encoderInput);
x = layers.Conv2D(32, 3, { activation: 'relu' })(x);
x = layers.MaxPooling2D(3)(x);
x = layers.Conv2D(32, 3, { activation: 'relu' })(x);
x = layers.Conv2D(16, 3, { activation: 'relu' })(x);
const encoderOutput = layers.GlobalMaxPooling2D()(x);

const encoder = Model(encoderInput, encoderOutput, { name: 'encoder' });
encoder.summary();

export default encoder;
