// System: each component's health, the LLM key pool, calls per minute,
// latency percentiles and alerts by level over the last 15 minutes (small
// inline SVG charts), and Kafka lag per topic.

import { api } from './api.js';
import { t, onLangChange } from './i18n.js';

const POLL_MS = 5000;
const SVG = 'http://www.w3.org/2000/svg';

function table(headers, rows) {
  const el = document.createElement('table');
  el.className = 'grid small';
  const head = el.createTHead().insertRow();
  for (const h of headers) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = el.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const value of row) {
      const td = tr.insertCell();
      if (value instanceof Node) td.append(value); else td.textContent = value ?? '';
    }
  }
  return el;
}

// A count, or the sum of a {reason: count} object.
function countOf(value) {
  if (value && typeof value === 'object') return Object.values(value).reduce((a, b) => a + (Number(b) || 0), 0);
  return Number(value) || 0;
}

function statusDot(status) {
  const dot = document.createElement('span');
  dot.className = 'dot';
  dot.dataset.status = status === 'ok' || status === 'available' || status === 'healthy' ? '1'
    : status === 'degraded' || status === 'cooling' ? '3' : '2';
  const wrap = document.createElement('span');
  wrap.className = 'nowrap';
  wrap.append(dot, ' ', status);
  return wrap;
}

// A small bar chart of `values` (one per minute), in SVG.
function sparkBars(values, { width = 260, height = 48, colour = '#4cc9f0', second = null } = {}) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'spark');
  const max = Math.max(1, ...values, ...(second || []));
  const step = width / Math.max(1, values.length);
  values.forEach((v, i) => {
    const h = (v / max) * (height - 4);
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('x', String(i * step + 1));
    rect.setAttribute('y', String(height - h));
    rect.setAttribute('width', String(Math.max(1, step - 2)));
    rect.setAttribute('height', String(h));
    rect.setAttribute('fill', colour);
    svg.append(rect);
  });
  if (second) {
    const points = second.map((v, i) => `${i * step + step / 2},${height - (v / max) * (height - 4)}`);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', '#e5484d');
    line.setAttribute('stroke-width', '1.5');
    svg.append(line);
  }
  const title = document.createElementNS(SVG, 'title');
  title.textContent = `max ${max}`;
  svg.append(title);
  return svg;
}

export class System {
  constructor({ isVisible }) {
    this.isVisible = isVisible;
    onLangChange(() => this.refresh());
    this.refresh();
    setInterval(() => { if (this.isVisible()) this.refresh(); }, POLL_MS);
  }

  async refresh() {
    await Promise.all([this.health().then((health) => this.keys(health)), this.summary()]);
  }

  async health() {
    const box = document.getElementById('sys-health');
    try {
      const reply = await api.get('/api/health/health_check');
      const data = reply.data || {};
      const components = Object.entries(data.components || {});
      const rows = components.map(([name, c]) => [name, statusDot(c.status), c.detail]);
      const overall = document.createElement('p');
      overall.append(statusDot(data.status), ` · ${data.service || 'tmon'} ${data.version || ''}`);
      box.replaceChildren(overall, table([t('system.component'), t('system.status'), t('system.detail')], rows));
      return data;
    } catch (e) {
      box.textContent = t('system.unavailable', { reason: e.message });
      return null;
    }
  }

  // `health`: this process's health report (null when unknown). A process
  // without a scheduler (`tmon api` beside `tmon schedule`) has no key pool
  // to show: say where it is instead of asking for it.
  async keys(health) {
    const box = document.getElementById('sys-keys');
    if (health && health.components && !('scheduler' in health.components)) {
      box.textContent = t('system.schedulerElsewhere');
      return;
    }
    try {
      const reply = await api.get('/api/scheduler/stats');
      const data = reply.data || {};
      const rows = (data.keys || []).map((k) => [
        k.key_id, statusDot(k.status), String(k.in_flight ?? 0),
        k.cooldown_remaining_ms ? `${(k.cooldown_remaining_ms / 1000).toFixed(1)} s` : '—',
        k.success_rate != null ? `${(k.success_rate * 100).toFixed(1)}%` : '—',
        k.permits_left ? `${k.permits_left.second ?? '—'} / ${k.permits_left.minute ?? '—'}` : '—',
        String(countOf(k.rate_limited)),
      ]);
      const summary = document.createElement('p');
      summary.textContent = `${data.available_keys ?? 0}/${data.total_keys ?? 0} available · ` +
        `in flight ${data.in_flight ?? 0} · queue ${data.queue_depth ?? 0} · ` +
        `429: ${countOf(data.rate_limited)}`;
      box.replaceChildren(summary, table([t('system.key'), t('system.status'), t('system.inFlight'),
        t('system.cooldown'), t('system.successRate'), t('system.permits'), t('system.rateLimited')], rows));
    } catch (e) {
      box.textContent = t('system.unavailable', { reason: e.message });
    }
  }

  async summary() {
    const box = document.getElementById('sys-summary');
    try {
      const reply = await api.get('/api/stats/summary?windowMinutes=15');
      const data = reply.data || {};
      const minutes = data.minutes || [];
      const parts = [];
      const heading = (text) => { const h = document.createElement('h3'); h.textContent = text; return h; };
      parts.push(heading(`${t('system.callsPerMin')}: ${(data.callsPerMinute ?? 0).toFixed(1)}`));
      parts.push(sparkBars(minutes.map((m) => m.calls || 0)));
      parts.push(heading(`${t('system.latency')}: ${data.latencyMs?.p50 ?? '—'} / ${data.latencyMs?.p95 ?? '—'}`));
      parts.push(sparkBars(minutes.map((m) => m.p50 || 0), { colour: '#7bd389', second: minutes.map((m) => m.p95 || 0) }));
      const levels = data.alertsByLevel || {};
      parts.push(heading(`${t('system.alertsByLevel')}: ` +
        Object.entries(levels).map(([k, v]) => `${t('level.' + k)} ${v}`).join(' · ')));
      parts.push(sparkBars(minutes.map((m) => m.alerts || 0), { colour: '#e5484d' }));
      const lag = data.kafkaLag || {};
      if (Object.keys(lag).length) {
        parts.push(heading(t('system.lag')));
        parts.push(table(['topic', 'lag'], Object.entries(lag).map(([k, v]) => [k, String(v)])));
      }
      // This process's Prometheus text; a Grafana link when the API names one.
      const links = { '/metrics': '/metrics', ...(data.links || {}) };
      if (Object.keys(links).length) {
        const p = document.createElement('p');
        for (const [name, href] of Object.entries(links)) {
          const a = document.createElement('a');
          a.href = href;
          a.textContent = name;
          a.target = '_blank';
          a.rel = 'noopener';
          p.append(a, ' ');
        }
        parts.push(p);
      }
      box.replaceChildren(...parts);
    } catch (e) {
      box.textContent = t('system.unavailable', { reason: e.message });
    }
  }
}
