/** Pure helpers for charts: downsampling long series and the Pareto front of a scatter. */
export * from './lttb.js';
export * from './pareto.js';
