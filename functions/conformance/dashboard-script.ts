/**
 * The dashboard's only script (inlined by dashboard.ts, allowed by its CSP hash). Plain ES2017 in a
 * string: the browser runs it as written. The operator token lives in the `token` variable alone: never
 * in storage, a cookie or the URL; the form fields have no `name`, so nothing can be submitted.
 */
export const DASHBOARD_SCRIPT = String.raw`(function () {
  'use strict';
  var token = '';
  var loads = 0;
  var HISTORY_PAGES = 20;
  var REQUEST_PAGES = 10;
  var STATUSES = ['received', 'processing', 'withheld', 'completed'];
  var $ = function (id) { return document.getElementById(id); };

  function ApiError(status, detail) { this.status = status; this.detail = detail; }

  function api(path) {
    return fetch(path, {
      headers: { authorization: 'Bearer ' + token, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new ApiError(response.status, body.detail || body.title || '');
        return body;
      });
    });
  }

  function pages(path, key, max) {
    var items = [];
    function next(cursor, left) {
      var url = path + (path.indexOf('?') < 0 ? '?' : '&') + 'limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      return api(url).then(function (body) {
        items = items.concat(body[key]);
        if (body.nextCursor && left > 1) return next(body.nextCursor, left - 1);
        return { items: items, complete: !body.nextCursor };
      });
    }
    return next(null, max);
  }

  function say(text, isError) {
    var status = $('status');
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function explain(error) {
    if (error instanceof ApiError) {
      if (error.status === 401) {
        token = '';
        showSignedIn(false);
        return 'The operator token was refused (401 Unauthorized). Enter it again.';
      }
      if (error.status === 403) return 'This token may not read the evidence (403 Forbidden).';
      return 'The service answered ' + error.status + (error.detail ? ': ' + error.detail : '') + '.';
    }
    return 'The service could not be reached (network error). Check the connection and try again.';
  }

  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }
  var count = function (n) { return Number(n).toLocaleString('en-US'); };
  var counted = function (n, one, many) { return count(n) + ' ' + (n === 1 ? one : many); };
  var when = function (iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '—'; };

  function cell(row, text, attrs) {
    var td = document.createElement(row.children.length === 0 ? 'th' : 'td');
    if (row.children.length === 0) td.scope = 'row';
    td.textContent = text;
    for (var name in attrs || {}) td.setAttribute(name, attrs[name]);
    row.appendChild(td);
    return td;
  }

  function fill(tbodyId, rows, build) {
    var tbody = $(tbodyId);
    tbody.textContent = '';
    rows.forEach(function (item) {
      var tr = document.createElement('tr');
      build(tr, item);
      tbody.appendChild(tr);
    });
  }

  function showConformance(body) {
    var names = Object.keys(body.categories);
    fill('categories', names, function (tr, name) {
      var c = body.categories[name];
      tr.setAttribute('data-category', name);
      if (c.overdue > 0) tr.className = 'overdue';
      cell(tr, name);
      cell(tr, count(c.stored), { 'data-figure': 'stored' });
      cell(tr, count(c.overdue) + (c.overdue > 0 ? ' (overdue)' : ''), { 'data-figure': 'overdue' });
      cell(tr, c.overdue > 0 ? duration(c.oldestOverdueSeconds) : 'none', {
        'data-figure': 'oldestOverdueSeconds', 'data-seconds': String(c.oldestOverdueSeconds),
      });
    });
    var overdue = names.reduce(function (sum, name) { return sum + body.categories[name].overdue; }, 0);
    $('conformance-summary').textContent = overdue === 0
      ? 'Nothing is overdue (checked ' + when(body.checkedAt) + ').'
      : counted(overdue, 'item is', 'items are') + ' overdue for expiry (checked ' + when(body.checkedAt) + ').';
  }

  var SVG = 'http://www.w3.org/2000/svg';
  function svg(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showHistory(result) {
    var points = result.items.filter(function (run) { return run.run === 'expire'; }).map(function (run) {
      var oldest = Object.keys(run.categories).reduce(function (max, name) {
        return Math.max(max, run.categories[name].oldestOverdueSecondsAfter || 0);
      }, 0);
      return { at: Date.parse(run.startedAt), oldest: oldest, startedAt: run.startedAt };
    });
    var chart = $('chart-plot');
    chart.textContent = '';
    var width = 640, height = 200, left = 56, bottom = 28;
    chart.appendChild(svg('line', { x1: left, y1: 8, x2: left, y2: height - bottom, stroke: '#555' }));
    chart.appendChild(svg('line', { x1: left, y1: height - bottom, x2: width - 8, y2: height - bottom, stroke: '#555' }));
    if (points.length === 0) {
      $('history-summary').textContent = 'No expire run in the last 30 days.';
      return;
    }
    var maxY = Math.max.apply(null, points.map(function (p) { return p.oldest; }).concat([60]));
    var t0 = points[0].at, t1 = points[points.length - 1].at;
    var x = function (t) { return t1 === t0 ? (left + width - 8) / 2 : left + ((t - t0) / (t1 - t0)) * (width - 8 - left); };
    var y = function (v) { return height - bottom - (v / maxY) * (height - bottom - 8); };
    chart.appendChild(svg('text', { x: 4, y: 16, class: 'axis' }, duration(maxY)));
    chart.appendChild(svg('text', { x: 4, y: height - bottom, class: 'axis' }, '0'));
    chart.appendChild(svg('text', { x: left, y: height - 8, class: 'axis' }, when(points[0].startedAt)));
    chart.appendChild(svg('text', { x: width - 8, y: height - 8, class: 'axis', 'text-anchor': 'end' }, when(points[points.length - 1].startedAt)));
    chart.appendChild(svg('polyline', {
      points: points.map(function (p) { return x(p.at).toFixed(1) + ',' + y(p.oldest).toFixed(1); }).join(' '),
      fill: 'none', stroke: '#0b5cad', 'stroke-width': 2,
    }));
    points.forEach(function (p) {
      chart.appendChild(svg('circle', { cx: x(p.at).toFixed(1), cy: y(p.oldest).toFixed(1), r: 3, fill: p.oldest > 0 ? '#b00020' : '#0b5cad' }));
    });
    var last = points[points.length - 1];
    $('history-summary').textContent = counted(points.length, 'expire run', 'expire runs') + '; after the latest (' + when(last.startedAt) + ') '
      + (last.oldest > 0 ? 'the oldest lingering item was ' + duration(last.oldest) + ' overdue' : 'nothing was overdue') + (result.complete ? '.' : ' (older runs not shown).');
    $('history-summary').setAttribute('data-latest-seconds', String(last.oldest));
    $('history-summary').setAttribute('data-runs', String(points.length));
  }

  function showRequests(result, checkedAt) {
    var now = Date.parse(checkedAt) || Date.now();
    var byStatus = {};
    STATUSES.forEach(function (s) { byStatus[s] = { all: 0, overdue: 0 }; });
    result.items.forEach(function (r) {
      byStatus[r.status].all += 1;
      if (r.overdue) byStatus[r.status].overdue += 1;
    });
    fill('by-status', STATUSES, function (tr, status) {
      tr.setAttribute('data-status', status);
      if (byStatus[status].overdue > 0) tr.className = 'overdue';
      cell(tr, status);
      cell(tr, count(byStatus[status].all), { 'data-figure': 'count' });
      cell(tr, count(byStatus[status].overdue), { 'data-figure': 'overdue' });
    });
    fill('requests', result.items, function (tr, r) {
      tr.setAttribute('data-request', r.id);
      if (r.overdue) tr.className = 'overdue';
      cell(tr, r.app);
      cell(tr, r.id, { class: 'id' });
      cell(tr, r.status);
      cell(tr, when(r.receivedAt));
      cell(tr, when(r.dueAt));
      cell(tr, duration(r.ageSeconds), { 'data-seconds': String(r.ageSeconds) });
      var dueIn = (Date.parse(r.dueAt) - now) / 1000;
      cell(tr, r.overdue ? 'Overdue by ' + duration(-dueIn)
        : r.completedAt ? 'Completed ' + when(r.completedAt)
        : 'Due in ' + duration(dueIn), { 'data-figure': 'deadline' });
    });
    var overdue = result.items.filter(function (r) { return r.overdue; }).length;
    $('requests-summary').textContent = counted(result.items.length, 'request', 'requests') + ', ' + count(overdue) + ' overdue'
      + (result.complete ? '.' : ' (more exist; the oldest deadlines are shown first).');
  }

  function showHolds(app, body) {
    var active = body.holds.filter(function (h) { return !h.releasedAt && (!h.until || Date.parse(h.until) > Date.now()); });
    fill('holds', active, function (tr, h) {
      tr.setAttribute('data-hold', h.id);
      cell(tr, h.id, { class: 'id' });
      cell(tr, h.account === undefined ? 'whole app' : 'one account');
      cell(tr, h.categories.join(', '));
      cell(tr, when(h.createdAt));
      cell(tr, h.until ? when(h.until) : 'until released');
      cell(tr, h.reason);
    });
    $('holds-summary').textContent = counted(active.length, 'active legal hold', 'active legal holds') + ' for app ' + app + '.';
  }

  function showSignedIn(signedIn) {
    $('signed-in').hidden = !signedIn;
    $('evidence').hidden = !signedIn;
  }

  function loadAll() {
    say('Loading…');
    var conformance = api('/conformance').then(showConformance);
    var history = pages('/conformance/history', 'runs', HISTORY_PAGES).then(showHistory);
    var requests = pages('/deletion-requests', 'requests', REQUEST_PAGES).then(function (result) {
      showRequests(result, new Date().toISOString());
    });
    return Promise.all([conformance, history, requests]).then(function () {
      showSignedIn(true);
      say('Loaded ' + when(new Date().toISOString()) + '.');
      document.body.setAttribute('data-loads', String(++loads));
    }, function (error) {
      say(explain(error), true);
      $('signed-in').hidden = !token;
    });
  }

  $('login').addEventListener('submit', function (event) {
    event.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    if (token) loadAll();
  });
  $('refresh').addEventListener('click', function () { if (token) loadAll(); });
  $('forget').addEventListener('click', function () {
    token = '';
    showSignedIn(false);
    say('Token forgotten.');
  });
  $('holds-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var app = $('app').value.trim();
    if (!token || !/^\d{1,20}$/.test(app)) { say('Enter the token first, and an SdkAppid of digits.', true); return; }
    say('Loading legal holds…');
    api('/apps/' + encodeURIComponent(app) + '/legal-holds').then(function (body) {
      showHolds(app, body);
      say('Legal holds of app ' + app + ' loaded.');
    }, function (error) {
      say(explain(error), true);
      $('signed-in').hidden = !token;
    });
  });
})();
`;
