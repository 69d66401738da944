// A member page's browser side: the Jupyter widgets of one Voila page, drawn without JupyterLab's application.
//
// Voila's own page script starts JupyterLab's application (some 2.7 MB of script in 56 files) and waits for
// the window's `load` event before it connects to the kernel; a phone spends seconds on that before the first
// widget. This script does what a member page needs of it, and nothing else:
// - connects to the page's kernel (kernel.js, on the socket prefetch.js opened as this script started), and
//   asks it for every widget's state in one message (ipywidgets' control comm, as Voila does);
// - plotly.js runs after that request has left (prefetch.js adds its script as this one starts): the state
//   travels while plotly.js runs, instead of waiting behind it;
// - draws each cell output where Voila put it: widget views (the standard controls and anywidget), HTML,
//   text, and an error's name and message;
// - keeps `manager.kernel` the shape the workbook's widgets use (widgets/heartbeat.py: `connectionStatus`,
//   `status`, their signals, `anyMessage`, `serverSettings`, `reconnect()`).
// A page whose notebook asks for a widget this script does not carry says so in the page and in the console.

import { socket } from './prefetch.js';
import * as base from '@jupyter-widgets/base';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as controls from './controls.js';
import { Widget } from '@lumino/widgets';
import anywidgetModule from 'anywidget-amd';

import { pageSettings } from './connect.js';
import { KernelConnection } from './kernel.js';

import '@jupyter-widgets/base/css/index.css';
import '@jupyter-widgets/controls/css/widgets-base.css';

const OUTPUT_MIME = 'application/vnd.jupyter.widget-view+json';
const UNREACHABLE = 'This page could not reach its workbook session. Reload the page to try again; '
  + 'if it happens again, ask your facilitator.';
const SLOW = 'Still waiting for the workbook… If the page has not appeared in a minute, reload it.';
const SLOW_MS = 20000;
const CANNOT = 'This part of the page could not be shown. Reload the page; if it happens again, ask your '
  + 'facilitator.';

export class PageManager extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    this._modules = {
      '@jupyter-widgets/base': base,
      '@jupyter-widgets/controls': controls,
      anywidget: anywidgetModule(base),
    };
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) => this.handle_comm_open(comm, msg));
  }

  async loadClass(className, moduleName, moduleVersion) {
    const module = this._modules[moduleName];
    if (!module || !module[className]) {
      throw new Error(`This page cannot show the widget ${className} from ${moduleName} ${moduleVersion}`);
    }
    return module[className];
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, {}, metadata, buffers);
    return comm;
  }

  async _get_comm_info() {
    const reply = await this.kernel.request('comm_info_request', { target_name: this.comm_target_name });
    return reply.content.comms;
  }

  // every widget the kernel has, in one message (the control comm; falls back to one request per widget)
  load() {
    return this._loadFromKernel();
  }
}

function text(el, value, mime) {
  const pre = document.createElement('pre');
  pre.className = 'lm-Widget jp-RenderedText';
  pre.setAttribute('data-mime-type', mime);
  pre.textContent = value;
  el.appendChild(pre);
}

const ANSI = /\u001b\[[0-9;]*m/g;

async function render(script, manager) {
  const output = JSON.parse(script.textContent);
  const host = script.parentElement;
  const el = document.createElement('div');
  el.className = 'lm-Widget jp-OutputArea-output';
  host.replaceChild(el, script);
  const data = output.data || {};
  if (output.output_type === 'stream') {
    text(el, output.text, output.name === 'stderr' ? 'application/vnd.jupyter.stderr' : 'application/vnd.jupyter.stdout');
  } else if (output.output_type === 'error') {
    text(el, `${output.ename}: ${output.evalue}`.replace(ANSI, ''), 'application/vnd.jupyter.stderr');
  } else if (data[OUTPUT_MIME]) {
    el.classList.add('jupyter-widgets');
    try {
      const model = await manager.get_model(data[OUTPUT_MIME].model_id);
      const view = await manager.create_view(model);
      Widget.attach(view.luminoWidget, el);
    } catch (err) {
      // said in the page, where the member looks, not only in the console
      el.textContent = '';
      const note = document.createElement('p');
      note.className = 'wb-error';
      note.setAttribute('role', 'alert');
      note.textContent = CANNOT;
      el.appendChild(note);
      throw err;
    }
  } else if (data['text/html'] !== undefined) {
    el.classList.add('jp-RenderedHTMLCommon');
    el.innerHTML = data['text/html'];
  } else if (data['text/plain'] !== undefined) {
    text(el, data['text/plain'], 'text/plain');
  }
}

function reveal() {
  const loading = document.getElementById('loading');
  if (loading) loading.remove();
  const cells = document.getElementById('rendered_cells');
  if (cells) cells.style.display = '';
}

function unreachable(err) {
  console.error(err);
  const words = document.getElementById('loading_text');
  if (words) words.textContent = UNREACHABLE;
  document.body.dataset.wbPage = 'unreachable';
}

async function start() {
  performance.mark('wb-page-start');
  const kernel = new KernelConnection(pageSettings(document, window.location), socket);
  const manager = new PageManager(kernel);
  window.workbookPage = { kernel, manager };
  const loading = manager.load();
  // a server too busy to answer (or a connection that never opens): the member is told the page still waits
  const slow = setTimeout(() => {
    const words = document.getElementById('loading_text');
    if (words && document.body.dataset.wbPage !== 'unreachable') words.textContent = SLOW;
  }, SLOW_MS);
  try {
    await loading;
  } catch (err) {
    clearTimeout(slow);
    unreachable(err);
    return;
  }
  clearTimeout(slow);
  performance.mark('wb-page-state');
  reveal();
  const scripts = [...document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]')];
  const drawn = await Promise.allSettled(scripts.map((s) => render(s, manager)));
  for (const result of drawn) if (result.status === 'rejected') console.error(result.reason);
  // ipywidgets draws a widget it could not make as an icon ("Click to show javascript error"): the member reads
  // a plain sentence there instead (the error itself is in the console)
  for (const icon of document.querySelectorAll('.jupyter-widgets-error-widget')) {
    const note = document.createElement('p');
    note.className = 'wb-error';
    note.setAttribute('role', 'alert');
    note.textContent = CANNOT;
    icon.replaceWith(note);
  }
  performance.mark('wb-page-drawn');
  document.body.dataset.wbPage = 'ready';
  window.dispatchEvent(new Event('resize'));
}

start();
