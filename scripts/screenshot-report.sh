#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium, to check a report as a person sees it.
# usage: scripts/screenshot-report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
# Needs the Debian package `chromium` (apt-get install -y chromium).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH] [HEIGHT]" >&2
  exit 64
fi
html=$1; png=$2; width=${3:-1100}; height=${4:-2400}
[ -r "$html" ] || { echo "cannot read $html" >&2; exit 66; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 69; }
abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
abs_png=$(mkdir -p "$(dirname "$png")" && cd "$(dirname "$png")" && pwd)/$(basename "$png")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$width,$height" --screenshot="$abs_png" "file://$abs_html" >/dev/null 2>&1
[ -s "$abs_png" ] || { echo "no screenshot written" >&2; exit 70; }
echo "$abs_png"
