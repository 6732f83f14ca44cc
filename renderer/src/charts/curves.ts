/**
 * Curves as ECharts line series: each downsampled (LTTB) to what the chart's width can show,
 * so a run of 100k batches draws as quickly as one of a thousand.
 */
import { lttb } from '../../../shared/charts/index.js';
import type { LineSeriesOption } from './echarts.js';

export interface Curve {
  name: string;
  colour: string;
  dashed?: boolean;
  /** Thin curves (per batch) sit under thick ones (per epoch). */
  thin?: boolean;
  x: Float64Array;
  y: Float64Array;
  length: number;
}

/** Points per curve: two per pixel of width, at most 2,000. */
export function pointsFor(width: number): number {
  return Math.max(100, Math.min(2000, Math.round(width * 2)));
}

export function curveSeries(curves: Curve[], width: number): LineSeriesOption[] {
  const target = pointsFor(width);
  return curves.map((curve) => {
    const { x, y } = lttb(curve.x, curve.y, target, curve.length);
    const data: Array<[number, number]> = new Array(x.length);
    for (let i = 0; i < x.length; i++) data[i] = [x[i]!, y[i]!];
    return {
      type: 'line',
      name: curve.name,
      data,
      showSymbol: data.length <= 30,
      symbolSize: 5,
      color: curve.colour,
      lineStyle: { width: curve.thin ? 1 : 2, type: curve.dashed ? 'dashed' : 'solid', opacity: curve.thin ? 0.8 : 1 },
      emphasis: { disabled: true },
      // Drawn in one pass, so a chart that says it is drawn is.
      progressive: 0,
    };
  });
}
