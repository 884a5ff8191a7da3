// The newest frame of each watched camera, decoded once however many tiles
// show it. A camera holds at most one frame waiting to be decoded: a newer
// message replaces it, so nothing queues up when frames come faster than the
// page can draw them.

import { decodeImage } from './draw.js';

export class Feeds {
  constructor(socket) {
    this.cameras = new Map();  // id text -> feed
    this.listeners = new Set();
    socket.on('detection_result', (data) => this.onFrame(data));
    socket.on('camera_status', (data) => this.onStatus(data));
    socket.on('stream_stopped', (data) => this.onStatus({ ...data, status: 0, message: data.reason }));
  }

  feed(cameraId) {
    const key = String(cameraId);
    if (!this.cameras.has(key)) {
      this.cameras.set(key, {
        id: key, data: null, bitmap: null, pending: null, decoding: false,
        status: null, statusMessage: '', arrivals: [], frames: 0,
      });
    }
    return this.cameras.get(key);
  }

  // fn(feed, what) with what = 'frame' | 'status'.
  onChange(fn) { this.listeners.add(fn); }

  notify(feed, what) { for (const fn of this.listeners) fn(feed, what); }

  onStatus(data) {
    // A check_camera answer (it carries latencyMs) says whether the source
    // can be opened, not how the stream is doing.
    if (data.latencyMs != null) return;
    const feed = this.feed(data.cameraId);
    feed.status = data.status;
    feed.statusMessage = data.message || '';
    this.notify(feed, 'status');
  }

  onFrame(data) {
    const feed = this.feed(data.cameraId);
    const now = performance.now();
    feed.arrivals.push(now);
    while (feed.arrivals.length > 1 && now - feed.arrivals[0] > 5000) feed.arrivals.shift();
    if (feed.arrivals.length > 30) feed.arrivals.shift();
    if (feed.status == null) feed.status = 1;
    feed.pending = data;  // the newest wins; an older undecoded one is dropped
    if (!feed.decoding) this.decodeNext(feed);
  }

  async decodeNext(feed) {
    const data = feed.pending;
    if (!data) return;
    feed.pending = null;
    feed.decoding = true;
    let bitmap = null;
    try {
      if (typeof data.frame === 'string' && data.frame.length > 0) bitmap = await decodeImage(data.frame);
    } catch {
      bitmap = null;  // a broken picture: draw the boxes on black
    }
    if (feed.bitmap && feed.bitmap !== bitmap) feed.bitmap.close();
    feed.bitmap = bitmap;
    feed.data = data;
    feed.frames += 1;
    feed.decoding = false;
    this.notify(feed, 'frame');
    if (feed.pending) this.decodeNext(feed);
  }

  fps(feed) {
    const a = feed.arrivals;
    if (a.length < 2) return 0;
    return (a.length - 1) / ((a[a.length - 1] - a[0]) / 1000);
  }

  forget(cameraId) {
    const feed = this.cameras.get(String(cameraId));
    if (!feed) return;
    if (feed.bitmap) feed.bitmap.close();
    this.cameras.delete(String(cameraId));
  }
}
