#!/usr/bin/env bash
# Renders the campaign example's HTML report in headless Chromium and saves
# a screenshot: the browser check that the report is a page a person can
# read. Not part of `go test` (it needs Debian's chromium package, which it
# installs when missing, as root).
#
#   examples/campaign/screenshot.sh [OUT.png] [campaign flags...]
#
# OUT.png defaults to docs/campaign-report.png; flags after it go to the
# campaign program (e.g. -outage ads_api). Run from anywhere in the repo.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/docs/campaign-report.png}
shift || true
case $out in /*) ;; *) out=$PWD/$out ;; esac

if ! command -v chromium >/dev/null 2>&1; then
	echo "installing Debian's chromium..." >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
if ! command -v pngquant >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pngquant >/dev/null 2>&1 || true
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
html=$work/report.html
(cd "$root" && go run ./examples/campaign -html "$html" "$@" >/dev/null)

# A fresh profile, no network, no GPU: the page must render from itself.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--disable-background-networking --disable-component-update --disable-sync \
	--no-first-run --no-default-browser-check --user-data-dir="$work/profile" \
	--window-size=1200,1900 --screenshot="$work/shot.png" "file://$html" >/dev/null 2>&1

# Shrink to keep the committed picture small (a palette of 64 colours is
# plenty for flat charts), when pngquant is there.
if command -v pngquant >/dev/null 2>&1; then
	pngquant --force --strip --quality=60-90 64 --output "$out" "$work/shot.png" || cp "$work/shot.png" "$out"
else
	cp "$work/shot.png" "$out"
fi
echo "screenshot of the report: $out ($(stat -c %s "$out") bytes)"
