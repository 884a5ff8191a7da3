// The camera wall: 1/4/9/16 tiles, each showing a camera picked from the
// device list (menu or drag and drop). A tile redraws on the next animation
// frame after its camera's newest frame is decoded, never more often.

import { drawFrame, riskOf } from './draw.js';
import { t, fmtAge, levelName, onLangChange } from './i18n.js';

const LAYOUTS = [1, 4, 9, 16];
const LAYOUT_KEY = 'tmon.wall.layout';
const TILES_KEY = 'tmon.wall.tiles';
const CUSTOM = '__enter_id__';  // the menu entry that asks for an id
const LEVEL_ORDER = { none: 0, low: 1, medium: 2, high: 3, critical: 4 };

export class Wall {
  constructor({ socket, feeds, devices, onOpen }) {
    this.socket = socket;
    this.feeds = feeds;
    this.devices = devices;  // () => [{cameraId, url, ...}]
    this.onOpen = onOpen;
    this.root = document.getElementById('wall');
    this.alarmCameras = new Set();
    this.dirty = new Set();
    this.rafPending = false;
    const saved = Number(localStorage.getItem(LAYOUT_KEY));
    this.layout = LAYOUTS.includes(saved) ? saved : 4;
    try { this.assigned = JSON.parse(localStorage.getItem(TILES_KEY) || '[]'); } catch { this.assigned = []; }
    if (!Array.isArray(this.assigned)) this.assigned = [];
    this.tiles = [];
    this.buildLayoutButtons();
    this.build();
    feeds.onChange((feed, what) => this.onFeed(feed, what));
    onLangChange(() => { this.buildLayoutButtons(); this.refreshMenus(); this.tiles.forEach((tile) => this.updateInfo(tile)); });
    setInterval(() => this.tiles.forEach((tile) => this.updateInfo(tile)), 1000);
    new ResizeObserver(() => this.tiles.forEach((tile) => this.markDirty(tile))).observe(this.root);
  }

  buildLayoutButtons() {
    const box = document.getElementById('layout-buttons');
    box.replaceChildren(...LAYOUTS.map((n) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = String(n);
      button.dataset.layout = String(n);
      button.classList.toggle('active', n === this.layout);
      button.onclick = () => this.setLayout(n);
      return button;
    }));
  }

  setLayout(n) {
    this.layout = n;
    localStorage.setItem(LAYOUT_KEY, String(n));
    this.buildLayoutButtons();
    this.build();
  }

  build() {
    const side = Math.sqrt(this.layout);
    this.root.style.setProperty('--side', String(side));
    this.root.dataset.layout = String(this.layout);
    this.tiles = [];
    const elements = [];
    for (let i = 0; i < this.layout; i += 1) {
      const tile = this.makeTile(i);
      this.tiles.push(tile);
      elements.push(tile.el);
    }
    this.root.replaceChildren(...elements);
    this.syncWatching();
    this.refreshMenus();
    this.tiles.forEach((tile) => { this.updateInfo(tile); this.markDirty(tile); });
  }

  makeTile(index) {
    const el = document.createElement('div');
    el.className = 'tile';
    el.dataset.index = String(index);
    el.innerHTML = `
      <div class="tile-head">
        <span class="dot" data-status=""></span>
        <select class="cam-select"></select>
        <span class="stat"></span>
        <button type="button" class="open" title="">⤢</button>
      </div>
      <div class="tile-body">
        <canvas></canvas>
        <div class="placeholder"></div>
        <div class="banner" hidden></div>
      </div>
      <div class="tile-foot"><span class="fps"></span><span class="age"></span></div>`;
    const tile = {
      index, el,
      canvas: el.querySelector('canvas'),
      select: el.querySelector('select'),
      dot: el.querySelector('.dot'),
      stat: el.querySelector('.stat'),
      banner: el.querySelector('.banner'),
      placeholder: el.querySelector('.placeholder'),
      fps: el.querySelector('.fps'),
      age: el.querySelector('.age'),
      cameraId: this.assigned[index] ?? null,
      drawnFrames: -1,
    };
    tile.select.onchange = () => {
      if (tile.select.value !== CUSTOM) return this.assign(tile, tile.select.value || null);
      // A camera pulled by another process (`tmon api` lists none): by its id.
      const id = (window.prompt(t('wall.enterId')) || '').trim();
      return id ? this.assign(tile, id) : this.refreshMenus();
    };
    el.querySelector('.open').onclick = () => { if (tile.cameraId != null) this.onOpen(tile.cameraId); };
    tile.canvas.ondblclick = () => { if (tile.cameraId != null) this.onOpen(tile.cameraId); };
    el.ondragover = (event) => { event.preventDefault(); el.classList.add('drop'); };
    el.ondragleave = () => el.classList.remove('drop');
    el.ondrop = (event) => {
      event.preventDefault();
      el.classList.remove('drop');
      const id = event.dataTransfer.getData('text/x-tmon-camera');
      if (id) this.assign(tile, id);
    };
    return tile;
  }

  // A wall nobody arranged yet shows the first cameras, one per tile.
  autofill() {
    if (localStorage.getItem(TILES_KEY) != null) return;
    const devices = this.devices();
    if (devices.length === 0) return;
    this.tiles.forEach((tile, i) => {
      if (i < devices.length) this.assigned[i] = tile.cameraId = String(devices[i].cameraId);
    });
    localStorage.setItem(TILES_KEY, JSON.stringify(this.assigned.slice(0, 16)));
    this.syncWatching();
    this.tiles.forEach((tile) => { this.updateInfo(tile); this.markDirty(tile); });
  }

  // The device list changed: refresh the menus and chips.
  refreshMenus() {
    const devices = this.devices();
    for (const tile of this.tiles) {
      const options = [new Option(t('wall.choose'), '')];
      const ids = new Set();
      for (const device of devices) {
        ids.add(String(device.cameraId));
        options.push(new Option(device.label || String(device.cameraId), String(device.cameraId)));
      }
      if (tile.cameraId != null && !ids.has(String(tile.cameraId))) {
        options.push(new Option(String(tile.cameraId), String(tile.cameraId)));
      }
      options.push(new Option(t('wall.enterId'), CUSTOM));
      tile.select.replaceChildren(...options);
      tile.select.value = tile.cameraId == null ? '' : String(tile.cameraId);
      tile.el.querySelector('.open').title = t('wall.open');
    }
    const chips = document.getElementById('camera-chips');
    chips.replaceChildren(...devices.map((device) => {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.draggable = true;
      chip.textContent = device.label || String(device.cameraId);
      chip.ondragstart = (event) => event.dataTransfer.setData('text/x-tmon-camera', String(device.cameraId));
      return chip;
    }));
  }

  assign(tile, cameraId) {
    tile.cameraId = cameraId;
    this.assigned[tile.index] = cameraId;
    localStorage.setItem(TILES_KEY, JSON.stringify(this.assigned.slice(0, 16)));
    tile.drawnFrames = -1;
    this.syncWatching();
    this.refreshMenus();
    this.updateInfo(tile);
    this.markDirty(tile);
  }

  // Watch exactly the cameras some tile shows (the detail view adds its own).
  syncWatching(extra = null) {
    const wanted = new Set(this.tiles.map((tile) => tile.cameraId).filter((id) => id != null).map(String));
    if (extra != null) wanted.add(String(extra));
    const devices = new Map(this.devices().map((d) => [String(d.cameraId), d]));
    for (const id of wanted) {
      if (!this.socket.streams.has(id)) {
        const device = devices.get(id);
        // The id in the type the server gave it; "" for the URL of a known camera.
        this.socket.watch(device ? device.cameraId : id, '');
      }
    }
    for (const id of [...this.socket.streams.keys()]) {
      if (!wanted.has(id)) {
        this.socket.unwatch(this.socket.streams.get(id).cameraId);
        this.feeds.forget(id);
      }
    }
  }

  setAlarms(cameraIds) {
    this.alarmCameras = new Set([...cameraIds].map(String));
    for (const tile of this.tiles) {
      const on = tile.cameraId != null && this.alarmCameras.has(String(tile.cameraId));
      tile.el.classList.toggle('alarm', on);
      tile.el.title = on ? t('wall.alarm') : '';
    }
  }

  onFeed(feed, what) {
    for (const tile of this.tiles) {
      if (tile.cameraId == null || String(tile.cameraId) !== feed.id) continue;
      if (what === 'frame') this.markDirty(tile);
      this.updateInfo(tile);
    }
  }

  markDirty(tile) {
    this.dirty.add(tile);
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => {
      this.rafPending = false;
      const tiles = [...this.dirty];
      this.dirty.clear();
      for (const one of tiles) this.draw(one);
    });
  }

  draw(tile) {
    const feed = tile.cameraId == null ? null : this.feeds.cameras.get(String(tile.cameraId));
    drawFrame(tile.canvas, feed && feed.data ? feed : null);
    tile.canvas.dataset.cameraId = tile.cameraId == null ? '' : String(tile.cameraId);
    this.updateBanner(tile, feed);
  }

  updateBanner(tile, feed) {
    const groups = feed && feed.data && Array.isArray(feed.data.trafficGroups) ? feed.data.trafficGroups : [];
    const risky = groups
      .filter((g) => LEVEL_ORDER[riskOf(g)] > 0)
      .sort((a, b) => LEVEL_ORDER[riskOf(b)] - LEVEL_ORDER[riskOf(a)]);
    if (risky.length === 0) {
      tile.banner.hidden = true;
      return;
    }
    const top = risky[0];
    tile.banner.hidden = false;
    tile.banner.dataset.level = riskOf(top);
    const more = risky.length > 1 ? ` (+${risky.length - 1})` : '';
    const types = Array.isArray(top.riskTypes) && top.riskTypes.length ? ` · ${top.riskTypes.join('、')}` : '';
    tile.banner.textContent = `${levelName(riskOf(top))}${types}${more}` +
      (top.alertDescription ? ` — ${top.alertDescription}` : '');
  }

  updateInfo(tile) {
    const feed = tile.cameraId == null ? null : this.feeds.cameras.get(String(tile.cameraId));
    const data = feed && feed.data;
    tile.placeholder.textContent = tile.cameraId == null ? t('wall.empty') : (data ? '' : t('wall.waiting'));
    tile.placeholder.hidden = Boolean(data) && tile.cameraId != null;
    const status = feed && feed.status != null ? feed.status : '';
    tile.dot.dataset.status = String(status);
    tile.stat.textContent = status === '' ? '' : t('status.' + status);
    tile.stat.title = feed ? feed.statusMessage : '';
    tile.fps.textContent = feed && feed.arrivals.length > 1 ? `${this.feeds.fps(feed).toFixed(1)} fps` : '';
    // assessedRequestId: the frame whose assessment this one carries.
    if (data && data.assessedRequestId) {
      const age = Date.now() - (data.alertGeneratedAt || 0) * 1000;
      tile.age.textContent = `${t('wall.assessed')} ${fmtAge(age)}`;
    } else {
      tile.age.textContent = data ? t('wall.notAssessed') : '';
    }
    const on = tile.cameraId != null && this.alarmCameras.has(String(tile.cameraId));
    tile.el.classList.toggle('alarm', on);
  }
}
