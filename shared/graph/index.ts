/** Graph drawing shared by the CLI (`strata plot`) and the studio (SVG export): layout, then SVG. */
export * from './layout.js';
export * from './svg.js';
