// The public complaint map. Popups are built with textContent only: data never becomes HTML.
/* global L */
(function () {
  "use strict";
  function popup(props, trackBase) {
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.textContent = props.ticket;
    title.href = trackBase.replace(/\/$/, "") + "/" + encodeURIComponent(props.ticket);
    var line1 = document.createElement("div");
    line1.textContent = props.category_name;
    var line2 = document.createElement("div");
    line2.textContent = props.status_label + " · " +
      (window.SiagaTime ? window.SiagaTime.formatDate(props.date) : props.date);
    box.appendChild(title);
    box.appendChild(line1);
    box.appendChild(line2);
    return box;
  }
  function start() {
    var el = document.getElementById("publicmap");
    if (!el || typeof L === "undefined") { return; }
    var map = L.map(el).setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)],
      parseInt(el.dataset.zoom, 10) || 13);
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    fetch(el.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var n = 0;
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], { radius: 7 }).addTo(map)
            .bindPopup(popup(f.properties, el.dataset.track));
          n += 1;
        });
        document.getElementById("mapcount").textContent = n + " pengaduan / complaints";
      });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
