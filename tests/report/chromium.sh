# tests/report/chromium.sh — sourced by the report's browser tests: sets
# `chromium` to the browser's path, or exits 77 (skipped) when there is none.
chromium=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then
    chromium="$(command -v "$c")"
    break
  fi
done
if [[ -z "$chromium" ]]; then
  echo "SKIP: no chromium on PATH (apt-get install chromium); the report was not looked at in a browser" >&2
  exit 77
fi
