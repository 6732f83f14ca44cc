/**
 * Layer nodes of a shared LSTM — seeds/002 (R vignette), section 'The concept of layer
 * "node"'. Each call of a layer adds a node. With one node `lstm.output` is that call's output;
 * once the same LSTM(32) is called on two inputs `lstm.output` is ill-defined and raises, and
 * `getOutputAt(0)` / `getOutputAt(1)` give each call's output (the R guide's
 * get_output_at(lstm, 1) and get_output_at(lstm, 2), 1-based).
 * The guide builds no model; the model here has both inputs and the two encodings as outputs.
 * No summary printed; LSTM(32) on 256 features: 4·(32·(256+32)+32) = 36,992 params, all
 * trainable.
 */
import { Input, Model, layers } from 'strata';

{
  const a = Input({ shape: [280, 256] });
  const lstm = layers.LSTM(32);
  const encodedA = lstm(a);
  if (lstm.output !== encodedA) throw new Error('with one node, lstm.output is the output of that call');
}

const a = Input({ shape: [280, 256] });
const b = Input({ shape: [280, 256] });
const lstm = layers.LSTM(32);
const encodedA = lstm(a);
const encodedB = lstm(b);

let error = '';
try {
  void lstm.output;
} catch (e) {
  error = (e as Error).message;
}
// Layer lstm_1 has multiple inbound nodes, hence the notion of "layer output" is ill-defined.
if (!error.includes('multiple inbound nodes')) throw new Error(`lstm.output should raise with two nodes; got "${error}"`);
console.log(error);

// Okay then. The following works:
if (lstm.getOutputAt(0) !== encodedA) throw new Error('getOutputAt(0) should be the first call');
if (lstm.getOutputAt(1) !== encodedB) throw new Error('getOutputAt(1) should be the second call');

export default Model({ inputs: [a, b], outputs: [encodedA, encodedB], name: 'lstm_nodes' });
