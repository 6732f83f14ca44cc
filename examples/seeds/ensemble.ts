/**
 * ensemble_model — seeds/000 (R) and seeds/001 (Python), section "All models are callable,
 * just like layers" (model nesting for ensembling): three small models (128 → Dense(1)) are
 * called on one input and their predictions averaged.
 * No summary printed; 3 × (128·1 + 1) = 387 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

function getModel() {
  const inputs = Input({ shape: [128] });
  const outputs = layers.Dense(1)(inputs);
  return Model(inputs, outputs);
}

const model1 = getModel();
const model2 = getModel();
const model3 = getModel();

const inputs = Input({ shape: [128] });
const y1 = model1(inputs);
const y2 = model2(inputs);
const y3 = model3(inputs);
const outputs = layers.average([y1, y2, y3]);
const ensembleModel = Model({ inputs, outputs });

export default ensembleModel;
