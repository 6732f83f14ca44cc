/**
 * An ECharts instance bound to a component's element: created on mount (ECharts itself loads
 * with the first chart), resized with the element, disposed on unmount. Draws are coalesced to
 * one per animation frame, however often data arrives.
 */
import { onBeforeUnmount, onMounted, type Ref } from 'vue';
import type { ChartOption, EChartsType } from './echarts.js';

export function useChart(element: Ref<HTMLElement | null>, base: ChartOption, draw: (chart: EChartsType, width: number) => void) {
  let chart: EChartsType | null = null;
  let frame = 0;
  let resize: ResizeObserver | null = null;
  let unmounted = false;

  function redraw(): void {
    if (frame !== 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (chart && element.value) draw(chart, element.value.clientWidth);
    });
  }

  onMounted(async () => {
    const { createChart } = await import('./echarts.js');
    if (unmounted || !element.value) return;
    chart = createChart(element.value);
    chart.setOption(base);
    resize = new ResizeObserver(() => {
      chart?.resize();
      redraw();
    });
    resize.observe(element.value);
    redraw();
  });

  onBeforeUnmount(() => {
    unmounted = true;
    if (frame !== 0) cancelAnimationFrame(frame);
    resize?.disconnect();
    chart?.dispose();
    chart = null;
  });

  return { redraw };
}
