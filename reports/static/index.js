/* gpect index: search (name or INSEE code, accents and case ignored), filters, sortable columns
   and the national map of the candidate towns, all in the page from the JSON of the
   element #index-data; the shortlist (score, concept) comes from assets/shortlist.js when
   `gpect shortlist` wrote it. Every text reaches the page through textContent or plotly.js,
   which receives escaped labels. */
(function () {
  "use strict";
  var towns = JSON.parse(document.getElementById("index-data").textContent);
  var shortlist = window.GPECT_SHORTLIST || null;
  var byCode = {};
  towns.forEach(function (t) { byCode[t.code] = t; });
  var form = document.getElementById("filters");
  var body = document.querySelector("#towns tbody");
  var count = document.getElementById("shown");
  var rows = Array.prototype.slice.call(body.querySelectorAll("tr"));
  var number = new Intl.NumberFormat("fr-FR", {maximumFractionDigits: 1, minimumFractionDigits: 1});

  // The browser's copy of connectors/shared/names.py `fold`, which writes each town's key.
  function key(text) {
    return text.toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae").normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "").replace(/[^0-9a-z]+/g, " ").trim();
  }

  function options(select, values) {
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v[0];
      o.textContent = v[1];
      select.appendChild(o);
    });
  }

  function unique(list) {
    var seen = {}, out = [];
    list.forEach(function (v) { if (!seen[v[0]]) { seen[v[0]] = true; out.push(v); } });
    return out.sort(function (a, b) { return a[1].localeCompare(b[1], "fr"); });
  }

  // The shortlist's columns and concept filter exist only once the shortlist is written.
  if (shortlist) {
    document.getElementById("shortlist-link").hidden = false;
    rows.forEach(function (tr) {
      var s = shortlist[tr.dataset.code];
      tr.querySelector(".js-score").textContent = s ? number.format(s.score) : "—";
      tr.querySelector(".js-concept").textContent = s ? s.concept : "—";
      tr.querySelector(".js-score").dataset.sort = s ? String(s.score) : "-1";
      tr.querySelector(".js-concept").dataset.sort = s ? s.concept : "";
    });
    options(form.concept, unique(Object.keys(shortlist).map(function (c) { return [shortlist[c].concept, shortlist[c].concept]; })));
  } else {
    form.concept.disabled = true;
    document.getElementById("colour-score").disabled = true;
  }
  options(form.region, unique(towns.map(function (t) { return [t.region, t.region]; })));
  options(form.departement, unique(towns.map(function (t) { return [t.departement, t.departement]; })));
  options(form.sector, unique([].concat.apply([], towns.map(function (t) { return t.sectors.map(function (s) { return [s, s]; }); }))));

  function matches(t) {
    var q = key(form.q.value);
    if (q && t.key.indexOf(q) < 0 && t.code.indexOf(q.toUpperCase()) !== 0) { return false; }
    if (form.region.value && t.region !== form.region.value) { return false; }
    if (form.departement.value && t.departement !== form.departement.value) { return false; }
    if (form.programme.value && t.programmes.indexOf(form.programme.value) < 0) { return false; }
    if (form.sector.value && t.sectors.indexOf(form.sector.value) < 0) { return false; }
    if (form.concept.value) {
      var s = shortlist && shortlist[t.code];
      if (!s || s.concept !== form.concept.value) { return false; }
    }
    return true;
  }

  var shownCodes = [];
  function filter() {
    shownCodes = [];
    rows.forEach(function (tr) {
      var ok = matches(byCode[tr.dataset.code]);
      tr.hidden = !ok;
      if (ok) { shownCodes.push(tr.dataset.code); }
    });
    count.textContent = shownCodes.length + " ville" + (shownCodes.length > 1 ? "s" : "") + " sur " + towns.length;
    draw();
  }

  // Sortable columns: a button in each header, aria-sort on the header.
  var headers = Array.prototype.slice.call(document.querySelectorAll("#towns thead th"));
  headers.forEach(function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.classList.contains("num");
      rows.sort(function (a, b) {
        var x = a.children[column].dataset.sort || a.children[column].textContent;
        var y = b.children[column].dataset.sort || b.children[column].textContent;
        var d = numeric ? Number(x) - Number(y) : x.localeCompare(y, "fr");
        return ascending ? d : -d;
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });

  // The national map: metropolitan France, and the overseas régions in insets below it.
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#ff7f0e", "#393b79", "#637939", "#843c39"];
  var OVERSEAS = [["01", "Guadeloupe"], ["02", "Martinique"], ["03", "Guyane"], ["04", "La Réunion"], ["06", "Mayotte"]];
  var mapDiv = document.getElementById("index-map");

  function axisFor(t) {
    for (var i = 0; i < OVERSEAS.length; i++) { if (OVERSEAS[i][0] === t.region_code) { return i + 2; } }
    return 1;
  }

  function layout(entries) {
    var narrow = mapDiv.clientWidth < 600;
    var l = {
      // On a phone the legend takes a line per sector below the map: the figure grows with it.
      width: mapDiv.clientWidth,
      height: narrow ? 470 + 22 * entries : 680,
      margin: {l: 5, r: 5, t: 10, b: 5},
      font: {family: "DejaVu Sans, Helvetica, Arial, sans-serif", size: 12, color: "#222"},
      separators: ", ",
      // On a phone, one sector per line: side by side they would run past the map's right edge.
      legend: narrow
        ? {orientation: "h", x: 0, y: -0.02, yanchor: "top", font: {size: 11}, entrywidth: 1, entrywidthmode: "fraction"}
        : {orientation: "h", x: 0, y: -0.02, yanchor: "top", font: {size: 11}},
      plot_bgcolor: "#f4f6f9",
      showlegend: true,
      xaxis: {visible: false, domain: [0, 1], range: [-5.3, 9.8]},
      yaxis: {visible: false, domain: [0.2, 1], range: [41.2, 51.3], scaleanchor: "x", scaleratio: 1 / Math.cos(46.5 * Math.PI / 180)},
      annotations: []
    };
    OVERSEAS.forEach(function (o, i) {
      var n = i + 2, width = 1 / OVERSEAS.length;
      var pts = towns.filter(function (t) { return t.region_code === o[0]; });
      var lon = pts.map(function (t) { return t.lon; }), lat = pts.map(function (t) { return t.lat; });
      var cx = (Math.min.apply(null, lon) + Math.max.apply(null, lon)) / 2 || 0;
      var cy = (Math.min.apply(null, lat) + Math.max.apply(null, lat)) / 2 || 0;
      var half = Math.max(0.6, (Math.max.apply(null, lon) - Math.min.apply(null, lon)) / 2 + 0.3);
      l["xaxis" + n] = {visible: false, domain: [i * width + 0.01, (i + 1) * width - 0.01], range: [cx - half, cx + half], anchor: "y" + n};
      l["yaxis" + n] = {visible: false, domain: [0, 0.17], range: [cy - half, cy + half], anchor: "x" + n, scaleanchor: "x" + n};
      l.annotations.push({text: o[1], showarrow: false, xref: "x" + n + " domain", yref: "y" + n + " domain", x: 0.5, y: 1, yanchor: "bottom", font: {size: 11}});
    });
    return l;
  }

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function traces() {
    var shown = {};
    shownCodes.forEach(function (c) { shown[c] = true; });
    var visible = towns.filter(function (t) { return shown[t.code]; });
    var byScore = document.getElementById("colour-score").checked && shortlist;
    var groups = [];
    if (byScore) {
      groups.push({name: "Score de la liste courte (sur 100)", towns: visible, score: true});
    } else {
      var counts = {};
      towns.forEach(function (t) { var s = t.sectors[0] || "aucune"; counts[s] = (counts[s] || 0) + 1; });
      var order = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; });
      var named = order.filter(function (s) { return s !== "aucune"; }).slice(0, PALETTE.length);
      named.concat(["autre"]).forEach(function (s, i) {
        groups.push({
          name: s === "autre" ? "Autre filière ou aucune" : s,
          colour: s === "autre" ? "#8a94a3" : PALETTE[i],
          towns: visible.filter(function (t) {
            var first = t.sectors[0] || "aucune";
            return s === "autre" ? named.indexOf(first) < 0 : first === s;
          })
        });
      });
    }
    var out = [];
    groups.forEach(function (g, gi) {
      for (var axis = 1; axis <= OVERSEAS.length + 1; axis++) {
        var pts = g.towns.filter(function (t) { return axisFor(t) === axis; });
        var marker = {size: 9, line: {color: "white", width: 0.8}};
        if (g.score) {
          marker.color = pts.map(function (t) { return shortlist[t.code] ? shortlist[t.code].score : null; });
          marker.colorscale = "Viridis";
          marker.cmin = 0;
          marker.cmax = Math.max.apply(null, Object.keys(shortlist).map(function (c) { return shortlist[c].score; }));
          if (axis === 1) { marker.colorbar = {title: {text: "score"}, thickness: 12, len: 0.5, y: 0.75}; marker.showscale = true; }
        } else {
          marker.color = g.colour;
        }
        out.push({
          type: "scatter", mode: "markers",
          x: pts.map(function (t) { return t.lon; }), y: pts.map(function (t) { return t.lat; }),
          xaxis: "x" + (axis === 1 ? "" : axis), yaxis: "y" + (axis === 1 ? "" : axis),
          name: esc(g.name), legendgroup: String(gi), showlegend: axis === 1 && !g.score,
          marker: marker,
          customdata: pts.map(function (t) { return t.code; }),
          hovertext: pts.map(function (t) {
            var s = shortlist && shortlist[t.code];
            return esc(t.label) + " (" + t.departement + ")<br>" + esc(t.sectors[0] || "aucune filière recommandée") +
              (s ? "<br>liste courte : " + number.format(s.score) + " · " + esc(s.concept) : "");
          }),
          hoverinfo: "text"
        });
      }
    });
    return out;
  }

  var drawn = false;
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    var data = traces();
    var entries = data.filter(function (t) { return t.showlegend; }).length;
    Plotly.react(mapDiv, data, layout(entries), {displaylogo: false});
    if (!drawn) {
      drawn = true;
      // The width is the container's, set at each draw (a rotated phone redraws).
      window.addEventListener("resize", draw);
      mapDiv.on("plotly_click", function (event) {
        var code = event.points[0].customdata;
        if (byCode[code] && byCode[code].page) { window.location.href = "towns/" + code + ".html"; }
      });
    }
  }

  form.addEventListener("input", filter);
  form.addEventListener("submit", function (e) { e.preventDefault(); filter(); });
  form.addEventListener("reset", function () { window.setTimeout(filter, 0); });
  filter();
})();
