// Charts: every <div data-plotly-figure="{data, layout, config}"> (revops.charts) is drawn with
// plotly.js when the page loads and after each HTMX swap. The figures travel as data, not as
// inline scripts, so the Content-Security-Policy can refuse every inline script.
(function () {
  function draw(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    var divs = Array.prototype.slice.call(root.querySelectorAll("[data-plotly-figure]"));
    if (root.matches && root.matches("[data-plotly-figure]")) divs.push(root);
    divs.forEach(function (div) {
      if (div.getAttribute("data-plotly-drawn")) return;
      var figure = JSON.parse(div.getAttribute("data-plotly-figure"));
      div.setAttribute("data-plotly-drawn", "1");
      window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
