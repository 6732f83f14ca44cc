/**
 * Layer nodes of a shared Dense — seeds/004 (Python notebook, Keras 2), section 'The concept
 * of layer "node"': with one call, `dense.output` is that call's output (`assert
 * dense.output == affine_a`); after a second call on another input `dense.output` raises
 * ("has multiple inbound nodes ... Use get_output_at(node_index) instead") and
 * `getOutputAt(0)` / `getOutputAt(1)` give each call's output.
 * The notebook builds no model; the model here has both inputs and both outputs.
 * No summary printed; 256·32 + 32 = 8,224 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

function assert(condition: boolean, what: string): void {
  if (!condition) throw new Error(`assertion failed: ${what}`);
}

{
  const a = Input({ shape: [140, 256] });

  const dense = layers.Dense(32);
  const affineA = dense(a);

  assert(dense.output === affineA, 'dense.output === affineA');
}

const a = Input({ shape: [140, 256] });
const b = Input({ shape: [140, 256] });

const dense = layers.Dense(32);
const affineA = dense(a);
const affineB = dense(b);

let error = '';
try {
  void dense.output;
} catch (e) {
  error = (e as Error).message;
}
assert(error.includes('multiple inbound nodes'), 'dense.output raises with two nodes');
console.log(error);

// Okay then. The following works:
assert(dense.getOutputAt(0) === affineA, 'dense.getOutputAt(0) === affineA');
assert(dense.getOutputAt(1) === affineB, 'dense.getOutputAt(1) === affineB');

export default Model({ inputs: [a, b], outputs: [affineA, affineB], name: 'dense_nodes' });
