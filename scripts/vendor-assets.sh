#!/usr/bin/env bash
# Install front-end packages from npm and copy the files the app serves into web/static/vendor.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
dest=web/static/vendor
rm -rf "$dest"
mkdir -p "$dest/leaflet/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$dest/leaflet/"
cp node_modules/leaflet/dist/images/* "$dest/leaflet/images/"
cp node_modules/socket.io-client/dist/socket.io.min.js "$dest/"
cp node_modules/chart.js/dist/chart.umd.min.js "$dest/chart.umd.min.js" 2>/dev/null \
  || cp node_modules/chart.js/dist/chart.umd.js "$dest/chart.umd.min.js"
touch "$dest/.installed"
