// The member page's kernel connection (src/kernel.js) against a scripted WebSocket: what a page relies on when
// the room's Wi-Fi drops and comes back. Run by `node --test js/test` (tests/unit/test_page_js.py runs it).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

// the browser globals kernel.js uses
const listeners = {};
globalThis.window = { addEventListener: (type, fn) => { (listeners[type] ||= []).push(fn); } };

class FakeSocket {
  static all = [];
  static CONNECTING = 0;
  static OPEN = 1;
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeSocket.all.push(this);
  }
  send(data) { this.sent.push(data); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen && this.onopen(); }
  drop() { this.readyState = 3; this.onclose && this.onclose(); }
  receive(msg) { this.onmessage && this.onmessage({ data: typeof msg === 'string' ? msg : msg }); }
}
globalThis.WebSocket = FakeSocket;

const { KernelConnection, serialize, deserialize } = await import('../src/kernel.js');

const settings = { baseUrl: '/', wsUrl: 'ws://127.0.0.1:1/', kernelId: 'k-1', token: '' };
const sentTypes = (socket) => socket.sent.map((d) => JSON.parse(d).header.msg_type);
const last = () => FakeSocket.all[FakeSocket.all.length - 1];
const tick = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

beforeEach(() => { FakeSocket.all = []; });

test('connects to the kernel channels URL with one client session id', () => {
  const k = new KernelConnection(settings);
  assert.equal(FakeSocket.all.length, 1);
  assert.match(last().url, /^ws:\/\/127\.0\.0\.1:1\/api\/kernels\/k-1\/channels\?session_id=[0-9a-f-]{36}$/);
  assert.ok(last().url.endsWith(k.clientId));
  k.dispose();
});

test('messages sent before the connection opens wait, in order, and leave when it opens', () => {
  const k = new KernelConnection(settings);
  const seen = [];
  k.anyMessage.connect((_k, args) => seen.push([args.direction, args.msg.header.msg_type]));
  const comm = k.createComm('jupyter.widget.control', 'c-1');
  comm.open({}, {});
  comm.send({ method: 'request_states' }, {});
  assert.equal(last().sent.length, 0);
  assert.deepEqual(seen, []);  // a message is "sent" when it leaves, as @jupyterlab/services says it
  assert.equal(k.connectionStatus, 'connecting');
  last().open();
  assert.equal(k.connectionStatus, 'connected');
  assert.deepEqual(sentTypes(last()), ['comm_open', 'comm_msg']);
  assert.deepEqual(seen, [['send', 'comm_open'], ['send', 'comm_msg']]);
  assert.equal(JSON.parse(last().sent[1]).content.data.method, 'request_states');
  k.dispose();
});

test('a dropped connection is retried with the same session id, and what was sent meanwhile goes out then', async () => {
  const k = new KernelConnection(settings);
  const statuses = [];
  k.connectionStatusChanged.connect((_k, s) => statuses.push(s));
  const first = last();
  first.open();
  const comm = k.createComm('jupyter.widget', 'm-1');
  comm.send({ method: 'update', state: { value: 1 } }, {});
  first.drop();
  assert.equal(k.connectionStatus, 'connecting');
  comm.send({ method: 'update', state: { value: 2 } }, {});
  comm.send({ method: 'update', state: { value: 3 } }, {});
  await tick(300);  // the first retry comes after 250 ms
  assert.equal(FakeSocket.all.length, 2);
  const second = last();
  assert.equal(second.url, first.url);
  second.open();
  assert.deepEqual(second.sent.map((d) => JSON.parse(d).content.data.state.value), [2, 3]);
  assert.deepEqual(statuses, ['connected', 'connecting', 'connected']);
  k.dispose();
});

test('reconnect() connects at once and resolves when connected', async () => {
  const k = new KernelConnection(settings);
  last().drop();
  const done = k.reconnect();
  assert.equal(FakeSocket.all.length, 2);
  last().open();
  await done;
  assert.equal(k.connectionStatus, 'connected');
  k.dispose();
});

test('comm messages reach their comm; iopub status reaches the sender\'s callbacks; comm_close closes it', () => {
  const k = new KernelConnection(settings);
  last().open();
  const comm = k.createComm('jupyter.widget', 'm-1');
  const got = [];
  comm.on_msg((msg) => got.push(msg.content.data.method));
  let closed = null;
  comm.on_close((msg) => { closed = msg.content.comm_id; });
  const statuses = [];
  const id = comm.send({ method: 'update', state: {} }, { iopub: { status: (msg) => statuses.push(msg.content.execution_state) } });
  const reply = (type, content, parent) => JSON.stringify({
    header: { msg_id: 'x', msg_type: type }, parent_header: parent ? { msg_id: parent } : {}, metadata: {}, content,
    channel: 'iopub',
  });
  last().receive(reply('status', { execution_state: 'busy' }, id));
  last().receive(reply('comm_msg', { comm_id: 'm-1', data: { method: 'echo_update' } }, id));
  last().receive(reply('status', { execution_state: 'idle' }, id));
  last().receive(reply('comm_msg', { comm_id: 'other', data: { method: 'update' } }));
  last().receive(reply('comm_close', { comm_id: 'm-1', data: {} }));
  assert.deepEqual(statuses, ['busy', 'idle']);
  assert.deepEqual(got, ['echo_update']);
  assert.equal(closed, 'm-1');
  assert.equal(k.status, 'idle');
  k.dispose();
});

test('a comm the kernel opens goes to its target\'s handler', () => {
  const k = new KernelConnection(settings);
  last().open();
  const opened = [];
  k.registerCommTarget('jupyter.widget', (comm, msg) => opened.push([comm.comm_id, msg.content.data.state.x]));
  last().receive(JSON.stringify({
    header: { msg_id: 'o', msg_type: 'comm_open' }, parent_header: {}, metadata: {}, channel: 'iopub',
    content: { comm_id: 'new-1', target_name: 'jupyter.widget', data: { state: { x: 7 } } },
  }));
  assert.deepEqual(opened, [['new-1', 7]]);
  k.dispose();
});

test('a closed page stops reconnecting', async () => {
  const k = new KernelConnection(settings);
  last().open();
  for (const fn of listeners.pagehide || []) fn({ persisted: false });
  assert.equal(k.connectionStatus, 'disconnected');
  await tick(300);
  assert.equal(FakeSocket.all.length, 1);
});

test('binary frames: buffers survive the round trip', () => {
  const msg = {
    header: { msg_id: 'b', msg_type: 'comm_msg' }, parent_header: {}, metadata: {}, channel: 'shell',
    content: { comm_id: 'm', data: { method: 'update', buffer_paths: [['v']] } },
    buffers: [new Uint8Array([1, 2, 3]), new Uint8Array([250, 251]).buffer],
  };
  const frame = serialize(msg);
  assert.ok(frame instanceof ArrayBuffer);
  const back = deserialize(frame);
  assert.deepEqual(back.content, msg.content);
  assert.deepEqual([...new Uint8Array(back.buffers[0].buffer)], [1, 2, 3]);
  assert.deepEqual([...new Uint8Array(back.buffers[1].buffer)], [250, 251]);
  const text = serialize({ ...msg, buffers: [] });
  assert.equal(typeof text, 'string');
  assert.equal(JSON.parse(text).buffers, undefined);
});

// the server's answer when the page asks after its kernel (GET api/kernels/<id>)
function answer(status, body = {}) {
  const asked = [];
  globalThis.fetch = async (url) => {
    asked.push(url);
    if (status === 'none') throw new TypeError('Failed to fetch');
    return { status, ok: status >= 200 && status < 300, json: async () => body };
  };
  return asked;
}

test('a socket refused before it opens, on a server that refuses the page: the kernel is dead, no more tries', async () => {
  const asked = answer(403);
  const k = new KernelConnection(settings);
  const statuses = [];
  k.statusChanged.connect((_k, s) => statuses.push(s));
  last().open();
  last().drop();  // the server is lost
  await tick(300);
  last().drop();  // the retry reaches a server that never served this page (behind a balancer)
  await tick(50);
  assert.deepEqual(asked, ['/api/kernels/k-1']);
  assert.equal(k.status, 'dead');
  assert.deepEqual(statuses, ['dead']);
  assert.equal(k.connectionStatus, 'disconnected');
  const sockets = FakeSocket.all.length;
  await tick(600);
  assert.equal(FakeSocket.all.length, sockets);
  await assert.rejects(k.reconnect());
  k.dispose();
});

test('a refused socket whose kernel the server says is dead makes the kernel dead', async () => {
  answer(200, { id: 'k-1', execution_state: 'dead' });
  const k = new KernelConnection(settings);
  last().drop();
  await tick(50);
  assert.equal(k.status, 'dead');
  k.dispose();
});

test('a refused socket whose kernel the server does not know (404) or still has is tried again soon', async () => {
  for (const [status, body] of [[404, {}], [200, { execution_state: 'idle' }]]) {
    FakeSocket.all = [];
    answer(status, body);
    const k = new KernelConnection(settings);
    last().drop();
    await tick(400);
    assert.equal(FakeSocket.all.length, 2, `after ${status}`);
    assert.notEqual(k.status, 'dead');
    k.dispose();
  }
});

test('a refused socket and no answer from the server: the page waits longer before it tries again', async () => {
  answer('none');
  const k = new KernelConnection(settings);
  last().drop();
  await tick(700);
  assert.equal(FakeSocket.all.length, 1);
  assert.notEqual(k.status, 'dead');
  assert.equal(k.connectionStatus, 'connecting');
  k.reconnect();  // the page's own check finds the server again: at once
  assert.equal(FakeSocket.all.length, 2);
  k.dispose();
});

// the socket prefetch.js opens as the page's script starts (its handshake travels while the libraries run)
test('a socket the page opened already is taken over with its session: what was asked meanwhile leaves on it', () => {
  const ws = new FakeSocket('ws://127.0.0.1:1/api/kernels/k-1/channels?session_id=early-1');
  const k = new KernelConnection(settings, { session: 'early-1', ws });
  assert.equal(FakeSocket.all.length, 1);  // no second connection
  assert.equal(k.clientId, 'early-1');
  const comm = k.createComm('jupyter.widget.control', 'c-1');
  comm.open({}, {});
  comm.send({ method: 'request_states' }, {});
  assert.equal(ws.sent.length, 0);
  ws.open();
  assert.equal(k.connectionStatus, 'connected');
  assert.deepEqual(sentTypes(ws), ['comm_open', 'comm_msg']);
  assert.equal(JSON.parse(ws.sent[0]).header.session, 'early-1');
  ws.drop();  // and a drop is retried with that session, as any connection's
  k.dispose();
});

test('a socket the page opened that is already open is used at once; one that failed is replaced', () => {
  const open = new FakeSocket('ws://x');
  open.readyState = 1;
  const k = new KernelConnection(settings, { session: 'early-2', ws: open });
  assert.equal(k.connectionStatus, 'connected');
  k.createComm('jupyter.widget', 'm-1').send({ method: 'update', state: {} }, {});
  assert.equal(open.sent.length, 1);
  k.dispose();
  FakeSocket.all = [];
  const failed = new FakeSocket('ws://x');
  failed.readyState = 3;
  const k2 = new KernelConnection(settings, { session: 'early-3', ws: failed });
  assert.equal(FakeSocket.all.length, 2);
  assert.ok(!last().url.endsWith('early-3'));
  k2.dispose();
});
