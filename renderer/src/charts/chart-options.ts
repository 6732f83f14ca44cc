/** Options every studio chart starts from. */
import type { ChartOption } from './echarts.js';

/** What every studio chart shares: no animation (live data), quiet axes. */
export const BASE_OPTION: ChartOption = {
  animation: false,
  grid: { left: 48, right: 16, top: 28, bottom: 28, containLabel: false },
  tooltip: { trigger: 'axis', confine: true },
  textStyle: { fontFamily: 'system-ui, sans-serif', fontSize: 11 },
};
