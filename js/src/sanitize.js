// ipywidgets sanitizes a description's HTML (when a widget sets `description_allow_html`) with sanitize-html,
// which brings PostCSS into the page. The workbook never allows HTML in a description, so this page escapes
// such a description entirely instead: it shows as text.
export default function sanitize(source) {
  const div = document.createElement('div');
  div.textContent = String(source);
  return div.innerHTML;
}
