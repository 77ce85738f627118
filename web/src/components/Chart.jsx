// Chart: charts drawn by ECharts, which is fetched the first time a chart is
// shown. The numbers are also in the table beside each chart; the chart is a
// picture of them (role=img with a text label), and a click on a part of it
// does what a click on its number in the table does.
import { useEffect, useRef } from 'preact/hooks';

function useChart(draw, deps, label) {
  const el = useRef(null);
  useEffect(() => {
    let chart = null, live = true;
    import('../charts/echarts.js').then((m) => {
      if (live && el.current) chart = draw(m, el.current);
    });
    return () => { live = false; chart?.dispose(); };
  }, deps);
  return <div ref={el} class="chart" role="img" aria-label={label} />;
}

export function Funnel({ rows, label, valueLabel, onClick }) {
  return useChart((m, el) => m.funnel(el, rows, { valueLabel, onClick }), [rows, valueLabel], label);
}

/** data: {categories, series: [{name, values, labels, color}], axisLabel(value)} */
export function Bars({ data, label, onClick }) {
  return useChart((m, el) => m.bars(el, data, { onClick }), [data], label);
}
