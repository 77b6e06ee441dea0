// plummet's HTML report: draws the treemap from the JSON in #plummet-data. Hand-written, no
// library. Names from the image only ever reach the page through textContent and attributes
// set with setAttribute, never as markup.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var WASTED = 1, FINDING = 2, HAS_WASTED = 4, HAS_FINDING = 8;
  var MAX_DEPTH = 6;
  var body = document.body;
  var box = document.getElementById('treemap');
  var crumbs = document.getElementById('crumbs');
  var tip = document.getElementById('tip');
  var source = document.getElementById('plummet-data');
  var data = null;
  try { data = source ? JSON.parse(source.textContent) : null; } catch (e) { data = null; }
  if (!box) { return; }
  if (!data || !data.nodes || !data.nodes.length) {
    box.textContent = 'The final filesystem is empty.';
    body.setAttribute('data-treemap', 'empty');
    return;
  }
  var nodes = data.nodes;
  var kids = [], paths = [], byPath = Object.create(null);
  var i;
  for (i = 0; i < nodes.length; i++) { kids.push([]); }
  for (i = 0; i < nodes.length; i++) {
    var n = nodes[i], p = n[0];
    if (p >= 0) { kids[p].push(i); }
    if (p < 0) { paths.push('/'); } else if (n[7] > 0) { paths.push(paths[p]); } else {
      paths.push((paths[p] === '/' ? '' : paths[p]) + '/' + n[1]);
    }
    if (!n[7]) { byPath[paths[i]] = i; }
  }
  for (i = 0; i < kids.length; i++) {
    kids[i].sort(function (a, b) { return nodes[b][2] - nodes[a][2] || a - b; });
  }

  function size(b) {
    var units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], u = 0;
    while (b >= 1000 && u < units.length - 1) { b /= 1000; u++; }
    return u === 0 ? b + ' B' : b.toFixed(2) + ' ' + units[u];
  }

  // Squarified layout (Bruls, Huizing, van Wijk): rows whose worst aspect ratio stops improving.
  function worst(sum, min, max, side) {
    var s2 = sum * sum, w2 = side * side;
    return Math.max(w2 * max / s2, s2 / (w2 * min));
  }
  function squarify(items, x, y, w, h) {
    var out = [], k = 0;
    var total = 0;
    items.forEach(function (it) { total += it.v; });
    if (total <= 0) { return out; }
    var scale = (w * h) / total;
    while (k < items.length) {
      var side = Math.min(w, h), sum = 0, min = Infinity, max = 0, start = k;
      while (k < items.length) {
        var a = items[k].v * scale;
        var nsum = sum + a, nmin = Math.min(min, a), nmax = Math.max(max, a);
        if (k > start && worst(nsum, nmin, nmax, side) > worst(sum, min, max, side)) { break; }
        sum = nsum; min = nmin; max = nmax; k++;
      }
      var j, off;
      if (w >= h) {
        var cw = h > 0 ? sum / h : 0;
        for (j = start, off = y; j < k; j++) {
          var rh = cw > 0 ? items[j].v * scale / cw : 0;
          out.push({ i: items[j].i, x: x, y: off, w: cw, h: rh }); off += rh;
        }
        x += cw; w -= cw;
      } else {
        var rw = w > 0 ? sum / w : 0;
        for (j = start, off = x; j < k; j++) {
          var cwid = rw > 0 ? items[j].v * scale / rw : 0;
          out.push({ i: items[j].i, x: off, y: y, w: cwid, h: rw }); off += cwid;
        }
        y += rw; h -= rw;
      }
    }
    return out;
  }

  function layerClass(n) { return n[3] >= 0 && n[3] < data.base_layers ? 'base' : 'yours'; }
  function leafClass(n) {
    if (n[7] > 0) { return 'other'; }
    if (n[6] & FINDING) { return 'finding'; }
    if (n[6] & WASTED) { return 'wasted'; }
    return layerClass(n);
  }
  function dirClass(n) {
    var c = 'dir';
    if (n[6] & FINDING) { c += ' finding'; } else if (n[6] & HAS_FINDING) { c += ' has-finding'; }
    else if (n[6] & (WASTED | HAS_WASTED)) { c += ' has-wasted'; }
    return c;
  }
  function label(name, w) { var fit = Math.floor((w - 6) / 6.5); return name.length > fit ? name.slice(0, Math.max(fit - 1, 0)) + '…' : name; }
  function el(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  var svg = null, root = 0;
  function draw(parent, x, y, w, h, depth) {
    var items = kids[parent].filter(function (c) { return nodes[c][2] > 0; })
      .map(function (c) { return { i: c, v: nodes[c][2] }; });
    squarify(items, x, y, w, h).forEach(function (r) {
      var n = nodes[r.i];
      if (r.w < 1 || r.h < 1) { return; }
      var isDir = kids[r.i].length > 0;
      var attrs = { x: r.x.toFixed(1), y: r.y.toFixed(1), width: r.w.toFixed(1), height: r.h.toFixed(1), 'data-i': r.i };
      if (isDir) {
        attrs['class'] = dirClass(n) + ' zoomable';
        svg.appendChild(el('rect', attrs));
        if (r.h > 16 && r.w > 24) {
          var t = el('text', { x: (r.x + 4).toFixed(1), y: (r.y + 12).toFixed(1) });
          t.textContent = label(n[1] + '/ ' + size(n[2]), r.w);
          svg.appendChild(t);
        }
        if (depth < MAX_DEPTH && r.w > 30 && r.h > 34) {
          draw(r.i, r.x + 2, r.y + 16, r.w - 4, r.h - 18, depth + 1);
        }
      } else {
        attrs['class'] = 'file ' + leafClass(n);
        svg.appendChild(el('rect', attrs));
        if (r.h > 14 && r.w > 40) {
          var lt = el('text', { x: (r.x + 3).toFixed(1), y: (r.y + 12).toFixed(1), 'class': n[7] > 0 ? '' : 'on-fill' });
          lt.textContent = label(n[7] > 0 ? n[7] + ' more' : n[1], r.w);
          svg.appendChild(lt);
        }
      }
    });
  }

  function crumb(text, target) {
    var a = document.createElement('a');
    a.textContent = text;
    a.setAttribute('href', zoomHref(target));
    return a;
  }
  function zoomHref(index) { return '#zoom=' + encodeURIComponent(paths[index]).replace(/%2F/g, '/'); }
  function renderCrumbs() {
    crumbs.textContent = '';
    var chain = [], at = root;
    while (at >= 0) { chain.unshift(at); at = nodes[at][0]; }
    chain.forEach(function (c, k) {
      if (k > 0) { var s = document.createElement('span'); s.className = 'sep'; s.textContent = k > 1 ? '/' : ''; crumbs.appendChild(s); }
      crumbs.appendChild(crumb(k === 0 ? '/' : nodes[c][1], c));
    });
    var total = document.createElement('span');
    total.className = 'sep';
    total.textContent = ' ' + size(nodes[root][2]);
    crumbs.appendChild(total);
  }
  function render() {
    box.textContent = '';
    var w = box.clientWidth || 800, h = box.clientHeight || 400;
    svg = el('svg', { viewBox: '0 0 ' + w + ' ' + h, role: 'img' });
    box.appendChild(svg);
    draw(root, 0, 0, w, h, 0);
    renderCrumbs();
    body.setAttribute('data-treemap', 'ready');
    body.setAttribute('data-zoom', paths[root]);
  }

  function fromHash() {
    var m = /^#zoom=(.*)$/.exec(location.hash);
    var path = '/';
    if (m) { try { path = decodeURIComponent(m[1]); } catch (e) { path = '/'; } }
    // A path inside a group or a file zooms to the nearest directory that was drawn.
    while (path.length > 1 && !(path in byPath && kids[byPath[path]].length)) {
      path = path.slice(0, path.lastIndexOf('/')) || '/';
    }
    root = path in byPath ? byPath[path] : 0;
    render();
  }

  function describe(k) {
    var n = nodes[k], lines = [];
    if (n[7] > 0) {
      lines.push(paths[k] + (paths[k] === '/' ? '' : '/') + ' — ' + n[7] + ' smaller entries, grouped');
      lines.push(size(n[2]));
      return lines.join('\n');
    }
    lines.push(paths[k]);
    lines.push(size(n[2]) + (kids[k].length ? '' : n[3] >= 0 ? ', layer ' + n[3] + (n[3] < data.base_layers ? ' (base)' : '') : ''));
    if (n[4] >= 0) { var p = data.packages[n[4]]; lines.push('package ' + p[0] + ' ' + p[1] + ' (' + p[2] + ')'); }
    if (n[5] >= 0) { var f = data.findings[n[5]]; lines.push('finding ' + f[0] + ' at ' + f[1] + ': ' + f[2]); }
    if (n[6] & WASTED) { lines.push('wasted: also written by another layer'); }
    else if (n[6] & HAS_WASTED) { lines.push('holds wasted paths'); }
    if (!(n[6] & FINDING) && n[6] & HAS_FINDING) { lines.push('holds findings'); }
    return lines.join('\n');
  }

  box.addEventListener('mousemove', function (e) {
    var k = e.target.getAttribute && e.target.getAttribute('data-i');
    if (k === null || k === undefined) { tip.hidden = true; return; }
    tip.textContent = describe(+k);
    tip.hidden = false;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) { x = Math.max(0, e.clientX - tip.offsetWidth - 8); }
    if (y + tip.offsetHeight > window.innerHeight) { y = Math.max(0, e.clientY - tip.offsetHeight - 8); }
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  });
  box.addEventListener('mouseleave', function () { tip.hidden = true; });
  box.addEventListener('click', function (e) {
    var k = e.target.getAttribute && e.target.getAttribute('data-i');
    if (k === null || k === undefined) { return; }
    // Zoom one level: to the clicked node's ancestor just below the current root.
    var at = +k;
    while (nodes[at][0] >= 0 && nodes[at][0] !== root) { at = nodes[at][0]; }
    if (nodes[at][0] === root && kids[at].length) { location.hash = zoomHref(at).slice(1); }
  });
  window.addEventListener('hashchange', fromHash);
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; render(); });
  });
  fromHash();
})();
