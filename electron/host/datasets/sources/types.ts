/** What each kind of dataset source reads: the data as the source holds it, before preprocessing. */
import type { HostTensor } from '../../../engine/data/index.js';

/** A split's tensors by field name; axis 0 is the sample axis. */
export type FieldTensors = Record<string, HostTensor>;

/** How the preview draws a sample of the dataset. */
export type SampleView =
  | { kind: 'image'; field: string }
  | {
      kind: 'row';
      field: string;
      /** A name for each value of a sample of `field`, in order. */
      columns: string[];
      /** For columns read as categories (by position in `columns`): index → the text it stands for. */
      categories: Record<number, string[]>;
    };

export interface SourceData {
  /** The source's own splits (`train`, and `test` when it has one). */
  splits: Record<string, FieldTensors>;
  /** Feature fields: float32, in source units (pixels 0..255). */
  features: string[];
  /** The label field: int32 class indices when `classNames` is set, float32 targets otherwise; null when unlabelled. */
  label: string | null;
  /** Further label fields (a model with several outputs), used as they are: not counted, not one-hot encoded. */
  targets?: string[];
  classNames: string[] | null;
  view: SampleView;
}

/** Names of the fields every source uses, so that a model input named after a field maps the same way whatever the source. */
export const FIELD = { image: 'image', features: 'features', label: 'label' } as const;
