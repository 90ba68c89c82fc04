// flame.js - draws the Multiverse flame graph (an icicle: outermost frame on
// top, width = samples) in the profile webview. Data arrives by postMessage
// from src/extension/profile/flame.ts; no remote resources, no inline styles
// in markup (positions are set through the CSSOM, which the CSP allows).
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const graph = document.getElementById('graph');
  const title = document.getElementById('title');
  const details = document.getElementById('details');
  const reset = document.getElementById('reset');
  const openButton = document.getElementById('open');
  const ROW = 20;
  const MIN_WIDTH_PCT = 0.15;
  let root;
  let focus;
  let selected;

  function hue(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return h;
  }

  function depthOf(node) {
    let d = 0;
    for (const c of node.children) d = Math.max(d, depthOf(c));
    return d + 1;
  }

  function describe(node) {
    const share = root.value > 0 ? ((100 * node.value) / root.value).toFixed(1) : '0';
    const where = node.file ? ` — ${node.file.split('/').pop()}:${node.line ?? '?'}` : '';
    return `${node.name}: ${node.value} samples (${share}%)${node.kernel ? ' [aerokernel]' : ''}${where}`;
  }

  function select(node) {
    selected = node;
    details.textContent = node ? describe(node) : '';
    openButton.disabled = !(node && node.file);
  }

  function draw() {
    graph.textContent = '';
    if (!focus) return;
    graph.style.height = `${depthOf(focus) * ROW}px`;
    const place = (node, depth, left, width) => {
      if (width < MIN_WIDTH_PCT) return;
      const el = document.createElement('div');
      el.className = `frame${node.kernel ? ' kernel' : ''}${node === focus ? ' focus' : ''}`;
      el.style.left = `${left}%`;
      el.style.width = `${width}%`;
      el.style.top = `${depth * ROW}px`;
      if (!node.kernel) el.style.setProperty('--frame-hue', String(20 + (hue(node.name) % 40)));
      el.textContent = node.name;
      el.title = describe(node);
      el.setAttribute('role', 'treeitem');
      el.addEventListener('click', () => {
        select(node);
        if (node.children.length > 0 && node !== focus) {
          focus = node;
          reset.disabled = focus === root;
          draw();
        }
      });
      graph.appendChild(el);
      let x = left;
      for (const c of node.children) {
        const w = node.value > 0 ? (width * c.value) / node.value : 0;
        place(c, depth + 1, x, w);
        x += w;
      }
    };
    place(focus, 0, 0, 100);
  }

  reset.addEventListener('click', () => {
    focus = root;
    reset.disabled = true;
    select(undefined);
    draw();
  });
  openButton.addEventListener('click', () => {
    if (selected && selected.file) vscode.postMessage({ type: 'open', file: selected.file, line: selected.line });
  });
  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || msg.type !== 'profile') return;
    root = msg.tree;
    focus = root;
    reset.disabled = true;
    title.textContent = msg.title;
    select(undefined);
    draw();
  });
  vscode.postMessage({ type: 'ready' });
})();
