/**
 * Inception V3-style module — seeds/003 (Python notebook, DLwP chapter 7), section "Directed
 * acyclic graphs of layers › Inception modules": four branches over the same input, each
 * ending in a stride-2 step, concatenated on the channel axis.
 *
 * The notebook starts from `x = ...`; here x is a 32x32x256 feature map. As printed, with
 * Keras' default padding "valid", the branches do not come out the same size (on 32x32:
 * 16x16, 15x15, 13x13 and 14x14) and the concatenation raises, although the comment says every
 * branch keeps the same size; like the book's later edition, every conv and the pooling here
 * use padding "same", so each branch gives 16x16x128 and the module (None, 16, 16, 512).
 * No summary printed; 836,480 params, all trainable (arithmetic in README.md).
 */
import { Input, Model, layers } from 'strata';

const x = Input({ shape: [32, 32, 256] });

// Every branch has the same stride value (2), which is necessary to
// keep all branch outputs the same size so you can concatenate them.
const branchA = layers.Conv2D(128, 1, { activation: 'relu', strides: 2, padding: 'same' })(x);

// In this branch, the striding occurs in the spatial convolution layer.
let branchB = layers.Conv2D(128, 1, { activation: 'relu', padding: 'same' })(x);
branchB = layers.Conv2D(128, 3, { activation: 'relu', strides: 2, padding: 'same' })(branchB);

// In this branch, the striding occurs in the average pooling layer.
let branchC = layers.AveragePooling2D(3, { strides: 2, padding: 'same' })(x);
branchC = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(branchC);

let branchD = layers.Conv2D(128, 1, { activation: 'relu', padding: 'same' })(x);
branchD = layers.Conv2D(128, 3, { activation: 'relu', padding: 'same' })(branchD);
branchD = layers.Conv2D(128, 3, { activation: 'relu', strides: 2, padding: 'same' })(branchD);

// Concatenates the branch outputs to obtain the module output
const output = layers.concatenate([branchA, branchB, branchC, branchD], { axis: -1 });

export default Model(x, output, { name: 'inception_v3_module' });
