/** The graph editor: the model drawn as a graph, the layer palette, and the layer inspector. */
export { default as GraphView } from './GraphView.vue';
export { default as LayerPalette } from './LayerPalette.vue';
export { default as LayerInspector } from './LayerInspector.vue';
export { findViewNode } from './flatten.js';
