// cqt dashboard (plain browser JavaScript, no build step). One request draws the page
// (/api/dashboard); /api/events keeps it current (status on class changes, new rows appended to
// the charts and the snapshot table). In a `cqt serve --snapshot` file the data is inlined as
// window.CQT_SNAPSHOT and nothing is requested. Every time shown is UTC.
'use strict';
(function () {
  const snapshot = window.CQT_SNAPSHOT || null;
  const $ = (selector, root = document) => root.querySelector(selector);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  };
  const utc = (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  const seconds = (sec) => (sec === null || sec === undefined ? '—' : sec < 120 ? `${Math.round(sec)} s` : sec < 7200 ? `${(sec / 60).toFixed(1)} min` : `${(sec / 3600).toFixed(1)} h`);
  const number = (v) => (v === null || v === undefined ? '—' : Math.abs(v) >= 1e5 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : Number(v.toPrecision(5)).toString());
  const asOf = (panel, ms) => ($(`#${panel} .as-of`).textContent = `as of ${utc(ms)}`);

  // The token, when the server needs one, comes in the URL fragment (#token=…), never sent to the server.
  const fragmentToken = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragmentToken) sessionStorage.setItem('cqt-token', fragmentToken);
  const token = sessionStorage.getItem('cqt-token');
  const headers = token ? { authorization: `Bearer ${token}` } : {};

  async function api(path) {
    const response = await fetch(path, { headers, cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) throw new Error(`${path.split('?')[0]}: ${body.error}${body.hint ? ` (${body.hint})` : ''}`);
    return body;
  }

  const problem = (text) => {
    const box = $('#problem');
    box.hidden = !text;
    box.textContent = text || '';
  };

  const state = { data: null, charts: [], nowMs: () => (snapshot ? Date.parse(snapshot.asOf) : Date.now()) };

  // --- freshness ---------------------------------------------------------------------------------
  function renderStatus(status) {
    const overall = $('#overall');
    overall.className = `badge ${status.overall}`;
    overall.textContent = status.overall === 'ok' ? 'all sources ok' : `${status.counts.hard_stale + status.counts.corrupt} source(s) failing`;
    const body = $('#freshness tbody');
    body.replaceChildren(
      ...status.sources.map((s) =>
        el('tr', { class: s.class, 'data-source': s.source, 'data-key': s.key, 'data-newest': s.newestTs ?? '' },
          el('td', {}, s.source), el('td', {}, s.key),
          el('td', {}, el('span', { class: `badge ${s.class}` }, s.class)),
          el('td', { class: 'num' }, seconds(s.lagSec)),
          el('td', {}, utc(s.newestTs && Date.parse(s.newestTs))),
          el('td', { class: 'num age' }, ''),
          el('td', { class: 'reasons' }, s.reasons.join('; ')),
        ),
      ),
    );
    asOf('freshness', Date.parse(status.asOf));
    tickAges();
  }

  // Age of each source's newest row now (in a snapshot: at its as-of), ticking every second.
  function tickAges() {
    const now = state.nowMs();
    for (const row of document.querySelectorAll('#freshness tbody tr')) {
      const newest = row.dataset.newest ? Date.parse(row.dataset.newest) : null;
      $('.age', row).textContent = newest === null ? '—' : seconds(Math.max(0, (now - newest) / 1000));
    }
  }

  // --- fill and null rates: the gates' ratio items ---------------------------------------------------
  function renderQuality(checks) {
    const tiles = $('#quality .tiles');
    if (!checks) {
      tiles.replaceChildren(el('p', {}, 'the gates are not available on this server'));
      return;
    }
    const items = (checks.checks || [checks]).flatMap((r) => r.items).filter((i) => i.unit === 'ratio');
    tiles.replaceChildren(
      ...items.map((i) => {
        const bound = i.threshold && ('min' in i.threshold ? `≥ ${pct(i.threshold.min)}` : 'max' in i.threshold ? `≤ ${pct(i.threshold.max)}` : i.threshold.expect);
        return el('div', { class: `tile ${i.status}`, 'data-name': i.name, title: i.detail },
          el('div', { class: 'name' }, i.name),
          el('div', { class: 'value' }, typeof i.observed === 'number' ? pct(i.observed) : i.status),
          el('div', { class: 'threshold' }, `${i.status}${bound ? ` · ${bound}` : ''}${i.windowSec ? ` · ${seconds(i.windowSec)} window` : ''}`),
        );
      }),
    );
    if (!items.length) tiles.replaceChildren(el('p', {}, 'no fill or null rate items'));
    asOf('quality', Date.parse(checks.asOf));
  }
  const pct = (ratio) => `${(ratio * 100).toFixed(ratio > 0.999 || ratio < 0.001 ? 1 : 2)} %`;

  // --- features over time (uPlot, min and max per bucket) --------------------------------------------
  const palette = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a'];

  function renderCharts(data) {
    for (const chart of state.charts) chart.u?.destroy();
    const box = $('#features .charts');
    box.replaceChildren();
    state.charts = data.charts.map((spec) => {
      const lines = spec.lines.map((l) => ({
        ...l,
        bucketMs: (l.series?.bucketSec ?? 1) * 1000,
        ts: [...(l.series?.buckets.ts ?? [])],
        min: [...(l.series?.buckets.min ?? [])],
        max: [...(l.series?.buckets.max ?? [])],
      }));
      const node = el('div', { class: 'chart', 'data-chart': spec.id }, el('h3'));
      box.append(node);
      // Rows read: the first line's (the lines of one chart come from the same rows).
      return { spec, lines, node, u: null, rows: lines[0].series?.rows ?? 0 };
    });
    for (const chart of state.charts) drawChart(chart);
    asOf('features', Date.parse(data.asOf));
  }

  // Axes in UTC, 24 h clock (uPlot would use the browser's zone and a 12 h clock).
  const timeAxis = {
    label: 'UTC',
    labelSize: 14,
    values: (u, splits) => {
      const range = u.scales.x.max - u.scales.x.min;
      return splits.map((v) => {
        const iso = new Date(v * 1000).toISOString();
        return range > 2 * 86400 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : range > 600 ? iso.slice(11, 16) : iso.slice(11, 19);
      });
    },
  };
  const compact = (v) => {
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1e9) return `${+(v / 1e9).toPrecision(4)}G`;
    if (a >= 1e6) return `${+(v / 1e6).toPrecision(4)}M`;
    if (a >= 1e4) return `${+(v / 1e3).toPrecision(4)}k`;
    if (a >= 0.01) return String(+v.toPrecision(4));
    return v.toExponential(2);
  };
  const valueAxis = { size: 70, values: (u, splits) => splits.map(compact) };

  function chartData(chart) {
    if (chart.lines.length === 1) {
      const [l] = chart.lines;
      return [l.ts.map((t) => t / 1000), l.min, l.max];
    }
    // Several columns: the middle of each bucket, aligned on a common time axis.
    return uPlot.join(chart.lines.map((l) => [l.ts.map((t) => t / 1000), l.min.map((m, i) => (m + l.max[i]) / 2)]));
  }

  const count = (n) => n.toLocaleString('en-US');

  function drawChart(chart) {
    const points = chart.lines.reduce((n, l) => n + l.ts.length, 0);
    const { spec, lines } = chart;
    $('h3', chart.node).textContent = `${spec.title} (${spec.unit}) · ${lines[0].symbol || 'no symbol'} · ${count(chart.rows)} rows → ${count(lines[0].ts.length)} buckets`;
    const old = $('.empty, .uplot', chart.node);
    if (points === 0) {
      chart.u?.destroy();
      chart.u = null;
      if (!old || !old.classList.contains('empty')) {
        old?.remove();
        chart.node.append(el('div', { class: 'empty' }, `no rows in the last ${seconds(state.data.spanSec)}`));
      }
      return;
    }
    if (chart.u) return chart.u.setData(chartData(chart));
    old?.remove();
    const single = chart.lines.length === 1;
    const series = single
      ? [{}, { label: `${chart.lines[0].column} min`, stroke: palette[0], width: 1 }, { label: 'max', stroke: palette[0], width: 1 }]
      : [{}, ...chart.lines.map((l, i) => ({ label: l.label, stroke: palette[i % palette.length], width: 1.5 }))];
    chart.u = new uPlot(
      {
        width: Math.max(300, chart.node.clientWidth - 4),
        height: 150,
        series: [{ label: 'UTC', value: (u, v) => (v === null ? '—' : utc(v * 1000)) }, ...series.slice(1)],
        bands: single ? [{ series: [2, 1], fill: 'rgba(21,101,192,0.15)' }] : [],
        scales: { x: { time: true } },
        axes: [timeAxis, valueAxis],
        legend: { live: true },
        cursor: { sync: { key: 'features' } },
      },
      chartData(chart),
      chart.node,
    );
  }

  /** New rows of a source (an `rows` event) into each line that draws them. */
  function appendRows(event) {
    let touched = false;
    for (const chart of state.charts) {
      let changed = false;
      for (const l of chart.lines) {
        if (l.source !== event.source || l.symbol !== event.symbol) continue;
        if (event.metric !== null && event.metric !== l.column) continue;
        const values = event.rows[event.metric !== null ? 'value' : l.column];
        for (let i = 0; i < event.rows.ts.length; i++) {
          const ts = event.rows.ts[i];
          const v = values[i];
          if (v === null || (l.horizonSec !== null && event.rows.horizon_sec[i] !== l.horizonSec)) continue;
          const last = l.ts.length - 1;
          if (last >= 0 && ts <= l.ts[last]) continue;
          if (last >= 0 && ts < l.ts[last] + l.bucketMs) {
            l.min[last] = Math.min(l.min[last], v);
            l.max[last] = Math.max(l.max[last], v);
          } else {
            l.ts.push(ts);
            l.min.push(v);
            l.max.push(v);
          }
          changed = true;
          if (l === chart.lines[0]) chart.rows++;
        }
        // Keep the span: drop buckets that fell out of it.
        const start = event.rows.ts[event.rows.ts.length - 1] - state.data.spanSec * 1000;
        while (l.ts.length && l.ts[0] < start) (l.ts.shift(), l.min.shift(), l.max.shift());
      }
      if (changed) (drawChart(chart), (touched = true));
    }
    if (touched) asOf('features', Date.parse(event.asOf));
    if (event.source === 'feature_snapshots' && event.symbol === state.data.market) addSnapshots(event);
  }

  // --- recent snapshots --------------------------------------------------------------------------------
  function renderSnapshots(snapshots) {
    $('#snapshots thead').replaceChildren(el('tr', {}, ...snapshots.columns.map((c) => el('th', { class: c === 'ts' ? '' : 'num' }, c === 'ts' ? 'ts (UTC)' : c))));
    $('#snapshots tbody').replaceChildren(...snapshots.rows.map((r) => snapshotRow(snapshots.columns, r)));
    if (!snapshots.rows.length) $('#snapshots tbody').append(el('tr', {}, el('td', { colspan: String(snapshots.columns.length) }, 'no feature snapshots for this market')));
    asOf('snapshots', Date.parse(state.data.asOf));
  }

  const snapshotRow = (columns, r, fresh = false) =>
    el('tr', { 'data-ts': String(r.ts), class: fresh ? 'new' : '' }, ...columns.map((c) => el('td', { class: c === 'ts' ? '' : 'num' }, c === 'ts' ? utc(r.ts) : number(r[c]))));

  function addSnapshots(event) {
    const { columns, rows } = state.data.snapshots;
    const body = $('#snapshots tbody');
    const newest = rows.length ? rows[0].ts : -Infinity;
    if (!rows.length) body.replaceChildren();
    for (let i = 0; i < event.rows.ts.length; i++) {
      if (event.rows.ts[i] <= newest) continue;
      const r = Object.fromEntries(columns.map((c) => [c, c === 'ts' ? event.rows.ts[i] : (event.rows[c]?.[i] ?? null)]));
      rows.unshift(r);
      body.prepend(snapshotRow(columns, r, true));
    }
    while (rows.length > 20) (rows.pop(), body.lastElementChild.remove());
    asOf('snapshots', Date.parse(event.asOf));
  }

  // --- backtests: candles with trades (lightweight-charts), the equity curve, runs, jobs ----------------
  const unavailable = (panel, what) => {
    $(`#${panel} .as-of`).textContent = '';
    return `not available: this server has no ${what}`;
  };
  const ratio = (v) => (typeof v === 'number' ? `${(v * 100).toFixed(2)} %` : '—');
  let candleChart = null;
  let equityPlot = null;

  function renderRuns({ runs, run }) {
    const body = $('#runs tbody');
    if (!runs) return body.replaceChildren(el('tr', {}, el('td', { colspan: '9' }, unavailable('runs', '/api/backtests'))));
    const chosen = run?.run?.id;
    body.replaceChildren(
      ...runs.runs.map((r) => {
        const params = new URLSearchParams(location.search);
        params.set('run', String(r.id));
        const link = snapshot ? String(r.id) : el('a', { href: `?${params}` }, String(r.id));
        const input = r.input ? [r.input.venue, r.input.symbol, r.input.timeframe].filter(Boolean).join(' ') || r.input.source : '—';
        const m = r.metrics || {};
        return el('tr', { class: r.id === chosen ? 'selected' : '', 'data-run': String(r.id) },
          el('td', {}, link), el('td', {}, utc(Date.parse(r.createdAt))), el('td', {}, r.strategy), el('td', {}, input),
          el('td', { class: 'num' }, number(r.input?.candles ?? null)), el('td', { class: 'num' }, ratio(m.totalReturn)),
          el('td', { class: 'num' }, number(m.sharpe ?? null)), el('td', { class: 'num' }, ratio(m.maxDrawdown)), el('td', { class: 'num' }, number(m.trades ?? null)));
      }),
    );
    if (!runs.runs.length) body.append(el('tr', {}, el('td', { colspan: '9' }, 'no stored backtest runs')));
    asOf('runs', Date.parse(state.data.asOf));
  }

  function renderJobs(jobs) {
    const body = $('#jobs tbody');
    if (!jobs) return body.replaceChildren(el('tr', {}, el('td', { colspan: '7' }, unavailable('jobs', '/api/jobs'))));
    body.replaceChildren(
      ...jobs.jobs.map((j) =>
        el('tr', { 'data-job': j.id },
          el('td', { title: j.id }, j.id.slice(0, 8)), el('td', {}, el('span', { class: `badge ${j.state}` }, j.state)),
          el('td', {}, j.data?.strategy ?? '—'), el('td', { class: 'num' }, `${j.attempt}/${j.attempts}`),
          el('td', {}, utc(j.createdAt && Date.parse(j.createdAt))), el('td', {}, utc(j.completedAt && Date.parse(j.completedAt))),
          el('td', { class: 'reasons' }, j.lastError ?? '')),
      ),
    );
    if (!jobs.jobs.length) body.append(el('tr', {}, el('td', { colspan: '7' }, 'no jobs')));
    asOf('jobs', Date.parse(state.data.asOf));
  }

  function renderRun({ run, candles }) {
    candleChart?.remove();
    equityPlot?.destroy();
    candleChart = equityPlot = null;
    const note = $('#run .note');
    $('#run .candles').replaceChildren();
    $('#run .equity').replaceChildren();
    if (!run) {
      if (state.data.backtests.runs) {
        note.textContent = 'no backtest run to show';
        asOf('run', Date.parse(state.data.asOf));
      } else note.textContent = unavailable('run', '/api/backtests');
      return;
    }
    const r = run.run;
    // Times may come as epoch ms or ISO 8601; charts take UTC seconds.
    const sec = (t) => Math.floor((typeof t === 'number' ? t : Date.parse(t)) / 1000);
    note.textContent = `run ${r.id} · ${r.strategy} · ${run.trades.length} trades · ${[r.input?.venue, r.input?.symbol, r.input?.timeframe].filter(Boolean).join(' ')}`;
    if (candles && candles.candles.ts.length) {
      const c = candles.candles;
      candleChart = LightweightCharts.createChart($('#run .candles'), { autoSize: true, timeScale: { timeVisible: true, secondsVisible: false }, localization: { timeFormatter: (t) => utc(t * 1000) } });
      const series = candleChart.addSeries(LightweightCharts.CandlestickSeries, {});
      series.setData(c.ts.map((t, i) => ({ time: sec(t), open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i] })));
      const markers = run.trades
        .flatMap((t) => [
          { time: sec(t.entryTs), position: 'belowBar', color: '#1565c0', shape: 'arrowUp', text: `in ${t.side}` },
          ...(t.exitTs ? [{ time: sec(t.exitTs), position: 'aboveBar', color: t.pnl >= 0 ? '#1a7f37' : '#c62828', shape: 'arrowDown', text: `out ${t.exitReason ?? ''}` }] : []),
        ])
        .sort((a, b) => a.time - b.time);
      LightweightCharts.createSeriesMarkers(series, markers);
      candleChart.timeScale().fitContent();
      asOf('run', Date.parse(candles.freshness?.asOf ?? state.data.asOf));
    } else {
      $('#run .candles').replaceChildren(el('p', { class: 'note' }, 'the candles of this run are not in the store (run from a file): trades and equity only'));
      asOf('run', Date.parse(state.data.asOf));
    }
    const e = run.equity;
    if (e && e.ts.length) {
      const node = $('#run .equity');
      equityPlot = new uPlot(
        {
          width: Math.max(300, node.clientWidth - 4), height: 140,
          series: [{ label: 'UTC', value: (u, v) => (v === null ? '—' : utc(v * 1000)) }, { label: 'equity', stroke: palette[0], width: 1.5 }],
          axes: [timeAxis, valueAxis],
        },
        [e.ts.map(sec), e.equity],
        node,
      );
    }
  }

  function renderBacktests(backtests) {
    state.data.backtests = backtests;
    renderRun(backtests);
    renderRuns(backtests);
    renderJobs(backtests.jobs);
  }

  // --- page --------------------------------------------------------------------------------------------
  function renderSelectors(data) {
    for (const [id, options, chosen] of [['market', data.markets, data.market], ['symbol', data.symbols, data.symbol]]) {
      const select = $(`#${id}`);
      select.replaceChildren(...options.map((o) => el('option', { value: o }, o)));
      select.value = chosen ?? '';
      select.disabled = Boolean(snapshot);
    }
  }

  function render(data) {
    state.data = data;
    renderSelectors(data);
    renderStatus(data.status);
    renderQuality(data.checks);
    renderCharts(data);
    renderSnapshots(data.snapshots);
    if (data.backtests) renderBacktests(data.backtests);
    $('#page-as-of').textContent = `${snapshot ? 'snapshot' : 'loaded'} as of ${utc(Date.parse(data.asOf))}`;
  }

  function query() {
    const params = new URLSearchParams(location.search);
    const out = new URLSearchParams();
    for (const name of ['market', 'symbol', 'span', 'horizon']) if (params.get(name)) out.set(name, params.get(name));
    return out.toString();
  }

  async function load() {
    const started = performance.now();
    const data = await api(`api/dashboard?${query()}`);
    render(data);
    // The backtest panels come second: they must not hold up the others.
    const run = new URLSearchParams(location.search).get('run');
    api(`api/dashboard/backtests${run ? `?run=${encodeURIComponent(run)}` : ''}`).then(renderBacktests, (error) => problem(error.message));
    problem('');
    // For the browser test's figures (printed, not pass/fail timings): navigation start → first
    // render done, and this load's request + render.
    const root = document.documentElement.dataset;
    if (!root.firstRenderMs) root.firstRenderMs = String(Math.round(performance.now()));
    root.loadMs = String(Math.round(performance.now() - started));
    root.loadedAsOf = data.asOf;
  }

  function setConnection(text, cls) {
    const node = $('#connection');
    node.textContent = text;
    node.className = `connection ${cls}`;
  }

  /**
   * /api/events over fetch (EventSource cannot send the bearer token). The first load runs while
   * the stream connects; each later `ready` (after a reconnect) reloads the page's data. Rows
   * that arrive before the data wait for it (and those it already holds are skipped).
   */
  async function listen(firstLoad) {
    for (;;) {
      let pending = [];
      let loading = null;
      const handle = (event, payload) => {
        if (event === 'ready') {
          loading = (firstLoad || load()).then(
            () => { for (const p of pending) appendRows(p); pending = null; setConnection(`live · every ${payload.intervalMs / 1000} s`, 'live'); },
            (error) => problem(error.message),
          );
          firstLoad = null;
        } else if (event === 'status') {
          if (state.data) (renderStatus(payload), (state.data.status = payload));
        } else if (event === 'rows') {
          if (pending) pending.push(payload);
          else appendRows(payload);
        } else if (event === 'failure') {
          problem(`the server could not read the store: ${payload.error}`);
        }
      };
      try {
        const response = await fetch('api/events', { headers, cache: 'no-store' });
        if (!response.ok) throw new Error(`/api/events: ${(await response.json()).error}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length) handle(event, JSON.parse(data.join('\n')));
          }
        }
        await loading;
      } catch (error) {
        problem(`live updates interrupted: ${error.message}`);
      }
      setConnection('reconnecting…', 'reconnecting');
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  for (const id of ['market', 'symbol']) {
    $(`#${id}`).addEventListener('change', (e) => {
      const params = new URLSearchParams(location.search);
      params.set(id, e.target.value);
      location.search = params.toString();
    });
  }
  setInterval(tickAges, 1000);
  window.addEventListener('resize', () => {
    for (const c of state.charts) c.u?.setSize({ width: Math.max(300, c.node.clientWidth - 4), height: 150 });
  });

  if (snapshot) {
    render(snapshot);
    document.documentElement.dataset.firstRenderMs = String(Math.round(performance.now()));
    document.documentElement.dataset.loadedAsOf = snapshot.asOf;
    setConnection('static snapshot · not live', 'snapshot');
  } else {
    const first = load();
    first.catch(() => {}); // reported when `ready` takes it up
    listen(first);
  }
})();
