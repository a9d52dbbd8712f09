// The status page's script: subscribes to /events (Server-Sent Events) and draws the state it gets.
// Plain JavaScript, no framework, no build step. The server sends the whole state on connect and once
// a second, and single events (health, admin, reload) the moment they happen, so a row changes without
// waiting for the next second. Rows are updated in place, so keyboard focus survives the updates.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const NS = 'http://www.w3.org/2000/svg';
  const tbody = document.querySelector('#backends tbody');
  const connection = $('connection');
  const rows = new Map(); // backend name -> { tr, cells, stripKey }
  let state = null;
  let source = null;
  let retryTimer = null;
  let retryDelay = 1000;

  // ---- connection ------------------------------------------------------------------------------
  function showConnection(kind, text) {
    if (connection.dataset.state !== kind) {
      connection.dataset.state = kind;
      connection.textContent = text;
    }
  }

  function connect() {
    retryTimer = null;
    source = new EventSource('events');
    source.addEventListener('snapshot', (e) => { retryDelay = 1000; showConnection('live', 'live'); replace(JSON.parse(e.data)); });
    source.addEventListener('stats', (e) => { showConnection('live', 'live'); replace(JSON.parse(e.data)); });
    source.addEventListener('health', (e) => applyHealth(JSON.parse(e.data)));
    source.addEventListener('admin', (e) => applyAdmin(JSON.parse(e.data)));
    source.addEventListener('reload', (e) => showReload(JSON.parse(e.data)));
    source.addEventListener('error', () => {
      showConnection('reconnecting', 'reconnecting…');
      // The browser retries a dropped stream by itself; after an HTTP error (503 while the balancer
      // starts) it gives up, so this page retries, backing off up to 10 s.
      if (source.readyState === EventSource.CLOSED && retryTimer === null) {
        retryTimer = setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      }
    });
  }

  // ---- events ----------------------------------------------------------------------------------
  function replace(next) {
    state = next;
    render();
  }

  function backend(name) {
    return state && state.backends.find((b) => b.name === name);
  }

  // The word a band shows, as the server decides it (HealthStrip.shown).
  function shown(health, admin) {
    if (admin === 'MAINTENANCE') return 'MAINT';
    if (health === 'DOWN') return 'DOWN';
    return admin === 'DRAINING' ? 'DRAIN' : 'UP';
  }

  function addBand(b, reason, at) {
    const word = shown(b.health, b.admin);
    if (b.strip.length === 0 || b.strip[b.strip.length - 1].state !== word) {
      b.strip.push({ from: at, state: word, reason: reason });
    }
  }

  function applyHealth(e) {
    const b = backend(e.backend);
    if (!b) return;
    b.health = e.to;
    addBand(b, e.reason, e.at);
    state.time = Math.max(state.time, e.at);
    render(e.backend);
  }

  function applyAdmin(e) {
    const b = backend(e.backend);
    if (!b) return;
    if (e.change === 'STATE') {
      b.admin = e.to;
      addBand(b, 'by ' + e.actor, e.at);
    } else if (e.change === 'WEIGHT') {
      b.weight = Number(e.to);
    }
    render(e.backend);
  }

  function showReload(e) {
    const p = $('reload');
    p.hidden = false;
    p.dataset.applied = String(e.applied);
    p.textContent = 'Config ' + (e.applied ? 'reloaded' : 'reload rejected') + ' at ' + clock(e.at) + ' by ' + e.actor + ': ' + e.summary;
  }

  // ---- formatting ------------------------------------------------------------------------------
  function rate(v) {
    if (v === null || v === undefined) return '–';
    return v < 10 ? v.toFixed(1) : Math.round(v).toString();
  }
  function ratio(v) {
    if (v === null || v === undefined) return '–';
    return (v * 100).toFixed(v < 0.1 ? 1 : 0) + ' %';
  }
  function ms(v) {
    if (v === null || v === undefined) return '–';
    if (v >= 1000) return (v / 1000).toFixed(v >= 10000 ? 0 : 1) + ' s';
    return (v < 10 ? v.toFixed(1) : Math.round(v).toString()) + ' ms';
  }
  function span(millis) {
    const s = Math.max(0, Math.round(millis / 1000));
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    const h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }
  function clock(at) {
    return new Date(at).toLocaleTimeString();
  }

  // ---- drawing ---------------------------------------------------------------------------------
  function render(onlyName) {
    if (!state) return;
    document.body.dataset.updated = String(state.time); // when the data shown was read (for tests and curious readers)
    const bal = state.balancer;
    $('listen').textContent = bal.listen + ' · ' + bal.version;
    $('b-algorithm').textContent = bal.algorithm;
    $('b-uptime').textContent = span(bal.uptimeMs);
    $('b-rps').textContent = rate(bal.rps);
    $('b-errors').textContent = ratio(bal.errorRatio);
    $('b-latency').textContent = ms(bal.p50Ms) + ' / ' + ms(bal.p99Ms);
    $('b-inflight').textContent = String(bal.inFlight);
    $('b-up').textContent = state.backends.filter((b) => b.health === 'UP').length + ' of ' + state.backends.length;
    $('b-interval').textContent = 'every ' + span(bal.healthCheckIntervalMs);
    document.title = 'lb status · ' + state.backends.filter((b) => b.health === 'UP').length + '/' + state.backends.length + ' up';

    const names = new Set(state.backends.map((b) => b.name));
    for (const [name, row] of rows) {
      if (!names.has(name)) { row.tr.remove(); rows.delete(name); }
    }
    state.backends.forEach((b, i) => {
      if (onlyName && b.name !== onlyName) return;
      let row = rows.get(b.name);
      if (!row) {
        row = newRow(b);
        rows.set(b.name, row);
      }
      if (tbody.children[i] !== row.tr) tbody.insertBefore(row.tr, tbody.children[i] || null);
      fill(row, b);
    });
  }

  function cell(tr, label, cls) {
    const td = document.createElement('td');
    td.dataset.label = label;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function newRow(b) {
    const tr = document.createElement('tr');
    tr.dataset.backend = b.name;
    const c = {};
    c.name = cell(tr, 'Backend', 'name');
    c.state = cell(tr, 'State', 'state-cell');
    c.weight = cell(tr, 'Weight', 'num');
    c.inFlight = cell(tr, 'In flight', 'num');
    c.rps = cell(tr, 'req/s', 'num');
    c.errors = cell(tr, '5xx', 'num');
    c.p99 = cell(tr, 'p99', 'num');
    c.check = cell(tr, 'Last check', 'check');
    c.strip = cell(tr, 'Last 15 minutes', 'strip-cell');
    c.sparks = cell(tr, 'req/s and p99, 5 minutes', 'sparks-cell');
    return { tr: tr, cells: c, stripKey: '', word: null };
  }

  function fill(row, b) {
    const c = row.cells;
    const word = shown(b.health, b.admin);
    if (row.word !== null && row.word !== word) {
      row.tr.classList.remove('changed');
      void row.tr.offsetWidth; // restarts the highlight
      row.tr.classList.add('changed');
    }
    row.word = word;
    row.tr.dataset.state = word;
    setText(c.name, b.name, b.name === b.url ? '' : b.url);
    const stateBox = document.createElement('div');
    stateBox.className = 'state-box';
    stateBox.append(stateBadge(b.health === 'DOWN' ? 'DOWN' : 'UP', b.health), adminLine(b));
    c.state.replaceChildren(stateBox);
    c.weight.textContent = String(b.weight);
    c.inFlight.textContent = b.maxConnections > 0 ? b.inFlight + ' / ' + b.maxConnections : String(b.inFlight);
    c.rps.textContent = rate(b.rps);
    c.errors.textContent = ratio(b.errorRatio);
    c.p99.textContent = ms(b.p99Ms);
    if (b.lastCheck) {
      const verdict = (b.lastCheck.passed ? 'passed' : 'failed') + ', ' + ms(b.lastCheck.latencyMs);
      setText(c.check, span(state.time - b.lastCheck.at) + ' ago', verdict + (b.lastCheck.passed ? '' : ': ' + b.lastCheck.detail));
      c.check.title = clock(b.lastCheck.at) + ': ' + b.lastCheck.detail;
    } else {
      setText(c.check, 'not yet', '');
    }
    drawStrip(row, b);
    drawSparks(c.sparks, b);
  }

  function setText(td, main, small) {
    td.replaceChildren(document.createTextNode(main));
    if (small) {
      const s = document.createElement('small');
      s.textContent = small;
      td.appendChild(s);
    }
  }

  function stateBadge(word, health) {
    const s = document.createElement('span');
    s.className = 'state';
    s.dataset.state = word;
    s.textContent = health;
    return s;
  }

  function adminLine(b) {
    const s = document.createElement('span');
    s.className = 'admin';
    s.dataset.admin = b.admin;
    s.textContent = b.admin.toLowerCase();
    if (b.admin !== 'READY') {
      s.replaceChildren(stateBadge(shown(b.health, b.admin), b.admin === 'DRAINING' ? 'DRAIN' : 'MAINT'));
    }
    return s;
  }

  // The last 15 minutes as bands; the part before the balancer knew the backend is left grey.
  function drawStrip(row, b) {
    const windowMs = state.windows.stripSeconds * 1000;
    const end = state.time;
    const start = end - windowMs;
    const minute = Math.floor(end / 60000);
    const key = b.strip.map((x) => x.from + x.state).join('|') + '@' + minute;
    if (key === row.stripKey) return; // unchanged: keep the elements, and keyboard focus on them
    row.stripKey = key;
    const focused = row.cells.strip.contains(document.activeElement)
      ? Array.prototype.indexOf.call(document.activeElement.parentNode.children, document.activeElement) : -1;
    const strip = document.createElement('div');
    strip.className = 'strip';
    strip.setAttribute('role', 'list');
    strip.setAttribute('aria-label', 'health over the last 15 minutes');
    const bands = b.strip;
    const first = bands.length ? Math.max(start, bands[0].from) : end;
    if (first > start) strip.appendChild(band('NONE', first - start, windowMs, 'no data: before the balancer knew this backend', start));
    bands.forEach((x, i) => {
      const from = Math.max(start, x.from);
      const to = i + 1 < bands.length ? bands[i + 1].from : end;
      if (to <= from && i + 1 < bands.length) return; // the current state always shows, even a moment old
      strip.appendChild(band(x.state, to - from, windowMs,
        x.state + ' from ' + clock(x.from) + ' for ' + span(to - x.from) + ': ' + x.reason, from));
    });
    const axis = document.createElement('div');
    axis.className = 'strip-axis';
    axis.setAttribute('aria-hidden', 'true');
    axis.append(document.createElement('span'), document.createElement('span'));
    axis.firstChild.textContent = '−15 min';
    axis.lastChild.textContent = 'now';
    const box = document.createElement('div');
    box.className = 'strip-box';
    box.append(strip, axis);
    row.cells.strip.replaceChildren(box);
    if (focused >= 0 && strip.children.length) strip.children[Math.min(focused, strip.children.length - 1)].focus();
  }

  function band(word, length, windowMs, tip) {
    const d = document.createElement('span');
    d.className = 'band';
    d.dataset.state = word;
    d.dataset.tip = tip;
    d.title = tip;
    d.tabIndex = 0;
    d.setAttribute('role', 'listitem');
    d.setAttribute('aria-label', tip);
    d.style.flex = '0 0 ' + (100 * length / windowMs) + '%';
    return d;
  }

  function drawSparks(td, b) {
    const rps = b.spark.map((p) => p.rps);
    const p99 = b.spark.map((p) => p.p99Ms);
    const box = document.createElement('div');
    box.className = 'sparks';
    box.append(spark('rps', rps, 'req/s', rate), spark('p99', p99, 'p99', ms));
    td.replaceChildren(box);
  }

  function spark(kind, values, label, format) {
    const wrap = document.createElement('span');
    const cap = document.createElement('span');
    cap.className = 'spark-label';
    const known = values.filter((v) => v !== null && v !== undefined);
    const max = known.length ? Math.max.apply(null, known) : 0;
    cap.textContent = label + ' max ' + (known.length ? format(max) : '–');
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'spark ' + kind);
    const slots = state.windows.sparkSeconds / 5;
    svg.setAttribute('viewBox', '0 0 ' + slots + ' 20');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label + ' over the last 5 minutes, highest ' + (known.length ? format(max) : 'none'));
    const offset = slots - values.length;
    const points = [];
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const y = max > 0 ? 19 - (v / max) * 18 : 19;
      points.push((offset + i) + ',' + y.toFixed(2));
    });
    if (points.length === 1) points.push((slots) + ',' + points[0].split(',')[1]);
    const line = document.createElementNS(NS, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.appendChild(line);
    wrap.append(cap, svg);
    return wrap;
  }

  connect();
})();
