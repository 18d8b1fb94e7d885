/* kg viz: draws the embedded view (#kg-data) as SVG. Pan (drag the background), zoom (wheel), drag nodes,
   hover for details, search by name. No libraries and no network: everything the page needs is in the page. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var svg = document.getElementById("kg-svg");
  var tip = document.getElementById("kg-tooltip");
  var NODE_COLORS = {
    organization: "#4e79a7", model: "#f28e2b", program: "#59a14f", target: "#e15759",
    investment: "#edc948", external: "#9c755f"
  };
  var EDGE_COLORS = {
    hasSubsidiary: "#7f8c9a", developed: "#f28e2b", basisOf: "#b07aa1", invested: "#e15759",
    organizes: "#59a14f", sameAs: "#9c755f"
  };
  var EDGE_NAMES = {
    hasSubsidiary: "has subsidiary", developed: "developed", basisOf: "is the basis of", invested: "invested in",
    organizes: "organizes", sameAs: "same as"
  };

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function edgeColor(rel) { return EDGE_COLORS[rel.split(",")[0]] || "#8a8f96"; }
  function markerId(rel) { return "kg-arrow-" + rel.split(",")[0].replace(/[^A-Za-z0-9]/g, ""); }

  var defs = el("defs", {}, svg);
  var relations = {};
  data.edges.forEach(function (e) { relations[e.relation] = true; });
  Object.keys(relations).forEach(function (rel) {
    var m = el("marker", {
      id: markerId(rel), viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "9", markerHeight: "9",
      markerUnits: "userSpaceOnUse", orient: "auto"
    }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: edgeColor(rel) }, m);
  });

  var viewport = el("g", { id: "kg-viewport" }, svg);
  var edgeLayer = el("g", { "class": "edges" }, viewport);
  var nodeLayer = el("g", { "class": "nodes" }, viewport);
  var byId = {};
  var neighbours = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; neighbours[n.id] = {}; });

  /* ---- tooltip ---------------------------------------------------------------------------------------- */
  function showTip(evt, title, rows) {
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    var b = document.createElement("b");
    b.textContent = title;
    tip.appendChild(b);
    var table = document.createElement("table");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var k = document.createElement("td");
      var v = document.createElement("td");
      k.textContent = r[0];
      v.textContent = r[1];
      tr.appendChild(k);
      tr.appendChild(v);
      table.appendChild(tr);
    });
    tip.appendChild(table);
    tip.hidden = false;
    moveTip(evt);
  }
  function moveTip(evt) {
    var x = evt.clientX + 14, y = evt.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 4) { x = evt.clientX - w - 10; }
    if (y + h > window.innerHeight - 4) { y = evt.clientY - h - 10; }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }

  /* ---- edges ------------------------------------------------------------------------------------------ */
  var edgeViews = [];
  data.edges.forEach(function (e) {
    var s = byId[e.source], t = byId[e.target];
    if (!s || !t) { return; }
    neighbours[s.id][t.id] = true;
    neighbours[t.id][s.id] = true;
    var g = el("g", { "class": "edge-group" }, edgeLayer);
    var path = el("path", {
      "class": "edge " + e.relation.split(",")[0], "data-source": e.source, "data-target": e.target,
      "data-relation": e.relation, stroke: edgeColor(e.relation), "stroke-width": e.width
    }, g);
    if (e.relation !== "sameAs") { path.setAttribute("marker-end", "url(#" + markerId(e.relation) + ")"); }
    var hit = el("path", { "class": "edge-hit" }, g);
    var label = null;
    if (e.label) {
      label = el("text", { "class": "edge-label", "text-anchor": "middle", dy: "-4" }, g);
      label.textContent = e.label;
    }
    var names = e.relation.split(",").map(function (r) { return EDGE_NAMES[r] || r; }).join(", ");
    var rows = [["from", s.label], ["to", t.label]].concat(e.details.filter(function (d) { return d[0] !== "relation"; }));
    hit.addEventListener("pointerenter", function (evt) { showTip(evt, names, rows); });
    hit.addEventListener("pointermove", moveTip);
    hit.addEventListener("pointerleave", hideTip);
    edgeViews.push({ e: e, s: s, t: t, g: g, path: path, hit: hit, label: label });
  });

  function edgeGeometry(v) {
    var s = v.s, t = v.t;
    var dx = t.x - s.x, dy = t.y - s.y;
    var len = Math.sqrt(dx * dx + dy * dy) || 1;
    var ux = dx / len, uy = dy / len;
    var sx = s.x + ux * s.size, sy = s.y + uy * s.size;
    var ex = t.x - ux * (t.size + 2), ey = t.y - uy * (t.size + 2);
    if (data.layout !== "spring" && t.x - s.x > 400 && Math.abs(t.y - s.y) < 10) {
      /* an edge skipping a layer would run through the nodes in between: bow it */
      sx = s.x + s.size; ex = t.x - t.size - 2;
      var bow = Math.min(0.12 * (ex - sx), 80);
      return { d: "M" + sx + "," + sy + " Q" + (sx + ex) / 2 + "," + (sy - 2 * bow) + " " + ex + "," + ey,
               lx: (sx + ex) / 2, ly: sy - bow };
    }
    if (data.layout !== "spring" && t.x > s.x + 40) {
      /* hierarchies read left to right: a smooth S-curve from parent to child */
      sx = s.x + s.size; sy = s.y; ex = t.x - t.size - 2; ey = t.y;
      var mx = (sx + ex) / 2;
      return { d: "M" + sx + "," + sy + " C" + mx + "," + sy + " " + mx + "," + ey + " " + ex + "," + ey,
               lx: mx, ly: (sy + ey) / 2 };
    }
    return { d: "M" + sx + "," + sy + " L" + ex + "," + ey, lx: (sx + ex) / 2, ly: (sy + ey) / 2 };
  }
  function drawEdge(v) {
    var geo = edgeGeometry(v);
    v.path.setAttribute("d", geo.d);
    v.hit.setAttribute("d", geo.d);
    if (v.label) { v.label.setAttribute("x", geo.lx); v.label.setAttribute("y", geo.ly); }
  }
  edgeViews.forEach(drawEdge);

  /* ---- nodes ------------------------------------------------------------------------------------------ */
  var nodeViews = {};
  data.nodes.forEach(function (n) {
    var g = el("g", { "class": "node", "data-id": n.id, "data-kind": n.kind }, nodeLayer);
    el("circle", { r: n.size, fill: NODE_COLORS[n.kind] || "#8a8f96" }, g);
    var text = el("text", {}, g);
    text.textContent = n.label;
    if (n.side === "above") {
      text.setAttribute("text-anchor", "middle");
      text.setAttribute("y", -(n.size + 5));
    } else {
      text.setAttribute("x", n.size + 5);
      text.setAttribute("dy", "0.35em");
    }
    g.setAttribute("transform", "translate(" + n.x + "," + n.y + ")");
    nodeViews[n.id] = g;
    g.addEventListener("pointerenter", function (evt) {
      if (!dragging) { showTip(evt, n.label, n.details); highlight(n.id); }
    });
    g.addEventListener("pointermove", function (evt) { if (!dragging) { moveTip(evt); } });
    g.addEventListener("pointerleave", function () { hideTip(); if (!dragging) { highlight(null); } });
    g.addEventListener("pointerdown", function (evt) {
      evt.stopPropagation();
      hideTip();
      dragging = { node: n, x: evt.clientX, y: evt.clientY };
      capture(evt);
    });
  });

  function highlight(id) {
    Object.keys(nodeViews).forEach(function (k) {
      nodeViews[k].classList.toggle("faded", id !== null && k !== id && !neighbours[id][k]);
    });
    edgeViews.forEach(function (v) {
      v.g.classList.toggle("faded", id !== null && v.s.id !== id && v.t.id !== id);
    });
  }

  /* ---- pan, zoom, drag -------------------------------------------------------------------------------- */
  var view = { k: 1, x: 0, y: 0 };
  var dragging = null, panning = null;
  function capture(evt) {
    try { svg.setPointerCapture(evt.pointerId); } catch (err) { /* synthetic or finished pointer */ }
  }
  function apply() {
    viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")");
  }
  function fit() {
    var w = svg.clientWidth || window.innerWidth || 1000, h = svg.clientHeight || window.innerHeight || 700;
    var top = 48;
    w -= Math.min(legend.offsetWidth + 20, w / 3);  /* keep the drawing clear of the legend on the right */
    if (!data.nodes.length) { view = { k: 1, x: 0, y: top }; apply(); return; }
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    data.nodes.forEach(function (n) {
      var half = n.side === "above" ? 3.6 * n.label.length : 0;
      minX = Math.min(minX, n.x - 20 - half);
      maxX = Math.max(maxX, n.x + 20 + (half ? half : 7 * n.label.length));
      minY = Math.min(minY, n.y - 30); maxY = Math.max(maxY, n.y + 20);
    });
    var k = Math.min((w - 20) / (maxX - minX), (h - top - 20) / (maxY - minY), 1.6);
    k = Math.max(k, 0.05);
    view = { k: k, x: 10 + ((w - 20) - k * (maxX - minX)) / 2 - k * minX, y: top + 10 - k * minY };
    apply();
  }
  svg.addEventListener("pointerdown", function (evt) {
    panning = { x: evt.clientX, y: evt.clientY, vx: view.x, vy: view.y };
    svg.classList.add("panning");
    capture(evt);
  });
  svg.addEventListener("pointermove", function (evt) {
    if (dragging) {
      var n = dragging.node;
      n.x += (evt.clientX - dragging.x) / view.k;
      n.y += (evt.clientY - dragging.y) / view.k;
      dragging.x = evt.clientX;
      dragging.y = evt.clientY;
      nodeViews[n.id].setAttribute("transform", "translate(" + n.x + "," + n.y + ")");
      edgeViews.forEach(function (v) { if (v.s === n || v.t === n) { drawEdge(v); } });
    } else if (panning) {
      view.x = panning.vx + evt.clientX - panning.x;
      view.y = panning.vy + evt.clientY - panning.y;
      apply();
    }
  });
  function release() { dragging = null; panning = null; svg.classList.remove("panning"); }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);
  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    var rect = svg.getBoundingClientRect();
    var px = evt.clientX - rect.left, py = evt.clientY - rect.top;
    var factor = Math.exp(-evt.deltaY * 0.0015);
    var k = Math.min(Math.max(view.k * factor, 0.05), 8);
    view.x = px - (px - view.x) * (k / view.k);
    view.y = py - (py - view.y) * (k / view.k);
    view.k = k;
    apply();
  }, { passive: false });
  document.getElementById("kg-fit").addEventListener("click", fit);
  window.addEventListener("resize", fit);

  /* ---- search ----------------------------------------------------------------------------------------- */
  var search = document.getElementById("kg-search");
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    data.nodes.forEach(function (n) {
      nodeViews[n.id].classList.toggle("match", q !== "" && n.label.toLowerCase().indexOf(q) >= 0);
    });
  });
  search.addEventListener("keydown", function (evt) {
    if (evt.key !== "Enter") { return; }
    var q = search.value.trim().toLowerCase();
    var hit = data.nodes.filter(function (n) { return q && n.label.toLowerCase().indexOf(q) >= 0; })[0];
    if (!hit) { return; }
    var w = svg.clientWidth, h = svg.clientHeight;
    view.x = w / 2 - view.k * hit.x;
    view.y = h / 2 - view.k * hit.y;
    apply();
  });

  /* ---- legend, status, empty view --------------------------------------------------------------------- */
  var legend = document.getElementById("kg-legend");
  var kinds = {};
  data.nodes.forEach(function (n) { kinds[n.kind] = (kinds[n.kind] || 0) + 1; });
  Object.keys(kinds).sort().forEach(function (k) {
    var item = document.createElement("div");
    item.className = "item";
    var sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = NODE_COLORS[k] || "#8a8f96";
    item.appendChild(sw);
    item.appendChild(document.createTextNode(k + " (" + kinds[k] + ")"));
    legend.appendChild(item);
  });
  Object.keys(relations).sort().forEach(function (r) {
    var item = document.createElement("div");
    item.className = "item";
    var line = document.createElement("span");
    line.className = "line";
    line.style.borderColor = edgeColor(r);
    item.appendChild(line);
    item.appendChild(document.createTextNode(r.split(",").map(function (x) { return EDGE_NAMES[x] || x; }).join(", ")));
    legend.appendChild(item);
  });
  document.getElementById("kg-status").textContent =
    data.nodes.length + " nodes · " + data.edges.length + " edges · drag to pan, wheel to zoom, hover for details";
  if (!data.nodes.length) {
    var t = el("text", { "class": "kg-empty", x: 20, y: 40 }, viewport);
    t.textContent = "Nothing to draw: the store holds nothing for this view.";
  }
  fit();
  document.documentElement.setAttribute("data-kg-rendered", String(data.nodes.length));

  /* ---- self-test (page opened with #kg-selftest): drive the interactions with synthetic events ----------- */
  if (location.hash === "#kg-selftest") {
    var result = "ok";
    try {
      var ptr = function (type, target, x, y) {
        target.dispatchEvent(new PointerEvent(type, { bubbles: true, clientX: x, clientY: y, pointerId: 1 }));
      };
      var before = viewport.getAttribute("transform");
      svg.dispatchEvent(new WheelEvent("wheel", {
        bubbles: true, cancelable: true, deltaY: -200, clientX: 300, clientY: 300
      }));
      if (viewport.getAttribute("transform") === before) { throw new Error("wheel did not zoom"); }
      before = viewport.getAttribute("transform");
      ptr("pointerdown", svg, 100, 100); ptr("pointermove", svg, 160, 130); ptr("pointerup", svg, 160, 130);
      if (viewport.getAttribute("transform") === before) { throw new Error("dragging the background did not pan"); }
      if (edgeViews.length) {
        var v = edgeViews[0];
        var node = nodeViews[v.t.id];
        var pathBefore = v.path.getAttribute("d"), nodeBefore = node.getAttribute("transform");
        ptr("pointerenter", node, 200, 200);
        if (tip.hidden || tip.textContent.indexOf(v.t.label) < 0) { throw new Error("hover shows no tooltip"); }
        ptr("pointerleave", node, 200, 200);
        if (!tip.hidden) { throw new Error("tooltip stays after leaving"); }
        ptr("pointerdown", node, 200, 200); ptr("pointermove", svg, 240, 260); ptr("pointerup", svg, 240, 260);
        if (node.getAttribute("transform") === nodeBefore) { throw new Error("dragging a node did not move it"); }
        if (v.path.getAttribute("d") === pathBefore) { throw new Error("the edge did not follow its node"); }
      }
      if (data.nodes.length) {
        search.value = data.nodes[0].label;
        search.dispatchEvent(new Event("input"));
        if (!nodeViews[data.nodes[0].id].classList.contains("match")) { throw new Error("search found nothing"); }
      }
    } catch (err) {
      result = "failed: " + err.message;
    }
    document.documentElement.setAttribute("data-kg-selftest", result);
  }
})();
