/**
 * Input shapes at the nodes of a shared Conv2D — seeds/002 (R vignette), end of section
 * 'The concept of layer "node"': the same Conv2D(16, 3x3, padding "same") layer is applied to
 * a (32, 32, 3) input and then to a (64, 64, 3) input. After the first call `conv.inputShape`
 * is well defined; after the second the two nodes have different input shapes, so it raises
 * and `getInputShapeAt(0)` / `getInputShapeAt(1)` give each node's shape (the R guide's
 * get_input_shape_at(conv, 1) and (conv, 2), 1-based).
 * The guide builds no model; the model here has both inputs and both outputs.
 * No summary printed; 3·3·3·16 + 16 = 448 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const a = Input({ shape: [32, 32, 3] });
const b = Input({ shape: [64, 64, 3] });

const conv = layers.Conv2D(16, [3, 3], { padding: 'same' });
const convedA = conv(a);

// only one input so far, the following will work
console.log(JSON.stringify(conv.inputShape)); // [null,32,32,3]

const convedB = conv(b);

// now the `inputShape` property wouldn't work, but this does:
let error = '';
try {
  void conv.inputShape;
} catch (e) {
  error = (e as Error).message;
}
if (!error) throw new Error('conv.inputShape should raise once the nodes have different input shapes');
console.log(JSON.stringify(conv.getInputShapeAt(0))); // [null,32,32,3]
console.log(JSON.stringify(conv.getInputShapeAt(1))); // [null,64,64,3]

export default Model({ inputs: [a, b], outputs: [convedA, convedB], name: 'conv_nodes' });
