/**
 * Inception block — a small CIFAR-10-sized classifier (32x32 RGB images, 10 classes) built
 * around one Inception-v1 block ("Going Deeper with Convolutions", Szegedy et al. 2014; the
 * filter counts are those of block 3a of GoogLeNet).
 *
 *   stem   Conv2D 64 3x3 + 2x2 max-pooling          → 16x16x64
 *   block  four parallel branches over the same input, concatenated on the channel axis:
 *            1x1 conv (64)
 *            1x1 conv (96)  → 3x3 conv (128)        the 1x1 "reduces" channels before the
 *            1x1 conv (16)  → 5x5 conv (32)         expensive 3x3 / 5x5 convolutions
 *            3x3 max-pool (stride 1) → 1x1 conv (32)
 *          every branch keeps 16x16 ('same' padding), so the block gives 16x16x256
 *   head   global average pooling → dropout 0.4 → Dense(10, softmax)
 *
 * 141,434 params, all trainable. Train with integer labels (sparse categorical crossentropy).
 * Try stacking a second block, or widening the branches.
 */
import { Input, Model, layers } from 'strata';

const inputs = Input({ shape: [32, 32, 3], name: 'image' });

// Stem
let x = layers.Conv2D(64, 3, { padding: 'same', activation: 'relu', name: 'stem_conv' })(inputs);
x = layers.MaxPooling2D(2, { name: 'stem_pool' })(x);

// Inception block
const branch1x1 = layers.Conv2D(64, 1, { padding: 'same', activation: 'relu', name: 'inception_1x1' })(x);

let branch3x3 = layers.Conv2D(96, 1, { padding: 'same', activation: 'relu', name: 'inception_3x3_reduce' })(x);
branch3x3 = layers.Conv2D(128, 3, { padding: 'same', activation: 'relu', name: 'inception_3x3' })(branch3x3);

let branch5x5 = layers.Conv2D(16, 1, { padding: 'same', activation: 'relu', name: 'inception_5x5_reduce' })(x);
branch5x5 = layers.Conv2D(32, 5, { padding: 'same', activation: 'relu', name: 'inception_5x5' })(branch5x5);

let branchPool = layers.MaxPooling2D(3, { strides: 1, padding: 'same', name: 'inception_pool' })(x);
branchPool = layers.Conv2D(32, 1, { padding: 'same', activation: 'relu', name: 'inception_pool_proj' })(branchPool);

x = layers.concatenate([branch1x1, branch3x3, branch5x5, branchPool], { axis: -1, name: 'inception_output' });

// Classifier head
x = layers.GlobalAveragePooling2D({ name: 'avg_pool' })(x);
x = layers.Dropout(0.4)(x);
const outputs = layers.Dense(10, { activation: 'softmax', name: 'predictions' })(x);

const model = Model({ inputs, outputs, name: 'inception_block' });
model.compile({
  optimizer: 'adam',
  loss: 'sparse_categorical_crossentropy',
  metrics: ['accuracy'],
});

export default model;
