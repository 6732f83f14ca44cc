/** What a finished run is looked at with: its confusion matrix, and how its model differs from another run's. */
export { architectureDiff, type ModelArchitecture } from './architecture-diff.js';
export { confusionMatrix } from './confusion-matrix.js';
