import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';

/**
 * `y[..., :] = table[indices[...], :]` (native embedding_fwd / embedding_bwd). Indices are
 * int32 or whole float32 values; one out of 0..inputDim-1 stops the step with an error naming
 * it. Indices get no gradient; the table's gradient is a scatter-add of the output gradient.
 */
export function embedding(L: Lowering, indices: PlanTensor, table: PlanTensor, name: string): PlanTensor {
  const [inputDim, outputDim] = table.shape as [number, number];
  const y = L.tensor(`${name}/output`, [...indices.shape, outputDim]);
  L.forward('embedding_fwd', [indices.buf, table.buf, y.buf], [inputDim, outputDim]);
  L.record([table], [y], () => {
    const dy = L.gradOf(y);
    const dTable = L.gradInto(table);
    if (dy === null || !dTable) return;
    L.backward('embedding_bwd', [indices.buf, dy, dTable.buf], [inputDim, outputDim, dTable.accumulate ? 1 : 0]);
  });
  return y;
}
