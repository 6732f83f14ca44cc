/**
 * Visual question answering model — seeds/002 (R vignette), section "More examples › Visual
 * question answering model": picks a one-word answer to a natural-language question about a
 * picture. A Sequential vision model encodes a 224x224x3 image into a 160,000-d vector; an
 * Embedding(10000, 256) + LSTM(256) encodes a 100-word question; the two are concatenated and a
 * softmax over 1000 candidate answers sits on top.
 * No summary printed; 165,077,800 params, all trainable (arithmetic in README.md).
 */
import { Input, Model, Sequential, layers } from 'strata';

// First, let's define a vision model using a Sequential model.
// This model will encode an image into a vector.
const visionModel = Sequential();
visionModel.add(layers.Conv2D(64, [3, 3], { activation: 'relu', padding: 'same', inputShape: [224, 224, 3] }));
visionModel.add(layers.Conv2D(64, [3, 3], { activation: 'relu' }));
visionModel.add(layers.MaxPooling2D([2, 2]));
visionModel.add(layers.Conv2D(128, [3, 3], { activation: 'relu', padding: 'same' }));
visionModel.add(layers.Conv2D(128, [3, 3], { activation: 'relu' }));
visionModel.add(layers.MaxPooling2D([2, 2]));
visionModel.add(layers.Conv2D(256, [3, 3], { activation: 'relu', padding: 'same' }));
visionModel.add(layers.Conv2D(256, [3, 3], { activation: 'relu' }));
visionModel.add(layers.Conv2D(256, [3, 3], { activation: 'relu' }));
visionModel.add(layers.MaxPooling2D([2, 2]));
visionModel.add(layers.Flatten());

// Now let's get a tensor with the output of our vision model:
const imageInput = Input({ shape: [224, 224, 3] });
const encodedImage = visionModel(imageInput);

// Next, let's define a language model to encode the question into a vector.
// Each question will be at most 100 word long,
// and we will index words as integers from 1 to 9999.
const questionInput = Input({ shape: [100], dtype: 'int32' });
let encodedQuestion = layers.Embedding(10000, 256, { inputLength: 100 })(questionInput);
encodedQuestion = layers.LSTM(256)(encodedQuestion);

// Let's concatenate the question vector and the image vector then
// train a logistic regression over 1000 words on top
const merged = layers.concatenate([encodedQuestion, encodedImage]);
const output = layers.Dense(1000, { activation: 'softmax' })(merged);

// This is our final model:
const vqaModel = Model({ inputs: [imageInput, questionInput], outputs: output });

export default vqaModel;
