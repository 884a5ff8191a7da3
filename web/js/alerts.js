// The alert inbox: every camera's alerts, newest first, filtered and paged
// over the history the server keeps; live (polled every 2 s, and at once when
// a frame on the wall carries an alert not seen yet); each alert can be marked
// handled with a note. Unhandled high alerts light up their wall tiles and,
// when the operator switched sound on, beep.

import { api } from './api.js';
import { t, fmtTime, levelName, onLangChange } from './i18n.js';

const POLL_MS = 2000;
const SOUND_KEY = 'tmon.sound';
const MAX_THUMBS = 60;  // about a page of rows; each is a ~20 KB data URI
const HIGH = new Set(['high', 'critical']);

export class Alerts {
  constructor({ socket, devices, onAlarms, toast }) {
    this.devices = devices;
    this.onAlarms = onAlarms;
    this.toast = toast;
    this.items = [];
    this.cursor = null;
    this.thumbs = new Map();     // alertId -> frame data URI (the wall's picture)
    this.knownHigh = null;       // unhandled high alert ids seen (null before the first poll)
    this.form = document.getElementById('alert-filters');
    this.body = document.querySelector('#alert-table tbody');
    this.more = document.getElementById('alert-more');
    this.error = document.getElementById('alert-error');
    this.badge = document.getElementById('alert-badge');
    this.sound = document.getElementById('sound-toggle');
    this.sound.checked = localStorage.getItem(SOUND_KEY) === 'on';
    this.sound.onchange = () => localStorage.setItem(SOUND_KEY, this.sound.checked ? 'on' : 'off');
    this.form.onsubmit = (event) => { event.preventDefault(); this.reload(); };
    window.addEventListener('hashchange', () => this.render());
    this.more.onclick = () => this.loadMore();
    socket.on('detection_result', (data) => this.onFrame(data));
    onLangChange(() => this.render());
    this.reload();
    setInterval(() => this.poll(), POLL_MS);
  }

  query(cursor) {
    const params = new URLSearchParams({ limit: '50' });
    const form = new FormData(this.form);
    for (const name of ['cameraId', 'level', 'handled']) {
      if (form.get(name)) params.set(name, form.get(name));
    }
    for (const name of ['since', 'until']) {
      const value = form.get(name);
      if (value) params.set(name, String(new Date(value).getTime()));
    }
    if (cursor) params.set('cursor', cursor);
    return '/api/alerts?' + params.toString();
  }

  showError(message) {
    this.error.hidden = !message;
    this.error.textContent = message || '';
  }

  async reload() {
    try {
      const page = await api.get(this.query(null));
      this.items = page.data || [];
      this.cursor = page.nextCursor || null;
      this.showError('');
    } catch (e) {
      this.showError(e.message);
    }
    this.render();
  }

  async loadMore() {
    if (!this.cursor) return;
    try {
      const page = await api.get(this.query(this.cursor));
      const seen = new Set(this.items.map((a) => a.alertId));
      this.items.push(...(page.data || []).filter((a) => !seen.has(a.alertId)));
      this.cursor = page.nextCursor || null;
      this.showError('');
    } catch (e) {
      this.showError(e.message);
    }
    this.render();
  }

  // The first page again, merged with what was loaded beyond it; and the
  // unhandled high alerts, for the badge, the wall and the sound.
  async poll() {
    try {
      const [page, open] = await Promise.all([
        api.get(this.query(null)),
        api.get('/api/alerts?handled=false&level=high&limit=200'),
      ]);
      const fresh = page.data || [];
      const ids = new Set(fresh.map((a) => a.alertId));
      const oldest = fresh.length ? fresh[fresh.length - 1] : null;
      const older = oldest ? this.items.filter((a) => !ids.has(a.alertId) &&
        (a.lastUpdatedTs < oldest.lastUpdatedTs)) : [];
      this.items = fresh.concat(older);
      if (!older.length) this.cursor = page.nextCursor || null;
      this.showError('');
      this.render();
      this.onOpenHigh(open.data || []);
    } catch (e) {
      this.showError(e.message);
    }
  }

  onOpenHigh(open) {
    const cameras = new Set(open.map((a) => String(a.cameraId)));
    this.onAlarms(cameras);
    this.badge.hidden = open.length === 0;
    this.badge.textContent = String(open.length);
    const ids = new Set(open.map((a) => a.alertId));
    if (this.knownHigh) {
      const fresh = open.filter((a) => !this.knownHigh.has(a.alertId));
      if (fresh.length) {
        this.toast(t('alerts.new', { camera: fresh.map((a) => a.cameraId).join(', ') }));
        if (this.sound.checked) beep();
      }
    }
    this.knownHigh = ids;
  }

  onFrame(data) {
    const alerts = Array.isArray(data.alerts) ? data.alerts : [];
    let unseen = false;
    for (const alert of alerts) {
      if (!alert.alertId) continue;
      if (!this.thumbs.has(alert.alertId) && typeof data.frame === 'string') {
        this.thumbs.set(alert.alertId, data.frame);
        if (this.thumbs.size > MAX_THUMBS) this.thumbs.delete(this.thumbs.keys().next().value);
        unseen = true;
      }
    }
    if (unseen) this.poll();
  }

  cameraOptions() {
    const select = this.form.elements.cameraId;
    const current = select.value;
    const ids = new Set(this.devices().map((d) => String(d.cameraId)));
    for (const a of this.items) ids.add(String(a.cameraId));
    const options = [new Option(t('common.all'), '')];
    for (const id of [...ids].sort()) options.push(new Option(id, id));
    select.replaceChildren(...options);
    select.value = ids.has(current) ? current : '';
  }

  render() {
    // A note being typed is not wiped by the next poll.
    if (this.editing && document.contains(this.editing)) return;
    this.editing = null;
    // Rebuilt only when shown and changed: the wall keeps the main thread busy enough.
    const signature = JSON.stringify([this.items.map((a) => [a.alertId, a.lastUpdatedTs, a.handled,
      this.thumbs.has(a.alertId)]), this.cursor, document.documentElement.lang]);
    if (this.form.closest('section').hidden) { this.stale = true; return; }
    if (!this.stale && signature === this.signature) return;
    this.stale = false;
    this.signature = signature;
    this.cameraOptions();
    this.more.hidden = !this.cursor;
    document.getElementById('alert-empty').hidden = this.items.length > 0;
    this.body.replaceChildren(...this.items.map((alert) => this.row(alert)));
  }

  row(alert) {
    const tr = document.createElement('tr');
    tr.dataset.alertId = alert.alertId;
    tr.dataset.level = alert.riskLevel;
    tr.dataset.handled = String(Boolean(alert.handled));
    const cell = (content, className) => {
      const td = document.createElement('td');
      if (className) td.className = className;
      if (content instanceof Node) td.append(content); else td.textContent = content ?? '';
      tr.append(td);
      return td;
    };
    const thumb = this.thumbs.get(alert.alertId);
    if (thumb) {
      const img = document.createElement('img');
      img.src = thumb;
      img.className = 'thumb';
      img.alt = '';
      cell(img);
    } else {
      cell('—', 'muted');
    }
    const level = document.createElement('span');
    level.className = 'level';
    level.dataset.level = alert.riskLevel;
    level.textContent = levelName(alert.riskLevel);
    cell(level);
    cell((alert.riskTypes || []).join('、'));
    cell(String(alert.cameraId));
    cell(fmtTime(alert.lastUpdatedTs || alert.startedTs));
    cell(alert.description || '', 'desc');
    const handling = cell('', 'handling');
    if (alert.handled && alert.ack) {
      handling.textContent = '✓ ' + t('alerts.by', { by: alert.ack.by, at: fmtTime(alert.ack.at) }) +
        (alert.ack.note ? ` — ${alert.ack.note}` : '');
      handling.classList.add('done');
    } else {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'ack';
      button.textContent = t('alerts.ack');
      button.onclick = () => this.askNote(handling, alert);
      handling.append(button);
    }
    return tr;
  }

  askNote(cell, alert) {
    const input = document.createElement('input');
    input.className = 'note';
    input.maxLength = 2000;
    input.placeholder = t('alerts.note');
    const confirm = document.createElement('button');
    confirm.type = 'button';
    confirm.className = 'confirm';
    confirm.textContent = t('alerts.confirm');
    const error = document.createElement('div');
    error.className = 'error';
    confirm.onclick = async () => {
      confirm.disabled = true;
      try {
        await api.post(`/api/alerts/${encodeURIComponent(alert.alertId)}/ack`, { note: input.value });
        this.editing = null;
        await this.poll();
      } catch (e) {
        error.textContent = e.message;
        confirm.disabled = false;
      }
    };
    cell.replaceChildren(input, confirm, error);
    this.editing = input;
    input.focus();
  }
}

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  } catch { /* no audio device: the toast says it */ }
}
