#!/usr/bin/env bash
# tests/interop/browser_test.sh WIRESTACK — headless Chromium (Debian's
# chromium) in the namespace loads the built-in page of `wirestack tap --http`
# from our stack: the page's JavaScript fetches /stats through our TCP and
# renders the counters as tables. --dump-dom after a virtual-time budget must
# show them rendered (the "tcp" heading, its "rx" row with a count, the status
# line); --screenshot must write a 1200x900 PNG that shows something. The
# screenshot is copied to $WIRESTACK_SCREENSHOT_DIR (default: the current
# directory, the build tree under ctest) for a person to look at.
source "$(dirname "$0")/lib.sh"
interop_init "$1" chromium

PORT=${BROWSER_TEST_PORT:-8080}  # the port the browser loads (another value must make the test fail)
SHOT_DIR=${WIRESTACK_SCREENSHOT_DIR:-$PWD}
ws_start tap --http 8080 --seconds 50
URL="http://$OUR_IP:$PORT/"

# A private, writable home and profile; nothing from the machine's user.
mkdir -p "$WORK/home"
browser() {  # browser OUTPUT-OPTIONS...: one headless run, bounded in time
  HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_CACHE_HOME="$WORK/home/.cache" \
    timeout 45 ip netns exec "$NS" chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$WORK/profile" --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --no-proxy-server --virtual-time-budget=4000 "$@" "$URL"
}

# (a) The DOM after 4 s of virtual time: the counters rendered by the page's script.
browser --dump-dom >"$WORK/dom.html" 2>"$WORK/chromium.dom.err"
rc=$?
[ "$rc" = 0 ] || fail "chromium --dump-dom exited $rc: $(grep -v -e dbus -e '^$' "$WORK/chromium.dom.err" | tail -5)"
dom=$(cat "$WORK/dom.html")
echo "DOM: $(wc -c <"$WORK/dom.html") bytes; status line: $(grep -o '<p id="status">[^<]*</p>' <<<"$dom")"
expect "the page itself" '<h1>wirestack: a TCP/IP stack in user space</h1>' "$dom"
expect "the status line, written from /stats" '<p id="status">up [0-9.]+ s; [0-9]+ HTTP requests; [0-9]+ connections open, [0-9]+ accepted</p>' "$dom"
expect "the tcp table" '<h2>tcp</h2><table><tbody><tr><td>rx</td><td class="n">[1-9][0-9]*</td></tr>' "$dom"
expect "the tcp_sockets table" '<h2>tcp_sockets</h2>.*<td>established</td><td class="n">[1-9]' "$dom"
grep -q 'error: ' <<<"$(grep -o '<p id="status">[^<]*</p>' <<<"$dom")" && fail "the page's fetch of /stats failed"

# (b) A screenshot.
shot="$WORK/browser.png"
browser --screenshot="$shot" --window-size=1200,900 >"$WORK/chromium.shot.out" 2>"$WORK/chromium.shot.err"
rc=$?
[ "$rc" = 0 ] || fail "chromium --screenshot exited $rc: $(grep -v -e dbus -e '^$' "$WORK/chromium.shot.err" | tail -5)"
info=$("$PY" - "$shot" <<'PY' 2>&1
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
# The image data must inflate to the full image (the file is complete).
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(ctype, 0)
assert depth == 8 and channels and len(raw) == h * (1 + w * channels), "truncated image data"
print("png %dx%d %d bytes" % (w, h, len(data)))
PY
)
echo "screenshot: $info"
expect "screenshot is a 1200x900 PNG" '^png 1200x900 ' "$info"
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
# A 1200x900 PNG of a short error page is about 6 KB, the page without its
# tables about 27 KB, with them about 55 KB (DejaVu fonts). The DOM check above
# is the one that proves the tables were rendered; this one that a page was drawn.
[ "$size" -ge 15000 ] || fail "screenshot is $size bytes: too small for the rendered page"
if [ -f "$shot" ]; then
  if mkdir -p "$SHOT_DIR" 2>/dev/null && cp "$shot" "$SHOT_DIR/browser_test.png" 2>/dev/null; then
    echo "screenshot of the built-in page: $(realpath "$SHOT_DIR/browser_test.png")"
  else
    echo "(could not copy the screenshot to $SHOT_DIR)"
  fi
fi

ws_stop
log=$(cat "$WS_LOG")
# Two page loads, each with at least one /stats fetch by the script.
req=$(awk '$1 == "http" && $2 == "port" {print $5}' <<<"$log")
echo "http requests served: ${req:-none}"
[ "${req:-0}" -ge 4 ] || fail "our HTTP server counted ${req:-no} requests; two page loads and their /stats fetches are at least 4"
finish
