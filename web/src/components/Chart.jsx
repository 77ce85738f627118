// Chart: a funnel drawn by ECharts, which is fetched the first time a chart is
// shown. The numbers are also in the table beside it; the chart is a picture
// of them (role=img with a text label).
import { useEffect, useRef } from 'preact/hooks';

export function Funnel({ rows, label, valueLabel }) {
  const el = useRef(null);
  useEffect(() => {
    let chart = null, live = true;
    import('../charts/echarts.js').then((m) => {
      if (live && el.current) chart = m.funnel(el.current, rows, { valueLabel });
    });
    return () => { live = false; chart?.dispose(); };
  }, [rows, valueLabel]);
  return <div ref={el} class="chart" role="img" aria-label={label} />;
}
