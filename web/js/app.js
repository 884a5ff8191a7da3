// The dashboard's entry point: session, one live socket, the four views.

import { initSession } from './api.js';
import { applyI18n, setLang, currentLang, t, onLangChange } from './i18n.js';
import { LiveSocket } from './ws.js';
import { Feeds } from './feeds.js';
import { Wall } from './wall.js';
import { Detail } from './detail.js';
import { Alerts } from './alerts.js';
import { Devices } from './devices.js';
import { System } from './system.js';

const VIEWS = ['wall', 'alerts', 'devices', 'system'];

let toastTimer = null;
function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

function currentView() {
  const name = location.hash.replace('#', '');
  return VIEWS.includes(name) ? name : 'wall';
}

function showView() {
  const view = currentView();
  for (const section of document.querySelectorAll('section.view')) section.hidden = section.dataset.view !== view;
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.view === view);
}

function showConnection(state) {
  const el = document.getElementById('conn');
  el.dataset.state = state;
  el.textContent = t('conn.' + state);
}

function showSession(session) {
  const el = document.getElementById('session');
  if (session.error) el.textContent = session.error;
  else if (session.authenticated) el.textContent = t('session.' + (session.role || 'viewer'));
  else el.textContent = session.authRequired ? t('session.none') : t('session.open');
}

async function main() {
  applyI18n();
  const langButton = document.getElementById('lang-toggle');
  const labelLang = () => { langButton.textContent = currentLang() === 'zh' ? 'EN' : '中文'; };
  labelLang();
  langButton.onclick = () => { setLang(currentLang() === 'zh' ? 'en' : 'zh'); labelLang(); };
  window.addEventListener('hashchange', showView);
  showView();

  const session = await initSession();
  showSession(session);
  onLangChange(() => showSession(session));

  const socket = new LiveSocket();
  socket.onState(showConnection);
  onLangChange(() => showConnection(socket.state));
  const feeds = new Feeds(socket);
  const devices = new Devices({ socket, toast });
  const wall = new Wall({ socket, feeds, devices: () => devices.devices(), onOpen: (id) => detail.open(id) });
  const detail = new Detail({ feeds, wall });
  devices.onChange(() => { wall.autofill(); wall.refreshMenus(); wall.syncWatching(detail.cameraId); });
  new Alerts({ socket, devices: () => devices.devices(), onAlarms: (ids) => wall.setAlarms(ids), toast });
  new System({ isVisible: () => currentView() === 'system' });
  // For tests and the curious: the page's live parts.
  window.tmon = { socket, feeds, wall, devices };
}

main();
