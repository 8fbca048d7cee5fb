// The analysis evidence of the deployment shown: one small chart per metric (GET /v1/deployments/{id}/analysis),
// each measurement a dot coloured by its verdict on the value line, the limit as a dashed line, over time.
// Inconclusive measurements have no value: they sit on the bottom edge as hollow marks. Each chart has a text
// alternative (its caption and a visually hidden list of the measurements).
import { $, clear, el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 260;
const H = 90;
const PAD = { left: 6, right: 6, top: 8, bottom: 10 };

export class AnalysisView {
  constructor(api) {
    this.api = api;
    this.shown = null; // deployment id
    this.loading = null;
    this.again = false;
  }

  setApi(api) {
    this.api = api;
  }

  hide() {
    this.shown = null;
    $('analysis').hidden = true;
    clear($('analysis-charts'));
  }

  /** Loads and draws the measurements of a deployment; calls made while one is in flight coalesce. */
  async refresh(deploymentId) {
    if (this.shown !== deploymentId) {
      this.shown = deploymentId;
      clear($('analysis-charts'));
      $('analysis').hidden = true;
    }
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        const page = await this.api.get(`/v1/deployments/${deploymentId}/analysis`);
        if (this.shown === deploymentId) {
          this.draw(page.items || []);
        }
      } catch {
        // a transient failure: the next event or render tries again
      } finally {
        this.loading = null;
      }
      if (this.again) {
        this.again = false;
        await this.refresh(this.shown);
      }
    })();
    return this.loading;
  }

  draw(items) {
    const charts = clear($('analysis-charts'));
    const series = new Map(); // "step/metric" -> measurements, oldest first
    for (const m of items) {
      const key = `${m.step}/${m.metric}`;
      if (!series.has(key)) series.set(key, []);
      series.get(key).push(m);
    }
    $('analysis').hidden = series.size === 0;
    for (const [, list] of series) {
      charts.append(chart(list));
    }
  }
}

function chart(list) {
  const first = list[0];
  const last = list[list.length - 1];
  const values = list.map((m) => m.value).filter((v) => typeof v === 'number');
  const limits = list.map((m) => m.limit).filter((v) => typeof v === 'number');
  const all = values.concat(limits);
  const top = Math.max(...all, 0) * 1.1 || 1;
  const bottom = Math.min(...all, 0);
  const t0 = Date.parse(first.taken_at);
  const t1 = Math.max(Date.parse(last.taken_at), t0 + 1000);
  const x = (m) => PAD.left + ((Date.parse(m.taken_at) - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - bottom) / (top - bottom)) * (H - PAD.top - PAD.bottom);

  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, class: 'analysis-chart', 'aria-hidden': 'true' });
  svg.append(node('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis' }));
  const limitPoints = list.filter((m) => typeof m.limit === 'number').map((m) => `${x(m)},${y(m.limit)}`);
  if (limitPoints.length === 1) {
    const only = list.find((m) => typeof m.limit === 'number');
    limitPoints.unshift(`${PAD.left},${y(only.limit)}`);
    limitPoints.push(`${W - PAD.right},${y(only.limit)}`);
  }
  if (limitPoints.length > 0) {
    svg.append(node('polyline', { points: limitPoints.join(' '), class: 'limit' }));
  }
  const valued = list.filter((m) => typeof m.value === 'number');
  if (valued.length > 1) {
    svg.append(node('polyline', { points: valued.map((m) => `${x(m)},${y(m.value)}`).join(' '), class: 'value' }));
  }
  for (const m of list) {
    const has = typeof m.value === 'number';
    svg.append(node('circle', {
      cx: x(m), cy: has ? y(m.value) : H - PAD.bottom, r: 3.5, class: `point ${m.verdict}`,
    }));
  }

  const verdicts = list.reduce((acc, m) => ({ ...acc, [m.verdict]: (acc[m.verdict] || 0) + 1 }), {});
  const tally = Object.entries(verdicts).map(([v, n]) => `${n} ${v}`).join(', ');
  const lastText = typeof last.value === 'number' ? `last ${fmt(last.value)}` : 'last without a value';
  const caption = `${first.metric}: ${first.condition} · ${list.length} measurement${list.length === 1 ? '' : 's'}`
    + ` (${tally}) · ${lastText}${typeof last.limit === 'number' ? `, limit ${fmt(last.limit)}` : ''}`;
  const details = el('ul', { class: 'visually-hidden' }, list.map((m) => el('li', {},
    `${m.taken_at}: ${m.verdict}, value ${typeof m.value === 'number' ? fmt(m.value) : 'none'}`
    + `${typeof m.limit === 'number' ? `, limit ${fmt(m.limit)}` : ''}, ${m.sample_size ?? 'unknown'} requests`)));
  return el('figure', {
    class: `analysis-metric verdict-${last.verdict}`,
    dataset: { metric: first.metric, step: String(first.step), points: String(list.length), lastVerdict: last.verdict },
  }, svg, el('figcaption', {}, caption), details);
}

function node(tag, attrs) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    n.setAttribute(k, String(v));
  }
  return n;
}

function fmt(v) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}
