// The first thing the page's script does, before its libraries run (page.js imports this first; they take about
// half a second of a phone's time), so that two things travel meanwhile:
// - plotly.js, from the URL the template gives (`data-plotly` on the script's own tag): fetched now, into the
//   browser's cache (the workbook's server lets the browser keep its static files: serve/voila_server.py), it
//   does not share the network with this script on its way in; page.js runs it once the request for the
//   widgets has left (`loadPlotly`);
// - the kernel's connection (`socket`): opened now, its handshake is done by the time the page's code can send
//   the request for the widgets, which it then sends at once (kernel.js takes the socket over).
import { channelsUrl, pageSettings, uuid4 } from './connect.js';

performance.mark('wb-prefetch');
const self = document.currentScript;
export const plotlyUrl = self && self.dataset ? self.dataset.plotly || null : null;
if (plotlyUrl && typeof fetch === 'function') {
  fetch(plotlyUrl, { credentials: 'same-origin' }).then((r) => r.arrayBuffer()).catch(() => {});
}

function open() {
  try {
    const settings = pageSettings(document, window.location);
    if (!settings.kernelId) return null;
    const session = uuid4();
    const ws = new WebSocket(channelsUrl(settings, session));
    ws.binaryType = 'arraybuffer';
    return { session, ws };
  } catch (err) {
    return null;  // the page's code connects itself (and says so if it cannot)
  }
}

export const socket = open();
