/* gpect: the live diagnostic. Weight sliders re-rank, in the page, from the components the page
   publishes (score = Σ w × component, w normalised to sum to 1); the chosen weights travel in the
   link's fragment (#poids=…) so that a partner opens the same view. No server: the data is the
   JSON of the element #live-data. Every text reaches the page through textContent. */
(function () {
  "use strict";
  var source = document.getElementById("live-data");
  var root = document.getElementById("live");
  if (!source || !root) { return; }
  var live = JSON.parse(source.textContent);
  var keys = live.weights.map(function (w) { return w.key; });
  var digits = new Intl.NumberFormat("fr-FR", {minimumFractionDigits: live.digits, maximumFractionDigits: live.digits});
  var percent = new Intl.NumberFormat("fr-FR", {maximumFractionDigits: 0});
  var sliders = {}, outputs = {};
  keys.forEach(function (k) {
    sliders[k] = root.querySelector('input[data-key="' + k + '"]');
    outputs[k] = root.querySelector('output[data-key="' + k + '"]');
  });
  var link = root.querySelector("a.live-link");
  var state = root.querySelector(".live-state");

  function published() {
    var w = {};
    live.weights.forEach(function (x) { w[x.key] = x.published; });
    return w;
  }

  // "#poids=35-15-30-20": one value per weight, in the order of live.weights, in percent.
  function fromHash() {
    var m = /(?:^#|&)poids=([0-9.\-]+)/.exec(window.location.hash);
    if (!m) { return null; }
    var parts = m[1].split("-").map(Number);
    if (parts.length !== keys.length || parts.some(function (v) { return !isFinite(v) || v < 0; })) { return null; }
    if (parts.reduce(function (a, b) { return a + b; }, 0) <= 0) { return null; }
    var w = {};
    keys.forEach(function (k, i) { w[k] = parts[i] / 100; });
    return w;
  }

  function current() {
    var w = {};
    keys.forEach(function (k) { w[k] = Number(sliders[k].value) / 100; });
    return w;
  }

  function normalised(w) {
    var total = keys.reduce(function (a, k) { return a + w[k]; }, 0);
    var n = {};
    keys.forEach(function (k) { n[k] = total > 0 ? w[k] / total : 1 / keys.length; });
    return n;
  }

  // Ranks by score, ties to the published order (the build breaks ties the same way).
  function rank(items, n) {
    var scored = items.map(function (it) {
      var s = 0;
      keys.forEach(function (k, i) { s += n[k] * it.values[i]; });
      return {item: it, score: s * live.scale};
    });
    scored.sort(function (a, b) {
      var d = Math.round((b.score - a.score) * 1e9);
      return d !== 0 ? d : a.item.order - b.item.order;
    });
    return scored;
  }

  function isPublished(n) {
    var p = normalised(published());
    return keys.every(function (k) { return Math.abs(p[k] - n[k]) < 0.005; });
  }

  function update() {
    var n = normalised(current());
    keys.forEach(function (k) { outputs[k].textContent = percent.format(100 * n[k]) + "\u00a0%"; });
    var hash = "#poids=" + keys.map(function (k) { return String(Math.round(Number(sliders[k].value))); }).join("-");
    link.setAttribute("href", hash);
    state.textContent = isPublished(n) ? live.publishedText : live.changedText;
    render[live.kind](rank(live.items, n));
  }

  function set(w) {
    keys.forEach(function (k) { sliders[k].value = String(Math.round(100 * w[k])); });
    update();
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  var render = {
    // Town page: a table of every sector; the recommended ones are the first `count` eligible.
    sectors: function (scored) {
      var body = root.querySelector("tbody");
      var rows = document.createDocumentFragment();
      var eligible = 0;
      scored.forEach(function (x, i) {
        var it = x.item, tr = document.createElement("tr"), status;
        if (it.eligible) {
          eligible += 1;
          status = (eligible <= live.count ? "recommandée, n°\u00a0" : "recommandable, n°\u00a0") + eligible;
          if (eligible <= live.count) { tr.className = "recommended"; }
        } else {
          status = it.status;
        }
        cell(tr, String(i + 1), "num");
        var th = document.createElement("th");
        th.setAttribute("scope", "row");
        th.textContent = it.label;
        tr.appendChild(th);
        cell(tr, digits.format(x.score), "num");
        cell(tr, String(it.rank), "num");
        cell(tr, status);
        rows.appendChild(tr);
      });
      body.replaceChildren(rows);
    },
    // Shortlist page: the ranking's own rows, re-ordered, with their rank, score and bar.
    towns: function (scored) {
      var body = document.getElementById(live.tbody);
      var rows = document.createDocumentFragment();
      scored.forEach(function (x, i) {
        var tr = document.getElementById("t" + x.item.id);
        tr.querySelector(".js-rank").textContent = String(i + 1);
        tr.querySelector(".js-score").textContent = digits.format(x.score);
        var n = normalised(current());
        var spans = tr.querySelectorAll(".bar span");
        keys.forEach(function (k, j) {
          var points = live.scale * n[k] * x.item.values[j];
          spans[j].style.width = points.toFixed(2) + "%";
          spans[j].title = live.weights[j].label + " : " + digits.format(points) + " points";
        });
        rows.appendChild(tr);
      });
      body.appendChild(rows);
    }
  };

  keys.forEach(function (k) { sliders[k].addEventListener("input", update); });
  root.querySelector("button.live-reset").addEventListener("click", function () {
    set(published());
    if (/poids=/.test(window.location.hash)) { history.replaceState(null, "", window.location.pathname + window.location.search); }
  });
  window.addEventListener("hashchange", function () { var w = fromHash(); if (w) { set(w); } });
  var initial = fromHash();
  set(initial || published());
  if (initial) { root.scrollIntoView(); }
})();
