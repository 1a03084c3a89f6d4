#!/usr/bin/env bash
# tests/report/sections_test.sh — the parts of the run report that issue 17
# asked for, in headless Chromium, on the built-in scenarios' own reports:
#
#  * outcome (every scenario): the verdict, the clients' success rates and
#    latency percentiles; in synflood the servers side by side with SYN
#    cookies off and on; in storm the storm's message;
#  * synflood: the SYN flood over time (SYNs per second, SYN-queue depth,
#    SYNs dropped or answered with cookies, cookies validated, the
#    legitimate clients answered), one line per server;
#  * spike: established connections, accept-queue depth and response latency
#    over time;
#  * lossy: the ladder collapsed (first and last segments and around each
#    loss, "N segments hidden"), a table of contents and an index of losses
#    whose links all lead to a segment.
#
# Each is checked twice: in the DOM Chromium built (--dump-dom), and in a
# screenshot of the section (the report inside an iframe scrolled to the
# section's anchor) whose pixels must show the section's drawing colours.
#
#   sections_test.sh WIRESTACK PNG_PROBE
# Exit 77 (skipped) when Chromium is not installed.
set -euo pipefail

bin=$1
probe=$2
tmp_root="${TMPDIR:-/tmp}"
mkdir -p "$tmp_root"
work=$(mktemp -d "$tmp_root/sections.XXXXXX")
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/chromium.sh"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Chromium with a fresh profile; --no-sandbox: CI runs as root.
browse() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --disable-background-networking --disable-component-update \
    --window-size=1400,900 "$@" 2>"$profile/log"
}

# The DOM of a report, as Chromium parsed it.
dom() { browse --dump-dom "file://$1"; }

# A screenshot of one section: the report in an iframe, scrolled to #id
# (a page's own fragment is not followed by --screenshot; an iframe's is).
shot() {
  local html=$1 id=$2 png=$3
  printf '<!DOCTYPE html><html><body style="margin:0"><iframe src="file://%s#%s" style="border:0;width:1400px;height:900px"></iframe></body></html>\n' \
    "$html" "$id" >"$work/frame-$id.html"
  rm -f "$png"
  browse --screenshot="$png" "file://$work/frame-$id.html" >/dev/null
  [[ -s "$png" ]] || fail "no screenshot of #$id"
}

# probe PNG NAME MIN_NONWHITE COLOR:MIN...: in the top 700 px of the shot.
probe() {
  local png=$1 name=$2 min_nonwhite=$3
  shift 3
  local colors=() mins=()
  for cm in "$@"; do
    colors+=("${cm%%:*}")
    mins+=("${cm##*:}")
  done
  local out
  out=$("$probe" "$png" 0 0 1400 700 "${colors[@]}") || { fail "$name: png_probe failed on $png"; return; }
  local nonwhite
  nonwhite=$(awk '/^nonwhite/ {print $2}' <<<"$out")
  ((nonwhite >= min_nonwhite)) || fail "$name: only $nonwhite non-white pixels in the section's screenshot (want $min_nonwhite)"
  for i in "${!colors[@]}"; do
    local n
    n=$(awk -v c="${colors[$i]}" '$1 == "color" && $2 == c {print $3}' <<<"$out")
    n=${n:-0}
    ((n >= mins[i])) || fail "$name: only $n pixels of #${colors[$i]} in the section's screenshot (want ${mins[$i]})"
  done
  echo "$name: $(tr '\n' ' ' <<<"$out")"
}

has() {  # has NAME FILE TEXT: a fixed string in the DOM
  grep -qF -- "$3" "$2" || fail "$1: the DOM has no '$3'"
}

run() {  # run SCENARIO: its report, or a failure
  local s=$1
  "$bin" run "$s" --quiet --capture none --out "$work/out" >"$work/$s.log" 2>&1 || {
    tail -5 "$work/$s.log" >&2
    fail "wirestack run $s did not pass"
  }
  [[ -s "$work/out/$s/report.html" ]] || fail "no report for $s"
  dom "$work/out/$s/report.html" >"$work/$s.dom"
}

# --- synflood: the outcome at the top and the flood over time -----------------
run synflood
d="$work/synflood.dom"
html="$work/out/synflood/report.html"
has synflood "$d" '<nav class="toc">'
has synflood "$d" '<a href="#syn-flood">'
has synflood "$d" 'Every application did what was expected'
has synflood "$d" 'Clients: success rate and latency'
# The comparison: web1 without cookies answered none, web2 with cookies all.
grep -qE '<td>clients of web1 \(SYN cookies off\)</td>.*<td class="num rate">0 %</td>' "$d" ||
  fail "synflood: the clients of web1 (cookies off) are not shown at 0 %"
grep -qE '<td>clients of web2 \(SYN cookies on\)</td>.*<td class="num rate">100 %</td>' "$d" ||
  fail "synflood: the clients of web2 (cookies on) are not shown at 100 %"
grep -qE '<tr data-server="web1"><td>web1</td><td>off</td>' "$d" || fail "synflood: no cookies-off row for web1"
grep -qE '<tr data-server="web2"><td>web2</td><td>on</td>' "$d" || fail "synflood: no cookies-on row for web2"
grep -qE '<tr data-server="web2">.*<td class="num rate">20 of 20 \(100 %\)</td>' "$d" ||
  fail "synflood: web2's row does not say its 20 clients were answered"
for title in "SYNs reaching the listener" "SYN-queue depth" "SYN queue full: dropped or cookie" \
  "cookies validated" "legitimate clients answered"; do
  has synflood "$d" ">$title ("
done
has synflood "$d" 'web1 (SYN cookies off)'
has synflood "$d" 'web2 (SYN cookies on)'
# Every chart of the section has drawn lines, not empty axes.
flood=$(sed -n '/<section id="syn-flood">/,/<\/section>/p' "$d")
n=$( (grep -oE '<polyline class="s[01][^"]*" points="[0-9]' <<<"$flood" || true) | wc -l)
((n >= 9)) || fail "synflood: only $n drawn lines in the SYN flood section (want 9)"
shot "$html" outcome "$work/outcome.png"
probe "$work/outcome.png" "synflood #outcome" 20000 dcfce7:2000
shot "$html" syn-flood "$work/flood.png"
probe "$work/flood.png" "synflood #syn-flood" 20000 dc2626:150 047857:150

# --- spike: established connections, accept queue, latency over time ---------
run spike
d="$work/spike.dom"
html="$work/out/spike/report.html"
has spike "$d" '<a href="#load">'
has spike "$d" '<td>all 10,000 clients</td>'
for title in "established connections" "accept-queue depth" "response latency, web"; do
  has spike "$d" ">$title ("
done
load=$(sed -n '/<section id="load">/,/<\/section>/p' "$d")
for cls in all s0 "s0 dash" p50 p90 pmax; do
  grep -qE "<polyline class=\"$cls\" points=\"[0-9]" <<<"$load" || fail "spike: no drawn '$cls' line in the load section"
done
# The connections open at once rise into the thousands: the y axis says so.
grep -qE '<text class="tick y"[^>]*>[0-9]{4}</text>' <<<"$load" || fail "spike: no chart of the load reaches 1000"
shot "$html" load "$work/load.png"
probe "$work/load.png" "spike #load" 20000 dc2626:100 1d4ed8:100 c2410c:100

# --- lossy: a collapsed ladder one can jump through ---------------------------
run lossy
d="$work/lossy.dom"
html="$work/out/lossy/report.html"
has lossy "$d" '<a href="#ladder">'
has lossy "$d" 'segments hidden'
has lossy "$d" 'class="loss-index"'
height=$( (grep -oE '<svg class="ladder" width="[0-9]+" height="[0-9]+"' "$d" || true) | grep -oE '[0-9]+"$' | tr -d '"' || true)
[[ -n "$height" ]] || { fail "lossy: no ladder"; height=0; }
((height > 0 && height < 10000)) || fail "lossy: the ladder is $height px tall (the whole transfer drawn?)"
segs=$( (grep -oE '<g class="seg ' "$d" || true) | wc -l)
((segs >= 30 && segs < 600)) || fail "lossy: $segs segments drawn (want a collapsed ladder)"
# Every link of the index leads to a segment drawn on the ladder.
links=$( (grep -oE 'href="#seg-[0-9]+"' "$d" || true) | grep -oE 'seg-[0-9]+' | sort -u || true)
[[ -n "$links" ]] || fail "lossy: the index links to no loss"
for id in $links; do
  grep -qF "id=\"$id\"" "$d" || fail "lossy: the index links to #$id, which the ladder does not draw"
done
shot "$html" ladder "$work/ladder.png"
probe "$work/ladder.png" "lossy #ladder" 20000 1d4ed8:100
if [[ -n "$links" ]]; then
  first=$(head -1 <<<"$links")
  shot "$html" "$first" "$work/loss.png"
  probe "$work/loss.png" "lossy #$first" 5000 dc2626:30
fi

# --- storm: the message at the top --------------------------------------------
run storm
d="$work/storm.dom"
has storm "$d" '<p class="storm" id="storm"><strong>Broadcast storm at'
has storm "$d" 'the topology has a loop'
shot "$work/out/storm/report.html" outcome "$work/storm.png"
probe "$work/storm.png" "storm #outcome" 10000 fef3c7:3000

if ((failures > 0)); then
  echo "$failures failures" >&2
  exit 1
fi
echo "PASS: outcome, SYN flood, load and collapsed ladder in Chromium"
