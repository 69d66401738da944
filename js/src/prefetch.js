// The first thing the page's script does, before its libraries run (page.js imports this first; they take about
// half a second of a phone's time), so that two things travel meanwhile:
// - the kernel's connection (`socket`): opened now, its handshake is done by the time the page's code can send
//   the request for the widgets, which it then sends at once (kernel.js takes the socket over);
// - plotly.js, from the URL the template gives (`data-plotly` on the script's own tag): its script is added now,
//   so it downloads without sharing the network with this script on its way in, and the browser reads it on
//   another thread while the libraries run. It runs when it is ready and this script has finished: in practice
//   after the connection's opening (a round trip, against plotly.js's download and reading), whose handler
//   sends the request for the widgets first, so their state travels while plotly.js runs. (Were plotly.js to run
//   first, the request would leave after it: later, never wrong.)
import { channelsUrl, pageSettings, uuid4 } from './connect.js';

performance.mark('wb-prefetch');
const self = document.currentScript;
const plotlyUrl = self && self.dataset ? self.dataset.plotly || null : null;

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

// after the socket: its handshake starts first
if (plotlyUrl && !document.getElementById('wb-plotly-js')) {
  const tag = document.createElement('script');
  tag.id = 'wb-plotly-js';
  tag.async = true;
  tag.src = plotlyUrl;
  document.head.append(tag);
}
