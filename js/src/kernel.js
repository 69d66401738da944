// The page's connection to its kernel: Jupyter's messaging protocol over the server's kernel WebSocket
// (jupyter_server's default, JSON text frames; a message with binary buffers as one binary frame), with the
// part of @jupyterlab/services' KernelConnection that a page of widgets uses: comms, their callbacks, the
// connection's and the kernel's status as signals, every message as `anyMessage`, and reconnection.
//
// What @jupyterlab/services does, and this keeps:
// - one client session id for the page's life, so a reconnected socket gets the messages the server buffered
//   for it while it was away;
// - messages sent while the connection is down wait in order and go out when it is back (`anyMessage` sees
//   each one as it leaves);
// - a dropped connection is retried, sooner at first, then every few seconds, until the page is closed; a
//   socket refused before it opens makes the page ask the server whether the kernel is still there, and a
//   kernel that is dead, or a server that refuses the page, makes the kernel's status 'dead'.

import { Signal } from '@lumino/signaling';

import { channelsUrl, uuid4 } from './connect.js';

const PROTOCOL_VERSION = '5.3';
const RETRY_MS = [250, 500, 1000, 2000, 4000];  // then every RETRY_MS's last, for as long as the page is open
const LATER_MS = 10000;  // after no answer from the server at all

// the server's binary frame: [n][offset_0 .. offset_n-1] (big-endian uint32), then the message's JSON at
// offset_0 and its buffers at the offsets after it
export function serialize(msg) {
  const buffers = msg.buffers || [];
  if (!buffers.length) {
    const { buffers: _, ...rest } = msg;
    return JSON.stringify(rest);
  }
  const { buffers: _, ...rest } = msg;
  const parts = [new TextEncoder().encode(JSON.stringify(rest))];
  for (const b of buffers) {
    parts.push(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  const head = 4 * (parts.length + 1);
  const total = parts.reduce((n, p) => n + p.byteLength, head);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length);
  let at = head;
  parts.forEach((p, i) => {
    view.setUint32(4 * (i + 1), at);
    out.set(p, at);
    at += p.byteLength;
  });
  return out.buffer;
}

export function deserialize(data) {
  if (typeof data === 'string') {
    const msg = JSON.parse(data);
    msg.buffers = [];
    return msg;
  }
  const view = new DataView(data);
  const n = view.getUint32(0);
  const offsets = [];
  for (let i = 0; i < n; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(data.byteLength);
  const msg = JSON.parse(new TextDecoder().decode(new Uint8Array(data, offsets[0], offsets[1] - offsets[0])));
  msg.buffers = [];
  for (let i = 1; i < n; i++) msg.buffers.push(new DataView(data.slice(offsets[i], offsets[i + 1])));
  return msg;
}

// one comm, with the interface ipywidgets' models use (IClassicComm)
class Comm {
  constructor(kernel, targetName, commId) {
    this.kernel = kernel;
    this.target_name = targetName;
    this.comm_id = commId;
    this._onMsg = null;
    this._onClose = null;
    this._closed = false;
  }

  open(data, callbacks, metadata, buffers) {
    return this.kernel._send('shell', 'comm_open', { comm_id: this.comm_id, target_name: this.target_name, data },
      metadata, buffers, callbacks);
  }

  send(data, callbacks, metadata, buffers) {
    if (this._closed) throw new Error('Comm is closed');
    return this.kernel._send('shell', 'comm_msg', { comm_id: this.comm_id, data }, metadata, buffers, callbacks);
  }

  close(data, callbacks, metadata, buffers) {
    if (this._closed) return '';
    this._closed = true;
    this.kernel._comms.delete(this.comm_id);
    return this.kernel._send('shell', 'comm_close', { comm_id: this.comm_id, data: data || {} }, metadata, buffers,
      callbacks);
  }

  on_msg(callback) { this._onMsg = callback; }

  on_close(callback) { this._onClose = callback; }

  _message(msg) {
    if (this._onMsg) return this._onMsg(msg);
    return undefined;
  }

  _closedByKernel(msg) {
    this._closed = true;
    if (this._onClose) this._onClose(msg);
  }
}

export class KernelConnection {
  // `socket`: {session, ws}, a connection to this kernel the page opened already (prefetch.js), taken over with
  // its client session while it is opening or open
  constructor({ baseUrl, wsUrl, kernelId, token }, socket) {
    this.id = kernelId;
    this.serverSettings = { baseUrl, wsUrl, token };
    this.clientId = uuid4();
    this.connectionStatus = 'connecting';
    this.status = 'unknown';
    this.connectionStatusChanged = new Signal(this);
    this.statusChanged = new Signal(this);
    this.anyMessage = new Signal(this);
    this._waiting = [];  // messages to send once connected, in order
    this._callbacks = new Map();  // msg_id -> the sender's callbacks (iopub status and output, shell reply)
    this._comms = new Map();
    this._targets = new Map();
    this._ws = null;
    this._retries = 0;
    this._timer = null;
    this._disposed = false;
    this._connected = [];  // reconnect() promises waiting for the connection
    // the first connection, once what waited for it has been sent
    this.opened = new Promise((resolve) => { this._opened = resolve; });
    const ws = socket && socket.ws;
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) {
      this.clientId = socket.session;
      this._attach(ws);
      if (ws.readyState === WebSocket.OPEN) ws.onopen();
    } else {
      if (ws) ws.close();
      this._connect();
    }
    window.addEventListener('pagehide', (e) => { if (!e.persisted) this.dispose(); });
  }

  _url() {
    return channelsUrl({ ...this.serverSettings, kernelId: this.id }, this.clientId);
  }

  _setConnection(status) {
    if (status === this.connectionStatus) return;
    this.connectionStatus = status;
    this.connectionStatusChanged.emit(status);
  }

  _setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.statusChanged.emit(status);
  }

  _connect() {
    clearTimeout(this._timer);
    this._timer = null;
    const old = this._ws;
    if (old) {
      old.onopen = old.onclose = old.onerror = old.onmessage = null;
      try { old.close(); } catch (err) { /* already closed */ }
    }
    this._setConnection('connecting');
    const ws = new WebSocket(this._url());
    ws.binaryType = 'arraybuffer';
    this._attach(ws);
  }

  _attach(ws) {
    this._ws = ws;
    let opened = false;
    ws.onopen = () => {
      if (this._ws !== ws) return;
      opened = true;
      this._retries = 0;
      this._setConnection('connected');
      const waiting = this._waiting.splice(0);
      for (const msg of waiting) this._write(msg);
      for (const done of this._connected.splice(0)) done.resolve();
      this._opened();
    };
    ws.onmessage = (event) => { if (this._ws === ws) this._receive(event.data); };
    ws.onclose = () => {
      if (this._ws !== ws) return;
      this._ws = null;
      if (this._disposed || this.status === 'dead') return;
      this._setConnection('connecting');
      for (const done of this._connected.splice(0)) done.reject(new Error('The connection closed'));
      if (opened) {
        this._retry();
        return;
      }
      // a socket refused before it opened: is the kernel there? (as @jupyterlab/services asks)
      this._check().then((verdict) => {
        if (this._disposed || this._ws || this._timer || this.status === 'dead') return;
        if (verdict === 'dead') this._die();
        else this._retry(verdict === 'later' ? LATER_MS : undefined);
      });
    };
  }

  _retry(wait) {
    clearTimeout(this._timer);
    const delay = wait === undefined ? RETRY_MS[Math.min(this._retries, RETRY_MS.length - 1)] : wait;
    this._retries += 1;
    this._timer = setTimeout(() => { this._timer = null; this._connect(); }, delay);
  }

  // The server's word on the kernel, after a socket was refused: 'retry' (it is there, or the server does not
  // know it: the page's own checks, widgets/heartbeat.py, say so to the member), 'later' (no answer, or a proxy
  // or hub that cannot reach the server now), 'dead' (the kernel is dead, or the server refuses this page: a
  // server that never served it, behind a balancer). The same verdicts as @jupyterlab/services' connection.
  async _check() {
    const settings = this.serverSettings;
    const headers = settings.token ? { Authorization: `token ${settings.token}` } : {};
    try {
      const response = await fetch(`${settings.baseUrl}api/kernels/${encodeURIComponent(this.id)}`,
        { headers, cache: 'no-store', credentials: 'same-origin' });
      if (response.status === 404) return 'retry';
      if ([424, 502, 503, 504].includes(response.status)) return 'later';
      if (!response.ok) return 'dead';
      const model = await response.json();
      return model && model.execution_state === 'dead' ? 'dead' : 'retry';
    } catch (err) {
      return 'later';
    }
  }

  _die() {
    clearTimeout(this._timer);
    this._timer = null;
    this._setStatus('dead');
    this._setConnection('disconnected');
  }

  // connect again now (the page's own checks say the server answers again)
  reconnect() {
    if (this._disposed) return Promise.reject(new Error('The page is closed'));
    if (this.status === 'dead') return Promise.reject(new Error('The kernel is dead'));
    const done = {};
    const promise = new Promise((resolve, reject) => { done.resolve = resolve; done.reject = reject; });
    this._connected.push(done);
    this._connect();
    return promise;
  }

  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    clearTimeout(this._timer);
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
      try { ws.close(); } catch (err) { /* already closed */ }
    }
    this._setConnection('disconnected');
  }

  registerCommTarget(targetName, handler) { this._targets.set(targetName, handler); }

  createComm(targetName, commId) {
    const comm = new Comm(this, targetName, commId || uuid4());
    this._comms.set(comm.comm_id, comm);
    return comm;
  }

  // a shell request; resolves with its reply
  request(msgType, content) {
    return new Promise((resolve) => {
      this._send('shell', msgType, content, {}, [], { shell: { reply: resolve } });
    });
  }

  _send(channel, msgType, content, metadata, buffers, callbacks) {
    const msg = {
      header: {
        msg_id: uuid4(), msg_type: msgType, username: '', session: this.clientId,
        date: new Date().toISOString(), version: PROTOCOL_VERSION,
      },
      parent_header: {}, metadata: metadata || {}, content, channel, buffers: buffers || [],
    };
    if (callbacks && (callbacks.iopub || callbacks.shell)) this._callbacks.set(msg.header.msg_id, callbacks);
    if (this.connectionStatus === 'connected' && this._ws && this._ws.readyState === WebSocket.OPEN) this._write(msg);
    else this._waiting.push(msg);
    return msg.header.msg_id;
  }

  _write(msg) {
    this._ws.send(serialize(msg));
    this.anyMessage.emit({ msg, direction: 'send' });
  }

  _receive(data) {
    let msg;
    try {
      msg = deserialize(data);
    } catch (err) {
      console.error('Could not read a message from the kernel', err);
      return;
    }
    this.anyMessage.emit({ msg, direction: 'recv' });
    const type = msg.header.msg_type;
    const parent = (msg.parent_header || {}).msg_id;
    const callbacks = parent ? this._callbacks.get(parent) : undefined;
    if (msg.channel === 'iopub') {
      if (type === 'status') {
        const state = msg.content.execution_state;
        if (state) this._setStatus(state);
        if (callbacks && callbacks.iopub && callbacks.iopub.status) callbacks.iopub.status(msg);
        if (state === 'idle' && callbacks && !(callbacks.shell && callbacks.shell.reply)) this._callbacks.delete(parent);
      } else if (type === 'comm_open') {
        this._commOpen(msg);
      } else if (type === 'comm_msg') {
        const comm = this._comms.get(msg.content.comm_id);
        if (comm) Promise.resolve(comm._message(msg)).catch((err) => console.error(err));
      } else if (type === 'comm_close') {
        const comm = this._comms.get(msg.content.comm_id);
        if (comm) {
          this._comms.delete(msg.content.comm_id);
          comm._closedByKernel(msg);
        }
      } else if (type === 'clear_output') {
        if (callbacks && callbacks.iopub && callbacks.iopub.clear_output) callbacks.iopub.clear_output(msg);
      } else if (callbacks && callbacks.iopub && callbacks.iopub.output) {
        callbacks.iopub.output(msg);
      }
    } else if (msg.channel === 'shell' && callbacks) {
      this._callbacks.delete(parent);
      if (callbacks.shell && callbacks.shell.reply) callbacks.shell.reply(msg);
    }
  }

  _commOpen(msg) {
    const { comm_id: commId, target_name: targetName } = msg.content;
    const handler = this._targets.get(targetName);
    if (!handler) {
      console.warn(`No handler for comm target ${targetName}`);
      return;
    }
    const comm = new Comm(this, targetName, commId);
    this._comms.set(commId, comm);
    Promise.resolve(handler(comm, msg)).catch((err) => console.error(err));
  }
}
