// Where a member page's kernel is, and the address of its connection: read from the configuration Voila writes
// into the page. No libraries: prefetch.js uses it before the page's libraries have run.

// the page's server settings and kernel id
export function pageSettings(doc, location) {
  const config = JSON.parse(doc.getElementById('jupyter-config-data').textContent);
  const baseUrl = (config.baseUrl || '/').replace(/\/?$/, '/');
  const wsUrl = config.wsUrl || `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${baseUrl}`;
  return { baseUrl, wsUrl, kernelId: config.kernelId, token: config.token || '' };
}

// the kernel channels' URL for one client session (jupyter_server: /api/kernels/<id>/channels?session_id=)
export function channelsUrl({ wsUrl, kernelId, token }, session) {
  const base = wsUrl.replace(/\/?$/, '/');
  let url = `${base}api/kernels/${encodeURIComponent(kernelId)}/channels?session_id=${session}`;
  if (token) url += `&token=${encodeURIComponent(token)}`;
  return url;
}

// a version 4 UUID from the page's random numbers (crypto.randomUUID needs a secure page: a room's Wi-Fi page
// is plain http)
export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
