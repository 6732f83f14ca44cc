/**
 * vgg19 — the model seeds/000 (R: `application_vgg19()`) and seeds/001 (Python:
 * `tf.keras.applications.VGG19()`) load in "Extract and reuse nodes in the graph of layers".
 * Strata has no bundled applications or ImageNet weights, so this is the architecture written
 * by hand after keras.applications.vgg19 (include_top=True, 224x224x3 input, 1000 classes),
 * with Keras' layer names. Weights are freshly initialized, not pretrained.
 * Keras documents 143,667,240 params (all trainable); arithmetic in README.md.
 */
import { Input, Model, layers } from 'strata';

const imgInput = Input({ shape: [224, 224, 3] });
// Block 1
let x = layers.Conv2D(64, [3, 3], { activation: 'relu', padding: 'same', name: 'block1_conv1' })(imgInput);
x = layers.Conv2D(64, [3, 3], { activation: 'relu', padding: 'same', name: 'block1_conv2' })(x);
x = layers.MaxPooling2D([2, 2], { strides: [2, 2], name: 'block1_pool' })(x);
// Block 2
x = layers.Conv2D(128, [3, 3], { activation: 'relu', padding: 'same', name: 'block2_conv1' })(x);
x = layers.Conv2D(128, [3, 3], { activation: 'relu', padding: 'same', name: 'block2_conv2' })(x);
x = layers.MaxPooling2D([2, 2], { strides: [2, 2], name: 'block2_pool' })(x);
// Block 3
x = layers.Conv2D(256, [3, 3], { activation: 'relu', padding: 'same', name: 'block3_conv1' })(x);
x = layers.Conv2D(256, [3, 3], { activation: 'relu', padding: 'same', name: 'block3_conv2' })(x);
x = layers.Conv2D(256, [3, 3], { activation: 'relu', padding: 'same', name: 'block3_conv3' })(x);
x = layers.Conv2D(256, [3, 3], { activation: 'relu', padding: 'same', name: 'block3_conv4' })(x);
x = layers.MaxPooling2D([2, 2], { strides: [2, 2], name: 'block3_pool' })(x);
// Block 4
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block4_conv1' })(x);
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block4_conv2' })(x);
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block4_conv3' })(x);
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block4_conv4' })(x);
x = layers.MaxPooling2D([2, 2], { strides: [2, 2], name: 'block4_pool' })(x);
// Block 5
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block5_conv1' })(x);
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block5_conv2' })(x);
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block5_conv3' })(x);
x = layers.Conv2D(512, [3, 3], { activation: 'relu', padding: 'same', name: 'block5_conv4' })(x);
x = layers.MaxPooling2D([2, 2], { strides: [2, 2], name: 'block5_pool' })(x);
// Classification block
x = layers.Flatten({ name: 'flatten' })(x);
x = layers.Dense(4096, { activation: 'relu', name: 'fc1' })(x);
x = layers.Dense(4096, { activation: 'relu', name: 'fc2' })(x);
x = layers.Dense(1000, { activation: 'softmax', name: 'predictions' })(x);

const vgg19 = Model(imgInput, x, { name: 'vgg19' });

export default vgg19;
