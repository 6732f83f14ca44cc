/**
 * feat_extraction_model — seeds/000 (R) and seeds/001 (Python), section "Extract and reuse
 * nodes in the graph of layers" (and again in "A functional model is plottable and
 * inspectable"): because a functional model is a data structure, the output of every layer of
 * VGG19 can be queried and made the outputs of a new model that returns all intermediate
 * activations (useful for neural style transfer).
 *
 * The guides load VGG19 with pretrained ImageNet weights (`keras.applications.VGG19()`);
 * Strata has no bundled applications, so VGG19's architecture is written here by hand (as in
 * vgg19.ts; the file is self-contained) and its weights are freshly initialized.
 * The extraction model shares every layer with VGG19: 143,667,240 params, all trainable.
 */
import { Input, Model, layers, type SymbolicTensor } from 'strata';

function VGG19() {
  const imgInput = Input({ shape: [224, 224, 3] });
  let x = imgInput;
  const blocks: Array<[number, number]> = [[64, 2], [128, 2], [256, 4], [512, 4], [512, 4]];
  blocks.forEach(([filters, convs], b) => {
    for (let c = 1; c <= convs; c++) {
      x = layers.Conv2D(filters, [3, 3], { activation: 'relu', padding: 'same', name: `block${b + 1}_conv${c}` })(x);
    }
    x = layers.MaxPooling2D([2, 2], { strides: [2, 2], name: `block${b + 1}_pool` })(x);
  });
  x = layers.Flatten({ name: 'flatten' })(x);
  x = layers.Dense(4096, { activation: 'relu', name: 'fc1' })(x);
  x = layers.Dense(4096, { activation: 'relu', name: 'fc2' })(x);
  x = layers.Dense(1000, { activation: 'softmax', name: 'predictions' })(x);
  return Model(imgInput, x, { name: 'vgg19' });
}

const vgg19 = VGG19();

// The intermediate activations of the model, obtained by querying the graph data structure:
const featuresList = vgg19.layers.map((layer) => layer.output as SymbolicTensor);

// A feature-extraction model that returns the values of the intermediate layer activations:
const featExtractionModel = Model({ inputs: vgg19.input, outputs: featuresList });

export default featExtractionModel;
