// A camera full-screen: its newest frame, the group crops with their risk,
// the objects table, detection time, models and the latency from capture to
// detection to assessment.

import { drawFrame, riskOf, RISK_COLOURS } from './draw.js';
import { t, levelName, fmtTime } from './i18n.js';

export class Detail {
  constructor({ feeds, wall }) {
    this.feeds = feeds;
    this.wall = wall;
    this.cameraId = null;
    this.el = document.getElementById('detail');
    this.canvas = document.getElementById('detail-canvas');
    document.getElementById('detail-close').onclick = () => this.close();
    document.addEventListener('keydown', (event) => { if (event.key === 'Escape') this.close(); });
    feeds.onChange((feed, what) => {
      if (this.cameraId == null || feed.id !== String(this.cameraId) || what !== 'frame') return;
      requestAnimationFrame(() => this.render());
    });
  }

  open(cameraId) {
    this.cameraId = cameraId;
    this.el.hidden = false;
    this.wall.syncWatching(cameraId);
    document.getElementById('detail-title').textContent = String(cameraId);
    this.render();
  }

  close() {
    if (this.cameraId == null) return;
    this.cameraId = null;
    this.el.hidden = true;
    this.wall.syncWatching();
  }

  render() {
    const feed = this.feeds.cameras.get(String(this.cameraId));
    drawFrame(this.canvas, feed && feed.data ? feed : null);
    const data = feed && feed.data;
    const facts = document.getElementById('detail-facts');
    const crops = document.getElementById('detail-crops');
    const body = document.querySelector('#detail-objects tbody');
    if (!data) {
      facts.textContent = t('wall.waiting');
      crops.replaceChildren();
      body.replaceChildren();
      return;
    }
    const captureTs = data.captureTs || Date.parse(data.timestamp) || 0;
    const detectedMs = Math.round((data.processTime || 0) * 1000);
    const assessedLine = data.assessedRequestId
      ? `${Math.round((data.alertGeneratedAt || 0) * 1000 - (data.assessedCaptureTs || captureTs))} ms`
        + ` (LLM ${Math.round((data.llmLatency || 0) * 1000)} ms)`
      : t('wall.notAssessed');
    const rows = [
      [t('alerts.time'), fmtTime(captureTs)],
      [t('detail.processTime'), `${detectedMs} ms`],
      [t('detail.model'), data.modelType || '—'],
      [t('detail.llm'), data.llmModel || '—'],
      [t('detail.latency'), `0 → ${detectedMs} ms → ${assessedLine}`],
    ];
    const dl = document.createElement('dl');
    for (const [k, v] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    }
    facts.replaceChildren(dl);

    const groups = new Map((data.trafficGroups || []).map((g) => [g.groupIndex, g]));
    crops.replaceChildren(...(data.groupImages || []).map((image) => {
      const figure = document.createElement('figure');
      const group = groups.get(image.groupIndex) || image;
      const level = riskOf(group);
      figure.style.borderColor = RISK_COLOURS[level] || RISK_COLOURS.none;
      if (image.imageBase64) {
        const img = document.createElement('img');
        img.src = 'data:image/jpeg;base64,' + image.imageBase64;
        img.alt = `group ${image.groupIndex}`;
        figure.append(img);
      }
      const caption = document.createElement('figcaption');
      const types = (group.riskTypes || []).join('、');
      caption.textContent = `#${image.groupIndex} ${levelName(level)}${types ? ' · ' + types : ''}` +
        (group.alertDescription ? ` — ${group.alertDescription}` : '');
      figure.append(caption);
      return figure;
    }));

    body.replaceChildren(...(data.detectedObjects || []).map((object, i) => {
      const tr = document.createElement('tr');
      for (const v of [object.objectId ?? i, object.class,
        (object.confidence ?? 0).toFixed(2), (object.bbox || []).map((n) => Math.round(n)).join(', ')]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }));
  }
}
