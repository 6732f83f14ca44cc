/**
 * shared embedding — seeds/000 (R) and seeds/001 (Python), section "Shared layers": one
 * Embedding(1000, 128) layer called on two variable-length int sequences; both calls reuse the
 * same weights, so the layer has two nodes. The guides stop at the two encoded tensors; this
 * file makes them the two outputs of a model so that the graph can be inspected.
 * No summary printed; 1000 · 128 = 128,000 params, counted once, all trainable.
 */
import { Input, Model, layers } from 'strata';

// Embedding for 1000 unique words mapped to 128-dimensional vectors
const sharedEmbedding = layers.Embedding(1000, 128);

// Variable-length sequence of integers
const textInputA = Input({ shape: [null], dtype: 'int32' });

// Variable-length sequence of integers
const textInputB = Input({ shape: [null], dtype: 'int32' });

// Reuse the same layer to encode both inputs
const encodedInputA = sharedEmbedding(textInputA);
const encodedInputB = sharedEmbedding(textInputB);

export default Model([textInputA, textInputB], [encodedInputA, encodedInputB], { name: 'shared_embedding' });
