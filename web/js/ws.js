// /ws in the original envelope ({type, data}): one socket for the page.
// Reconnects by itself with exponential backoff and jitter, says so through
// onState, and restarts every stream the page was watching.

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;

export class LiveSocket {
  constructor() {
    this.handlers = new Map();      // type -> Set(fn)
    this.streams = new Map();       // cameraId (as text) -> {cameraId, rtspUrl}
    this.stateListeners = new Set();
    this.state = 'connecting';
    this.attempt = 0;
    this.socket = null;
    this.connect();
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
  }

  onState(fn) { this.stateListeners.add(fn); fn(this.state); }

  send(type, data = {}) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type, data }));
      return true;
    }
    return false;
  }

  // Watch a camera; kept across reconnects until unwatch().
  watch(cameraId, rtspUrl) {
    this.streams.set(String(cameraId), { cameraId, rtspUrl });
    this.send('start_stream', { cameraId, rtspUrl });
  }

  unwatch(cameraId) {
    if (this.streams.delete(String(cameraId))) this.send('stop_stream', { cameraId });
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const fn of this.stateListeners) fn(state);
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/ws`);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const { cameraId, rtspUrl } of this.streams.values()) {
        this.send('start_stream', { cameraId, rtspUrl });
      }
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      const set = this.handlers.get(message.type);
      if (set) for (const fn of set) fn(message.data || {});
    };
    // An error is always followed by close; reconnect from there only.
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.retry();
    };
  }

  retry() {
    this.setState('reconnecting');
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * base / 2;
    setTimeout(() => this.connect(), delay);
  }
}
