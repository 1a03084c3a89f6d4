#!/usr/bin/env bash
# tests/report/screenshot_test.sh — loads the run report in headless Chromium
# and checks that a screenshot of reasonable size comes out: the page renders
# from a file, with no network.
#
#   screenshot_test.sh [--gtest WIRESTACK_REPORT_TESTS] [REPORT_HTML] [OUT_PNG]
#
# REPORT_HTML defaults to $TMPDIR/wirestack-report/report.html, which the
# gtest Report.LossyTransferShowsTopologyLadderChartsAndCounters writes;
# --gtest runs that test first (what ctest does, so that no test ordering is
# needed). OUT_PNG defaults to report.png next to the report. Exit 77
# (skipped) when Chromium is not installed.
set -euo pipefail

gtest=""
if [[ "${1:-}" == "--gtest" ]]; then
  gtest="$2"
  shift 2
fi
tmp_root="${TMPDIR:-/tmp}"
mkdir -p "$tmp_root"
html="${1:-$tmp_root/wirestack-report/report.html}"
png="${2:-$(dirname "$html")/report.png}"

source "$(dirname "$0")/chromium.sh"
if [[ -n "$gtest" ]]; then
  rm -f "$html"
  "$gtest" --gtest_filter=Report.LossyTransferShowsTopologyLadderChartsAndCounters >/dev/null || {
    echo "FAIL: $gtest did not write the report" >&2
    exit 1
  }
fi
if [[ ! -s "$html" ]]; then
  echo "FAIL: no report at $html (run wirestack_report_tests first)" >&2
  exit 1
fi

profile="$(mktemp -d "$tmp_root/wirestack-chromium.XXXXXX")"
trap 'rm -rf "$profile"' EXIT
rm -f "$png"
# --no-sandbox: CI runs as root. A fresh profile: no state from earlier runs.
timeout 45 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
  --user-data-dir="$profile" --no-first-run --disable-background-networking --disable-component-update \
  --window-size=1400,1000 \
  --screenshot="$png" "file://$(realpath "$html")" >"$profile/chromium.log" 2>&1 || {
  rc=$?
  echo "FAIL: chromium exited with $rc; its log:" >&2
  grep -v -e dbus -e '^$' "$profile/chromium.log" | tail -20 >&2
  exit 1
}
if [[ ! -s "$png" ]]; then
  echo "FAIL: chromium wrote no screenshot to $png" >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
size=$(stat -c %s "$png")
# A blank 1400x1000 page compresses to a few kB; the report's drawings and
# tables take far more.
if (( size < 30000 )); then
  echo "FAIL: screenshot $png is only $size bytes: did the page render?" >&2
  exit 1
fi
if [[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]]; then
  echo "FAIL: $png is not a PNG" >&2
  exit 1
fi
echo "PASS: $png ($size bytes) from $html"
