// charts/echarts.js: the only module that imports ECharts. It is loaded with a
// dynamic import when a chart is first shown, so pages without charts (the
// board above all) never download it. Only the chart kinds used are included:
// the funnel (pipeline by stage) and bars (forecast calibration).
import { BarChart, FunnelChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([FunnelChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const esc = echarts.format.encodeHTML;
const PALETTE = ['#4f46e5', '#6366f1', '#818cf8', '#a5b4fc', '#c7d2fe', '#e0e7ff'];

function mount(el, option, onClick) {
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption(option);
  if (onClick) chart.on('click', (p) => onClick(p.dataIndex, p.seriesIndex));
  const ro = new ResizeObserver(() => chart.resize());
  ro.observe(el);
  return { dispose() { ro.disconnect(); chart.dispose(); } };
}

/** A funnel of [{name, value, label}] into `el`; returns a handle with dispose(). */
export function funnel(el, rows, { valueLabel, onClick }) {
  return mount(el, {
    color: PALETTE,
    // the tooltip is HTML: names come from users, so they are escaped
    tooltip: { trigger: 'item', formatter: (p) => `${esc(p.name)}<br>${esc(valueLabel)}: ${esc(p.data.label)}` },
    series: [{
      type: 'funnel', sort: 'none', left: 8, right: 8, top: 8, bottom: 8, minSize: '18%', gap: 2,
      label: { show: true, position: 'inside', color: '#fff', formatter: (p) => `${p.name}  ${p.data.label}` },
      itemStyle: { borderWidth: 0 },
      data: rows,
    }],
  }, onClick);
}

/** Grouped bars: categories along x, one series per [{name, values, labels, color}]; labels are the
 * formatted values (tooltips and axis ticks are formatted by `axisLabel`). */
export function bars(el, { categories, series, axisLabel }, { onClick } = {}) {
  return mount(el, {
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => [esc(ps[0].name), ...ps.map((p) => `${p.marker}${esc(p.seriesName)}: ${esc(series[p.seriesIndex].labels[p.dataIndex])}`)].join('<br>'),
    },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 12, textStyle: { color: '#3f3f46' } },
    grid: { left: 8, right: 8, top: 32, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: categories, axisTick: { show: false }, axisLine: { lineStyle: { color: '#d4d4d8' } },
      axisLabel: { color: '#52525b', interval: 0, hideOverlap: true } },
    yAxis: { type: 'value', splitLine: { lineStyle: { color: '#efeff1' } }, axisLabel: { color: '#71717a', formatter: axisLabel } },
    series: series.map((s) => ({
      type: 'bar', name: s.name, data: s.values, barMaxWidth: 28, itemStyle: { color: s.color, borderRadius: [3, 3, 0, 0] },
    })),
  }, onClick);
}
