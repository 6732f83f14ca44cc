/**
 * ECharts with only the parts the studio draws (line, scatter and bar charts on a grid, with
 * tooltips, legends and zoom), so the bundle does not carry the whole library. Loaded when the
 * first chart appears (use-chart.ts), so opening the studio does not wait for it.
 */
import { BarChart, LineChart, ScatterChart, type BarSeriesOption, type LineSeriesOption, type ScatterSeriesOption } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type DataZoomComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { init, use, type ComposeOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, ScatterChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  LineSeriesOption | ScatterSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | DataZoomComponentOption
>;
export type { EChartsType, LineSeriesOption };

export function createChart(element: HTMLElement): EChartsType {
  return init(element, undefined, { renderer: 'canvas' });
}
