/**
 * mlp — seeds/000 (R) and seeds/001 (Python), section "When to use the functional API ›
 * Functional API strengths › Less verbose": the functional version of a two-layer MLP,
 * 32 → Dense(64, relu) → Dense(10), compared there with the same MLP written as a subclassed
 * Model (class MLP(keras.Model) with call()). The subclassed version is Python/R code rather
 * than a graph of layers — the guides' point — and Strata model files are graphs, so only the
 * functional version is here.
 * No summary printed; (32·64+64) + (64·10+10) = 2,762 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const inputs = Input({ shape: [32] });
const x = layers.Dense(64, { activation: 'relu' })(inputs);
const outputs = layers.Dense(10)(x);
const mlp = Model(inputs, outputs);

export default mlp;
