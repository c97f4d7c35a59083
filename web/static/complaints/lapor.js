// Pick the complaint location on a map; the form works without JavaScript too.
/* global L */
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("pickmap");
    if (!el || typeof L === "undefined") { return; }
    var lat = document.getElementById("lat"), lon = document.getElementById("lon");
    var map = L.map(el).setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)],
      parseInt(el.dataset.zoom, 10) || 13);
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    if (lat.value && lon.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }
    map.on("click", function (ev) { place(ev.latlng); });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
