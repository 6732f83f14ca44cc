/**
 * Video question answering model — seeds/002 (R vignette), section "More examples › Video
 * question answering model": the image QA model (vqa_model.ts) turned into a video QA model.
 * The trained vision model is applied to each of 100 frames with TimeDistributed (weights
 * reused) and an LSTM(256) summarises the frames; the question encoder of the image QA model is
 * made a model of its own and called on a new question input (weights reused); the two codes
 * are concatenated under a softmax over 1000 answers.
 * The file rebuilds what it needs of the image QA model (self-contained).
 * No summary printed; 169,436,968 params, all trainable (arithmetic in README.md).
 */
import { Input, Model, Sequential, layers } from 'strata';

// --- the image QA model's vision model and question encoder (vqa_model.ts) -----------------
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

const imageInput = Input({ shape: [224, 224, 3] });
const encodedImage = visionModel(imageInput);

const questionInput = Input({ shape: [100], dtype: 'int32' });
let encodedQuestion = layers.Embedding(10000, 256, { inputLength: 100 })(questionInput);
encodedQuestion = layers.LSTM(256)(encodedQuestion);

const merged = layers.concatenate([encodedQuestion, encodedImage]);
const output = layers.Dense(1000, { activation: 'softmax' })(merged);
const vqaModel = Model({ inputs: [imageInput, questionInput], outputs: output });
void vqaModel; // the image QA model itself (vqa_model.ts) is not used further

// --- the video QA model ---------------------------------------------------------------------
const videoInput = Input({ shape: [100, 224, 224, 3] });
// This is our video encoded via the previously trained visionModel (weights are reused)
let encodedVideo = layers.TimeDistributed(visionModel)(videoInput); // the output will be a sequence of vectors
encodedVideo = layers.LSTM(256)(encodedVideo); // the output will be a vector

// This is a model-level representation of the question encoder, reusing the same weights as before:
const questionEncoder = Model({ inputs: questionInput, outputs: encodedQuestion });

// Let's use it to encode the question:
const videoQuestionInput = Input({ shape: [100], dtype: 'int32' });
const encodedVideoQuestion = questionEncoder(videoQuestionInput);

// And this is our video question answering model:
const videoMerged = layers.concatenate([encodedVideo, encodedVideoQuestion]);
const videoOutput = layers.Dense(1000, { activation: 'softmax' })(videoMerged);
const videoQaModel = Model({ inputs: [videoInput, videoQuestionInput], outputs: videoOutput });

export default videoQaModel;
