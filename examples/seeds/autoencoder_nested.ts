/**
 * autoencoder (nested) — seeds/000 (R) and seeds/001 (Python), section "All models are
 * callable, just like layers". An encoder model (input "original_img", 18,672 params) and a
 * decoder model (9,569 params) are chained by calling them like layers; the autoencoder holds
 * them as two nested models. Guide summary: img, encoder (Functional), decoder (Functional);
 * 28,241 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const encoderInput = Input({ shape: [28, 28, 1], name: 'original_img' });
let x = layers.Conv2D(16, 3, { activation: 'relu' })(encoderInput);
x = layers.Conv2D(32, 3, { activation: 'relu' })(x);
x = layers.MaxPooling2D(3)(x);
x = layers.Conv2D(32, 3, { activation: 'relu' })(x);
x = layers.Conv2D(16, 3, { activation: 'relu' })(x);
const encoderOutput = layers.GlobalMaxPooling2D()(x);

const encoder = Model(encoderInput, encoderOutput, { name: 'encoder' });
encoder.summary();

const decoderInput = Input({ shape: [16], name: 'encoded_img' });
x = layers.Reshape([4, 4, 1])(decoderInput);
x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
x = layers.Conv2DTranspose(32, 3, { activation: 'relu' })(x);
x = layers.UpSampling2D(3)(x);
x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
const decoderOutput = layers.Conv2DTranspose(1, 3, { activation: 'relu' })(x);

const decoder = Model(decoderInput, decoderOutput, { name: 'decoder' });
decoder.summary();

const autoencoderInput = Input({ shape: [28, 28, 1], name: 'img' });
const encodedImg = encoder(autoencoderInput);
const decodedImg = decoder(encodedImg);
const autoencoder = Model(autoencoderInput, decodedImg, { name: 'autoencoder' });
autoencoder.summary();

export default autoencoder;
