/**
 * autoencoder (flat) — seeds/000 (R) and seeds/001 (Python), section "Use the same graph of
 * layers to define multiple models". One graph of layers gives two models: the encoder
 * (img → 16-d vector, 18,672 params) and the end-to-end autoencoder that continues the same
 * tensors through a mirrored decoder (Conv2DTranspose undoes Conv2D, UpSampling2D undoes
 * MaxPooling2D). Guide summary: 28,241 params, all trainable; output (None, 28, 28, 1).
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

x = layers.Reshape([4, 4, 1])(encoderOutput);
x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
x = layers.Conv2DTranspose(32, 3, { activation: 'relu' })(x);
x = layers.UpSampling2D(3)(x);
x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
const decoderOutput = layers.Conv2DTranspose(1, 3, { activation: 'relu' })(x);

const autoencoder = Model(encoderInput, decoderOutput, { name: 'autoencoder' });
autoencoder.summary();

export default autoencoder;
