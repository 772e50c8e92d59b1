// Hover read-outs for the report's charts. The charts are complete without
// this script; it only adds a tooltip: the value under the pointer on a line
// chart, or what a marker (order, fill, round trip) stands for. Text is set
// with textContent, never parsed as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var tip = document.getElementById("tooltip");

  function grouped(text) {
    return text.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function money(v) {
    var parts = Math.abs(v).toFixed(2).split(".");
    return (v < 0 ? "-" : "") + grouped(parts[0]) + "." + parts[1];
  }
  var formats = {
    money: money,
    percent: function (v) { return (v * 100).toFixed(2) + " %"; },
    price: function (v) { return String(Number(v.toPrecision(10))); }
  };

  function show(text, event) {
    tip.textContent = text;
    tip.hidden = false;
    var x = event.clientX + 14;
    var y = event.clientY + 14;
    var box = tip.getBoundingClientRect();
    if (x + box.width > window.innerWidth) { x = event.clientX - box.width - 14; }
    if (y + box.height > window.innerHeight) { y = event.clientY - box.height - 14; }
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, y) + "px";
  }
  function hide() { tip.hidden = true; }

  // The index of the time in sorted `times` closest to `t` (-1 when empty).
  function nearest(times, t) {
    if (!times.length) { return -1; }
    var lo = 0, hi = times.length - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (times[mid] < t) { lo = mid + 1; } else { hi = mid; }
    }
    if (lo > 0 && t - times[lo - 1] < times[lo] - t) { return lo - 1; }
    return lo;
  }

  function toChart(svg, event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
    var spec = data[svg.getAttribute("data-chart")];
    var cursor = svg.querySelector(".cursor");
    if (!spec) { return; }
    svg.addEventListener("mousemove", function (event) {
      var target = event.target;
      if (target.hasAttribute && target.hasAttribute("data-tip")) {
        cursor.setAttribute("visibility", "hidden");
        show(target.getAttribute("data-tip"), event);
        return;
      }
      var p = toChart(svg, event);
      if (p.x < spec.left || p.x > spec.right || !spec.series.length) {
        cursor.setAttribute("visibility", "hidden");
        hide();
        return;
      }
      var t = spec.t0 + (p.x - spec.left) / (spec.right - spec.left) * (spec.t1 - spec.t0);
      var lines = [];
      spec.series.forEach(function (series) {
        var i = nearest(series.t, t);
        if (i < 0) { return; }
        if (!lines.length) { lines.push(new Date(series.t[i]).toISOString()); }
        lines.push(series.label + ": " + formats[series.format](series.v[i]));
      });
      if (!lines.length) { hide(); return; }
      cursor.setAttribute("x1", p.x);
      cursor.setAttribute("x2", p.x);
      cursor.setAttribute("visibility", "visible");
      show(lines.join("\n"), event);
    });
    svg.addEventListener("mouseleave", function () {
      cursor.setAttribute("visibility", "hidden");
      hide();
    });
  });
})();
