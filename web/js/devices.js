// Devices: the cameras of the deployment, with status, masked source,
// detector, the detect instance that pulls each (owner), fps, dropped frames and the age of the newest frame; add,
// remove, and "check all" (each source probed over /ws check_camera, with
// online/offline and the latency). The API's error text is shown as it is.

import { api } from './api.js';
import { t, fmtAge, onLangChange } from './i18n.js';

const POLL_MS = 3000;
const NAMES_KEY = 'tmon.cameraNames';

// CameraState names -> the original's status numbers (0 offline, 1 online, 2 fault).
const STATUS = { ok: 1, starting: 0, ended: 0, error: 2 };

export class Devices {
  constructor({ socket, toast }) {
    this.socket = socket;
    this.toast = toast;
    this.list = [];
    this.checks = new Map();  // id -> {text, state}
    this.pendingChecks = new Map();  // id -> started (performance.now())
    this.listeners = new Set();
    try { this.names = JSON.parse(localStorage.getItem(NAMES_KEY) || '{}'); } catch { this.names = {}; }
    this.form = document.getElementById('device-form');
    this.body = document.querySelector('#device-table tbody');
    this.error = document.getElementById('device-error');
    this.form.onsubmit = (event) => { event.preventDefault(); this.add(); };
    window.addEventListener('hashchange', () => this.render());
    document.getElementById('check-all').onclick = () => this.checkAll();
    socket.on('camera_status', (data) => this.onStatus(data));
    onLangChange(() => this.render());
    this.refresh();
    setInterval(() => this.refresh(), POLL_MS);
  }

  onChange(fn) { this.listeners.add(fn); }

  // [{cameraId, label, ...}] for the wall's menus.
  devices() {
    return this.list.map((d) => ({ ...d, label: this.label(d.cameraId) }));
  }

  label(id) {
    const name = this.names[String(id)];
    return name ? `${name} (${id})` : String(id);
  }

  showError(message) {
    this.error.hidden = !message;
    this.error.textContent = message || '';
  }

  async refresh() {
    try {
      const reply = await api.get('/api/cameras');
      const before = JSON.stringify(this.list.map((d) => d.cameraId));
      this.list = Array.isArray(reply.data) ? reply.data : [];
      if (JSON.stringify(this.list.map((d) => d.cameraId)) !== before) {
        for (const fn of this.listeners) fn();
      }
    } catch (e) {
      // A `tmon api` without a camera registry answers 503 for changes only.
      if (e.status !== 404) this.showError(e.message);
      this.list = [];
    }
    this.render();
  }

  async add() {
    const form = new FormData(this.form);
    const body = { cameraId: String(form.get('cameraId')).trim(), url: String(form.get('url')).trim() };
    if (form.get('detector')) body.detector = form.get('detector');
    if (form.get('frameInterval')) body.frameInterval = Number(form.get('frameInterval'));
    try {
      await api.post('/api/cameras', body);
      const name = String(form.get('name') || '').trim();
      if (name) {
        this.names[body.cameraId] = name;
        localStorage.setItem(NAMES_KEY, JSON.stringify(this.names));
      }
      this.showError('');
      this.toast(t('devices.added', { id: body.cameraId }));
      this.form.reset();
      await this.refresh();
    } catch (e) {
      this.showError(e.message);
    }
  }

  async remove(device) {
    if (!window.confirm(t('devices.confirmRemove', { id: device.cameraId }))) return;
    try {
      await api.del('/api/cameras/' + encodeURIComponent(String(device.cameraId)));
      this.showError('');
      this.toast(t('devices.removed', { id: device.cameraId }));
      await this.refresh();
    } catch (e) {
      this.showError(e.message);
    }
  }

  checkAll() {
    for (const device of this.list) {
      const id = String(device.cameraId);
      this.checks.set(id, { text: t('devices.checking'), state: 'pending' });
      this.pendingChecks.set(id, performance.now());
      this.socket.send('check_camera', { cameraId: device.cameraId, rtspUrl: device.url });
    }
    this.render();
  }

  onStatus(data) {
    const id = String(data.cameraId);
    const started = this.pendingChecks.get(id);
    if (started == null) return;
    this.pendingChecks.delete(id);
    const ms = data.latencyMs != null ? data.latencyMs : Math.round(performance.now() - started);
    this.checks.set(id, data.status === 1
      ? { text: t('devices.online', { ms }), state: 'online' }
      : { text: `${t('devices.offline')}: ${data.message || ''}`, state: 'offline' });
    this.render();
  }

  render() {
    if (this.form.closest('section').hidden) return;  // hashchange renders it when shown
    const now = Date.now();
    this.body.replaceChildren(...this.list.map((device) => {
      const tr = document.createElement('tr');
      tr.dataset.cameraId = String(device.cameraId);
      const cell = (content, className) => {
        const td = document.createElement('td');
        if (className) td.className = className;
        if (content instanceof Node) td.append(content); else td.textContent = content ?? '';
        tr.append(td);
        return td;
      };
      const dot = document.createElement('span');
      dot.className = 'dot';
      const status = STATUS[device.status] ?? 0;
      dot.dataset.status = String(status);
      dot.title = device.message || device.status;
      const state = document.createElement('span');
      state.append(dot, ' ', device.status === 'starting' ? t('status.starting') : t('status.' + status));
      cell(state);
      cell(String(device.cameraId));
      cell(this.names[String(device.cameraId)] || '');
      cell(device.url, 'url');
      cell(device.detector);
      // The detect instance pulling it (the camera registry); none while it moves.
      const owner = cell(device.owner || t('devices.noOwner'), 'owner');
      if (!device.owner) owner.classList.add('none');
      cell((device.fps || 0).toFixed(1));
      cell(String(device.framesDropped ?? 0));
      cell(device.lastFrameTs ? fmtAge(now - device.lastFrameTs) : '—');
      const check = this.checks.get(String(device.cameraId));
      const checkCell = cell(check ? check.text : '', 'check');
      if (check) checkCell.dataset.state = check.state;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'remove';
      button.textContent = t('common.remove');
      button.onclick = () => this.remove(device);
      cell(button);
      return tr;
    }));
  }
}
