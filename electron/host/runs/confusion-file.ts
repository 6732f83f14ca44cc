/**
 * `confusion.json`: a finished classifier's confusion matrix, with each counted sample's true
 * and predicted class, so that a cell of the matrix can list its samples.
 */
import { readFile } from 'node:fs/promises';
import type { ConfusionMatrix } from '../../../shared/ipc/index.js';
import type { HostTensor } from '../../engine/data/index.js';
import { writeFileAtomic } from '../../engine/io/atomic-write.js';
import { isNotFound } from '../projects/files.js';

export interface ConfusionRecord {
  matrix: ConfusionMatrix;
  /** The dataset split the samples are from, and the index in it of the first one counted. */
  split: string;
  offset: number;
  actual: Int32Array;
  predicted: Int32Array;
}

/** Class indices from labels given as indices ([N]) or one-hot rows ([N, C]). */
function classIndices(labels: HostTensor): Int32Array {
  const n = labels.shape[0]!;
  const row = labels.shape.slice(1).reduce((a, d) => a * d, 1);
  if (row === 1) return Int32Array.from(labels.data.subarray(0, n), (v) => Math.round(v));
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < row; j++) if (labels.data[i * row + j]! > labels.data[i * row + best]!) best = j;
    return best;
  });
}

export function writeConfusion(
  path: string,
  record: { matrix: ConfusionMatrix; split: string; offset: number; labels: HostTensor; predicted: Int32Array },
): void {
  const { matrix, split, offset, labels, predicted } = record;
  const json = {
    matrix: { ...matrix, counts: Array.from(matrix.counts) },
    split,
    offset,
    actual: Array.from(classIndices(labels)),
    predicted: Array.from(predicted),
  };
  writeFileAtomic(path, JSON.stringify(json));
}

export async function readConfusion(path: string): Promise<ConfusionRecord | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const raw = JSON.parse(text) as { matrix: ConfusionMatrix & { counts: number[] }; split: string; offset: number; actual: number[]; predicted: number[] };
  return {
    matrix: { ...raw.matrix, counts: Int32Array.from(raw.matrix.counts) },
    split: raw.split,
    offset: raw.offset,
    actual: Int32Array.from(raw.actual),
    predicted: Int32Array.from(raw.predicted),
  };
}

/** The dataset indices of up to `limit` samples of class `actual` predicted as `predicted`. */
export function cellSamples(record: ConfusionRecord, actual: number, predicted: number, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < record.actual.length && out.length < limit; i++) {
    if (record.actual[i] === actual && record.predicted[i] === predicted) out.push(record.offset + i);
  }
  return out;
}
