(function () {
  var table = document.getElementById('findings-table');
  var box = document.getElementById('filters');
  if (!table || !box) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var sevs = ['critical', 'high', 'medium', 'low', 'info'];
  var colors = {critical: '#7f1d1d', high: '#dc2626', medium: '#f59e0b', low: '#3b82f6', info: '#9ca3af'};
  var state = {sev: {}, ns: '', action: '', q: ''};
  var buttons = {};
  function uniq(attr) {
    var seen = {};
    rows.forEach(function (r) { seen[r.getAttribute(attr)] = true; });
    return Object.keys(seen).sort(function (a, b) { return a.localeCompare(b, 'en', {numeric: true}); });
  }
  function paint(s) {
    var b = buttons[s];
    b.className = state.sev[s] ? 'sev-toggle on' : 'sev-toggle';
    b.style.background = state.sev[s] ? colors[s] : '#fff';
    b.style.borderColor = colors[s];
    b.setAttribute('aria-pressed', state.sev[s] ? 'true' : 'false');
  }
  sevs.forEach(function (s) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = s;
    b.setAttribute('data-severity', s);
    b.addEventListener('click', function () { state.sev[s] = !state.sev[s]; paint(s); apply(); });
    buttons[s] = b;
    state.sev[s] = true;
    box.appendChild(b);
    paint(s);
  });
  function select(label, attr, values, all, key) {
    var sel = document.createElement('select');
    sel.setAttribute('aria-label', label);
    var o = document.createElement('option');
    o.value = '';
    o.textContent = all;
    sel.appendChild(o);
    values.forEach(function (v) {
      var x = document.createElement('option');
      x.value = v;
      x.textContent = (key === 'action' ? 'action ' : '') + v;
      sel.appendChild(x);
    });
    sel.addEventListener('change', function () { state[key] = sel.value; apply(); });
    box.appendChild(sel);
    return sel;
  }
  var nsSel = select('namespace', 'data-ns', uniq('data-ns'), 'every namespace', 'ns');
  var acSel = select('action', 'data-action', uniq('data-action'), 'every action', 'action');
  var q = document.createElement('input');
  q.type = 'search';
  q.placeholder = 'search findings';
  q.setAttribute('aria-label', 'search findings');
  q.addEventListener('input', function () { state.q = q.value.toLowerCase(); apply(); });
  box.appendChild(q);
  var shown = document.createElement('span');
  shown.id = 'shown';
  box.appendChild(shown);
  function apply() {
    var n = 0;
    rows.forEach(function (r) {
      var ok = state.sev[r.getAttribute('data-severity')] &&
        (!state.ns || r.getAttribute('data-ns') === state.ns) &&
        (!state.action || r.getAttribute('data-action') === state.action) &&
        (!state.q || r.textContent.toLowerCase().indexOf(state.q) >= 0);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + ' of ' + rows.length + ' findings shown';
  }
  function show() { document.getElementById('findings').scrollIntoView(); }
  Array.prototype.forEach.call(document.querySelectorAll('svg .bar'), function (g) {
    g.addEventListener('click', function () {
      var ns = g.getAttribute('data-ns');
      var sev = g.getAttribute('data-severity');
      if (ns) { state.ns = ns; nsSel.value = ns; }
      if (sev) { sevs.forEach(function (s) { state.sev[s] = s === sev; paint(s); }); }
      apply();
      show();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('a[data-action-filter]'), function (a) {
    a.addEventListener('click', function (e) {
      e.preventDefault();
      state.action = a.getAttribute('data-action-filter');
      acSel.value = state.action;
      apply();
      show();
    });
  });
  apply();
  box.setAttribute('data-ready', '1');
})();
