/**
 * Siamese vision model on a shared Xception base — seeds/003 (Python notebook, DLwP chapter
 * 7), section "Models as layers": a dual-camera model; the same convolutional base (Xception,
 * include_top=False, weights=None) is called on the left and on the right 250x250 RGB image,
 * weights and all, and the two feature maps are concatenated.
 *
 * - `keras.applications.Xception` is not bundled with Strata; its architecture (without top,
 *   as keras.applications.xception builds it, with Keras' layer names) is written here by hand.
 *   weights=None in the notebook, so nothing pretrained is lost.
 * - The notebook writes `right_input = xception_base(right_input)`, overwriting the right
 *   input with its features, and stops at `merged_features`; here the features are
 *   `rightFeatures` and the model goes from both inputs to `mergedFeatures`, (None, 8, 8, 4096).
 * Xception without top has 20,861,480 params (Keras' documented count): 20,806,952 trainable
 * and 54,528 non-trainable (the BatchNormalization moving means and variances); the siamese
 * model adds no weights (arithmetic in README.md).
 */
import { Input, Model, layers } from 'strata';

/** keras.applications.Xception(include_top=False, weights=None): input (None, None, 3). */
function Xception() {
  const channelAxis = -1;
  const imgInput = Input({ shape: [null, null, 3] });

  let x = layers.Conv2D(32, [3, 3], { strides: [2, 2], useBias: false, name: 'block1_conv1' })(imgInput);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block1_conv1_bn' })(x);
  x = layers.Activation('relu', { name: 'block1_conv1_act' })(x);
  x = layers.Conv2D(64, [3, 3], { useBias: false, name: 'block1_conv2' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block1_conv2_bn' })(x);
  x = layers.Activation('relu', { name: 'block1_conv2_act' })(x);

  let residual = layers.Conv2D(128, [1, 1], { strides: [2, 2], padding: 'same', useBias: false })(x);
  residual = layers.BatchNormalization({ axis: channelAxis })(residual);

  x = layers.SeparableConv2D(128, [3, 3], { padding: 'same', useBias: false, name: 'block2_sepconv1' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block2_sepconv1_bn' })(x);
  x = layers.Activation('relu', { name: 'block2_sepconv2_act' })(x);
  x = layers.SeparableConv2D(128, [3, 3], { padding: 'same', useBias: false, name: 'block2_sepconv2' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block2_sepconv2_bn' })(x);

  x = layers.MaxPooling2D([3, 3], { strides: [2, 2], padding: 'same', name: 'block2_pool' })(x);
  x = layers.add([x, residual]);

  // Blocks 3 and 4: the same pattern with 256 and 728 filters, preceded by a relu.
  for (const [block, filters] of [[3, 256], [4, 728]] as const) {
    residual = layers.Conv2D(filters, [1, 1], { strides: [2, 2], padding: 'same', useBias: false })(x);
    residual = layers.BatchNormalization({ axis: channelAxis })(residual);

    x = layers.Activation('relu', { name: `block${block}_sepconv1_act` })(x);
    x = layers.SeparableConv2D(filters, [3, 3], { padding: 'same', useBias: false, name: `block${block}_sepconv1` })(x);
    x = layers.BatchNormalization({ axis: channelAxis, name: `block${block}_sepconv1_bn` })(x);
    x = layers.Activation('relu', { name: `block${block}_sepconv2_act` })(x);
    x = layers.SeparableConv2D(filters, [3, 3], { padding: 'same', useBias: false, name: `block${block}_sepconv2` })(x);
    x = layers.BatchNormalization({ axis: channelAxis, name: `block${block}_sepconv2_bn` })(x);

    x = layers.MaxPooling2D([3, 3], { strides: [2, 2], padding: 'same', name: `block${block}_pool` })(x);
    x = layers.add([x, residual]);
  }

  // Middle flow: eight identity-residual blocks of three separable convs.
  for (let i = 0; i < 8; i++) {
    residual = x;
    const prefix = `block${i + 5}`;

    x = layers.Activation('relu', { name: `${prefix}_sepconv1_act` })(x);
    x = layers.SeparableConv2D(728, [3, 3], { padding: 'same', useBias: false, name: `${prefix}_sepconv1` })(x);
    x = layers.BatchNormalization({ axis: channelAxis, name: `${prefix}_sepconv1_bn` })(x);
    x = layers.Activation('relu', { name: `${prefix}_sepconv2_act` })(x);
    x = layers.SeparableConv2D(728, [3, 3], { padding: 'same', useBias: false, name: `${prefix}_sepconv2` })(x);
    x = layers.BatchNormalization({ axis: channelAxis, name: `${prefix}_sepconv2_bn` })(x);
    x = layers.Activation('relu', { name: `${prefix}_sepconv3_act` })(x);
    x = layers.SeparableConv2D(728, [3, 3], { padding: 'same', useBias: false, name: `${prefix}_sepconv3` })(x);
    x = layers.BatchNormalization({ axis: channelAxis, name: `${prefix}_sepconv3_bn` })(x);

    x = layers.add([x, residual]);
  }

  // Exit flow.
  residual = layers.Conv2D(1024, [1, 1], { strides: [2, 2], padding: 'same', useBias: false })(x);
  residual = layers.BatchNormalization({ axis: channelAxis })(residual);

  x = layers.Activation('relu', { name: 'block13_sepconv1_act' })(x);
  x = layers.SeparableConv2D(728, [3, 3], { padding: 'same', useBias: false, name: 'block13_sepconv1' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block13_sepconv1_bn' })(x);
  x = layers.Activation('relu', { name: 'block13_sepconv2_act' })(x);
  x = layers.SeparableConv2D(1024, [3, 3], { padding: 'same', useBias: false, name: 'block13_sepconv2' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block13_sepconv2_bn' })(x);

  x = layers.MaxPooling2D([3, 3], { strides: [2, 2], padding: 'same', name: 'block13_pool' })(x);
  x = layers.add([x, residual]);

  x = layers.SeparableConv2D(1536, [3, 3], { padding: 'same', useBias: false, name: 'block14_sepconv1' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block14_sepconv1_bn' })(x);
  x = layers.Activation('relu', { name: 'block14_sepconv1_act' })(x);

  x = layers.SeparableConv2D(2048, [3, 3], { padding: 'same', useBias: false, name: 'block14_sepconv2' })(x);
  x = layers.BatchNormalization({ axis: channelAxis, name: 'block14_sepconv2_bn' })(x);
  x = layers.Activation('relu', { name: 'block14_sepconv2_act' })(x);

  return Model(imgInput, x, { name: 'xception' });
}

// The base image-processing model is the Xception network (convolutional base only).
const xceptionBase = Xception();

// The inputs are 250 × 250 RGB images.
const leftInput = Input({ shape: [250, 250, 3] });
const rightInput = Input({ shape: [250, 250, 3] });

// Calls the same vision model twice
const leftFeatures = xceptionBase(leftInput);
const rightFeatures = xceptionBase(rightInput);

// The merged features contain information from the right visual feed and the left visual feed.
const mergedFeatures = layers.concatenate([leftFeatures, rightFeatures], { axis: -1 });

export default Model([leftInput, rightInput], mergedFeatures, { name: 'siamese_xception' });
