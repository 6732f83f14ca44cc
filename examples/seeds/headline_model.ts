/**
 * Headline model (main/aux inputs, main/aux outputs) — seeds/002 (R vignette), section
 * "Multi-input and multi-output models": predicts how many retweets and likes a news headline
 * gets. The main input is the headline (100 word ids from a 10,000-word vocabulary) →
 * Embedding(10000, 512) → LSTM(32); an auxiliary sigmoid output sits on the LSTM; an auxiliary
 * input of 5 features is concatenated with the LSTM output before three Dense(64, relu) and the
 * main sigmoid output. Compiled with rmsprop, binary_crossentropy on both outputs, and loss
 * weights 1.0 (main) / 0.2 (aux).
 * Guide summary: 5,200,610 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const mainInput = Input({ shape: [100], dtype: 'int32', name: 'main_input' });

let lstmOut = layers.Embedding(10000, 512, { inputLength: 100 })(mainInput);
lstmOut = layers.LSTM(32)(lstmOut);

// The auxiliary loss lets the LSTM and Embedding train smoothly even though the main loss
// is much higher in the model.
const auxiliaryOutput = layers.Dense(1, { activation: 'sigmoid', name: 'aux_output' })(lstmOut);

// Feed the auxiliary input by concatenating it with the LSTM output, stack a deep
// densely-connected network on top and add the main logistic regression layer.
const auxiliaryInput = Input({ shape: [5], name: 'aux_input' });

let x = layers.concatenate([lstmOut, auxiliaryInput]);
x = layers.Dense(64, { activation: 'relu' })(x);
x = layers.Dense(64, { activation: 'relu' })(x);
x = layers.Dense(64, { activation: 'relu' })(x);
const mainOutput = layers.Dense(1, { activation: 'sigmoid', name: 'main_output' })(x);

// A model with two inputs and two outputs:
const model = Model({
  inputs: [mainInput, auxiliaryInput],
  outputs: [mainOutput, auxiliaryOutput],
});
model.summary();

// Since the inputs and outputs are named, the losses and loss weights can be keyed by name:
model.compile({
  optimizer: 'rmsprop',
  loss: { main_output: 'binary_crossentropy', aux_output: 'binary_crossentropy' },
  lossWeights: { main_output: 1.0, aux_output: 0.2 },
});

export default model;
