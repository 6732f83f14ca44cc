/**
 * Two-input question-answering model — seeds/003 (Python notebook, DLwP chapter 7), section
 * "Multi-Input models › A two-input question-answering model": a reference text and a question
 * (variable-length word-id sequences, inputs named "text" and "question") are each embedded and
 * encoded by their own LSTM; the codes are concatenated and a softmax over a 500-word answer
 * vocabulary sits on top. Compiled with rmsprop, categorical_crossentropy and "acc".
 * The notebook's summary is cut off after the embeddings (640,000 and 320,000 params, as
 * here); total 1,000,052 params, all trainable (arithmetic in README.md).
 */
import { Input, Model, layers } from 'strata';

const textVocabularySize = 10000;
const questionVocabularySize = 10000;
const answerVocabularySize = 500;

// Input one -- text
// The text input is a variable-length sequence of integers. Note that you can optionally name the inputs.
const textInput = Input({ shape: [null], dtype: 'int32', name: 'text' });

// Embeds the inputs into a sequence of vectors of size 64.
const embeddedText = layers.Embedding(textVocabularySize, 64)(textInput);

// Encodes the vectors in a single vector via an LSTM.
const encodedText = layers.LSTM(32)(embeddedText);

// Input two -- question
// Same process (with different layer instances) for the question
const questionInput = Input({ shape: [null], dtype: 'int32', name: 'question' });
const embeddedQuestion = layers.Embedding(questionVocabularySize, 32)(questionInput);
const encodedQuestion = layers.LSTM(16)(embeddedQuestion);

// Merging branches -- Concatenates the encoded question and encoded text
const concatenated = layers.concatenate([encodedText, encodedQuestion], { axis: -1 });

// Adds a softmax classifier on top
const answer = layers.Dense(answerVocabularySize, { activation: 'softmax' })(concatenated);

// At model instantiation, you specify the two inputs and the output.
const model = Model([textInput, questionInput], answer);

model.compile({
  optimizer: 'rmsprop',
  loss: 'categorical_crossentropy',
  metrics: ['acc'],
});

model.summary();

export default model;
