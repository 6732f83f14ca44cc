/**
 * seq_model (Sequential, 64 → 32 → 32 → 10) — seeds/003 (Python notebook, DLwP chapter 7),
 * section "Show side by side a simple Sequential model and its equivalent in the functional
 * API" (the Sequential half; the functional half is seq_model_functional.ts).
 * Guide summary: dense 2,080 + dense_1 1,056 + dense_2 330 = 3,466 params, all trainable.
 */
import { Sequential, layers } from 'strata';

const seqModel = Sequential();
seqModel.add(layers.Dense(32, { activation: 'relu', inputShape: [64] }));
seqModel.add(layers.Dense(32, { activation: 'relu' }));
seqModel.add(layers.Dense(10, { activation: 'softmax' }));

seqModel.summary();

export default seqModel;
