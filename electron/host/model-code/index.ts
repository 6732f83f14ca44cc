/**
 * The studio's model services: evaluating model code into the graph and summary the studio
 * shows (or the problems at their line and column), generating canonical code from a model
 * config, applying graph edits, and the layer catalog of the palette and inspector.
 */
export { evaluateForStudio } from './evaluate.js';
export { generateModelCode } from './codegen.js';
export { applyGraphEdit, type GraphEditResult } from './edits.js';
export { layerCatalog, checkLayerOptions } from './catalog.js';
