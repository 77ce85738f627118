// charts/echarts.js: the only module that imports ECharts. It is loaded with a
// dynamic import when a chart is first shown, so pages without charts (the
// board above all) never download it. Only the chart kinds used are included.
import { FunnelChart } from 'echarts/charts';
import { TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([FunnelChart, TooltipComponent, CanvasRenderer]);

const esc = echarts.format.encodeHTML;
const PALETTE = ['#4f46e5', '#6366f1', '#818cf8', '#a5b4fc', '#c7d2fe', '#e0e7ff'];

/** A funnel of [{name, value, label}] into `el`; returns a handle with dispose(). */
export function funnel(el, rows, { valueLabel }) {
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    color: PALETTE,
    // the tooltip is HTML: names come from users, so they are escaped
    tooltip: { trigger: 'item', formatter: (p) => `${esc(p.name)}<br>${esc(valueLabel)}: ${esc(p.data.label)}` },
    series: [{
      type: 'funnel', sort: 'none', left: 8, right: 8, top: 8, bottom: 8, minSize: '18%', gap: 2,
      label: { show: true, position: 'inside', color: '#fff', formatter: (p) => `${p.name}  ${p.data.label}` },
      itemStyle: { borderWidth: 0 },
      data: rows,
    }],
  });
  const ro = new ResizeObserver(() => chart.resize());
  ro.observe(el);
  return { dispose() { ro.disconnect(); chart.dispose(); } };
}
