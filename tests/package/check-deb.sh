#!/usr/bin/env bash
# Checks Coffer's Debian package the way a user meets it: builds it (scripts/package --debug),
# installs it with dpkg, validates its desktop entry and AppStream metadata, starts the INSTALLED
# app through its desktop entry under Xvfb and a D-Bus session, opens a coffer:// link with
# xdg-open and sees it arrive in the running app's log, then removes the package and checks that
# everything it installed is gone while the user's data is untouched.
#
# Usage: tests/package/check-deb.sh [--prebuilt | --release | PATH.deb]
#   (none)      build an unoptimised package (scripts/package --debug) and check it
#   --prebuilt  pack the debug binaries already built (scripts/test's `cargo build`) and check
#   --release   build the release package and check it
#   PATH.deb    check an already built package
# Needs root (or sudo) for dpkg. It refuses to run where a `coffer` package is already installed,
# since it would replace and then remove it. Prints timings (launch to window, link to app).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

app_id=app.coffer.desktop
pkg=coffer
started=$SECONDS
now_ms() { date +%s%3N; }
say() { printf 'check-deb: %s\n' "$*"; }
fail() { printf 'check-deb: FAIL: %s\n' "$*" >&2; exit 1; }

# wait_until WHAT SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds; a deadline
# reached is a failure.
wait_until() {
  local what=$1 limit=$2 deadline
  shift 2
  deadline=$(($(now_ms) + limit * 1000))
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "no $what within ${limit} s"
    sleep 0.05
  done
}

# ---------------------------------------------------------------------------------------------
# Inside Xvfb and a session bus: launch, deep link, close. Called by the outer part below.
# shellcheck disable=SC2317  # its helpers are called through wait_until
session_checks() {
  local home=$1 data=$2 demo_data=$3 timings=$4
  export HOME=$home COFFER_DATA_DIR=$data COFFER_PASSPHRASE=package-check-walnut-gazebo-plume
  unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_CURRENT_DESKTOP DESKTOP_SESSION
  export XDG_DATA_DIRS=/usr/local/share:/usr/share
  local log=$data/logs/coffer.log
  # Whatever happens, end the app this part started (by its pid) before the display goes.
  pid=
  trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT
  has_window() { xdotool search --onlyvisible --class "^Coffer-desktop\$"; }
  no_window() { ! has_window; }
  # The visible Coffer window of process $1.
  window_of() {
    local w
    for w in $(has_window); do
      [ "$(xdotool getwindowpid "$w" 2>/dev/null)" != "$1" ] || { echo "$w"; return 0; }
    done
    return 1
  }
  log_has() { [ -f "$log" ] && grep -q -- "$1" "$log"; }
  # Gone, or a zombie that nobody reaped (an orphan of gtk-launch, under a PID 1 that may not).
  not_running() {
    ! kill -0 "$1" 2>/dev/null || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
  }

  # The full desktop id: gtk-launch adds ".desktop" only to a name that does not already end
  # in it, and "app.coffer.desktop" does.
  say "launching the installed app through its desktop entry: gtk-launch $app_id.desktop"
  local t0 t1 wid
  t0=$(now_ms)
  timeout 30 gtk-launch "$app_id.desktop" || fail "gtk-launch $app_id.desktop failed ($?)"
  # A window that is listed can be gone a moment later (seen once on a clean clone: xdotool's
  # BadWindow ended the run under `set -e`), so a window counts only once its owner can be read.
  window_and_pid() {
    local w p
    for w in $(has_window); do
      p=$(xdotool getwindowpid "$w" 2>/dev/null) && { echo "$w $p"; return 0; }
    done
    return 1
  }
  # The poll that saw the window keeps what it saw: asking X again at once could miss it
  # (under load, a second listing a moment later once came back without it).
  local found=
  window_seen() { found=$(window_and_pid); }
  wait_until "Coffer window (WM_CLASS Coffer-desktop)" 90 window_seen
  t1=$(now_ms)
  read -r wid pid <<<"$found"
  wait_until "the Coffer window to stay" 10 window_of "$pid"
  [ "$(readlink "/proc/$pid/exe")" = /usr/bin/coffer-desktop ] \
    || fail "the window belongs to $(readlink "/proc/$pid/exe"), not /usr/bin/coffer-desktop"
  echo "launch_to_window_ms=$((t1 - t0))" >> "$timings"
  say "window $(xdotool getwindowname "$wid" 2>/dev/null || true) of pid $pid after $((t1 - t0)) ms"

  wait_until "start-up line in $log" 10 log_has '"message":"coffer-desktop starting"'
  [ "$(stat -c %a "$data/logs")" = 700 ] || fail "$data/logs is $(stat -c %a "$data/logs"), not 700"

  # The link carries a canary in its path and query: both must stay out of the log.
  local canary=secret-canary-$RANDOM$RANDOM
  local link="coffer://package-check/callback/$canary?code=$canary&state=$canary"
  say "xdg-open coffer://package-check/… (to the running app, through the installed entry)"
  local handler
  handler=$(xdg-mime query default x-scheme-handler/coffer)
  [ "$handler" = "$app_id.desktop" ] || fail "xdg-mime's handler for coffer:// is '$handler'"
  t0=$(now_ms)
  # xdg-open waits for the handler, a second coffer-desktop that hands the link over the
  # session bus and exits; if the hand-over broke, that one would stay (a second window).
  timeout 30 xdg-open "$link" || fail "xdg-open of the link failed or hung ($?)"
  wait_until "deep-link line in $log" 20 log_has '"host":"package-check"'
  t1=$(now_ms)
  echo "link_to_app_ms=$((t1 - t0))" >> "$timings"
  say "the running app logged the link after $((t1 - t0)) ms"
  grep '"message":"deep link received"' "$log" | grep -q '"scheme":"coffer"' \
    || fail "the deep-link line does not name the scheme"
  # No login is pending, so the app refuses the link: once, after logging it once.
  wait_until "refusal of the link in $log" 10 log_has 'refused a coffer:// link'
  local received
  received=$(grep -c '"host":"package-check"' "$log")
  [ "$received" = 1 ] || fail "the link reached the app $received times, not once"
  if grep -rq -- "$canary" "$data/logs"; then fail "the log holds the link's path or query"; fi
  [ "$(has_window | wc -l)" = 1 ] || fail "the link opened a second window"
  [ ! -e "$home/.local/share/applications/coffer-desktop-handler.desktop" ] \
    || fail "the installed app wrote a per-user scheme handler (quoted Exec, left behind on removal)"

  kill -TERM "$pid"
  wait_until "app exit after SIGTERM" 20 not_running "$pid"
  wait_until "its window to go" 20 no_window
  pid=

  # Second launch on a new profile with --explore: the window opens onto the built-in demo data.
  say "launching coffer-desktop --explore on a new profile"
  t0=$(now_ms)
  COFFER_DATA_DIR=$demo_data /usr/bin/coffer-desktop --explore >/dev/null 2>&1 &
  pid=$!
  wait_until "Coffer window with --explore" 90 window_of "$pid"
  t1=$(now_ms)
  echo "demo_launch_to_window_ms=$((t1 - t0))" >> "$timings"
  say "demo window after $((t1 - t0)) ms (the demo bank is synced before the window opens)"
  local accounts
  accounts=$(/usr/bin/coffer --data-dir "$demo_data" accounts)
  grep -q 'NOK' <<<"$accounts" || fail "the installed CLI shows no demo accounts: $accounts"
  kill -TERM "$pid"
  wait_until "demo app exit" 20 not_running "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

if [ "${1:-}" = --session ]; then
  shift
  session_checks "$@"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
  fail "a '$pkg' package is already installed here ($status); this check installs and removes \
it. Remove it first: dpkg -r $pkg"
fi

case "${1:-}" in
  "") deb=$(scripts/package --debug) ;;
  --prebuilt) deb=$(scripts/package --debug --prebuilt) ;;
  --release) deb=$(scripts/package) ;;
  *.deb) deb=$1 ;;
  *) fail "unknown argument '$1' (try: --prebuilt, --release, or a path to a .deb)" ;;
esac
[ -f "$deb" ] || fail "$deb not found"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
built_at=$SECONDS

tools=(Xvfb dbus-run-session xdotool gtk-launch xdg-open xdg-mime desktop-file-validate appstreamcli)
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null || fail "'$t' not found; run scripts/install-deps test"
done

work=$(mktemp -d)
installed=0
xvfb_pid=
artifacts=${CARGO_TARGET_DIR:-$root/target}/package-check
# Ends our Xvfb and waits until it is gone: a server still shutting down removes its socket
# files at exit, which may by then belong to the next server on that display number (seen as
# "Failed to initialize GTK" in a check run right after another).
stop_xvfb() {
  [ -n "$xvfb_pid" ] || return 0
  kill "$xvfb_pid" 2>/dev/null || true
  wait "$xvfb_pid" 2>/dev/null || true
  xvfb_pid=
}
cleanup() {
  stop_xvfb
  if [ "$installed" = 1 ]; then "${sudo_cmd[@]}" dpkg -r "$pkg" >/dev/null 2>&1 || true; fi
  # The app's logs, for a look after a failure.
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  for p in data demo-data; do
    [ ! -d "$work/$p/logs" ] || cp -rL "$work/$p/logs" "$artifacts/$p-logs"
  done
  [ ! -f "$work/xvfb.log" ] || cp "$work/xvfb.log" "$artifacts/xvfb.log"
  rm -rf "$work"
}
trap cleanup EXIT

# --- what the package holds ------------------------------------------------------------------
say "package $deb: $(du -k "$deb" | cut -f1) KiB, installs $(dpkg-deb -f "$deb" Installed-Size) KiB"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends | sed 's/^/  /'
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' | grep -v '/$' | sort > "$work/files"
expected=(/usr/bin/coffer-desktop /usr/bin/coffer
  "/usr/share/applications/$app_id.desktop"
  "/usr/share/metainfo/$app_id.metainfo.xml"
  "/usr/share/icons/hicolor/scalable/apps/$app_id.svg")
for s in 16 32 48 64 128 256 512; do
  expected+=("/usr/share/icons/hicolor/${s}x${s}/apps/$app_id.png")
done
for f in "${expected[@]}"; do grep -qx -- "$f" "$work/files" || fail "the package lacks $f"; done
extra=$(grep -vxF -f <(printf '%s\n' "${expected[@]}") "$work/files" || true)
[ -z "$extra" ] || fail "the package holds unexpected files:
$extra"
mkdir "$work/tree"
dpkg-deb -x "$deb" "$work/tree"
for s in 16 32 48 64 128 256 512; do
  dims=$(file -b "$work/tree/usr/share/icons/hicolor/${s}x${s}/apps/$app_id.png")
  grep -q "$s x $s" <<<"$dims" || fail "the ${s}x${s} icon is $dims"
done
conf_version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' src-tauri/tauri.conf.json)
grep -q "<release version=\"$conf_version\"" "$work/tree/usr/share/metainfo/$app_id.metainfo.xml" \
  || fail "the metainfo has no <release> for version $conf_version"

# --- install ---------------------------------------------------------------------------------
missing=()
IFS=',' read -ra deps <<<"$(dpkg-deb -f "$deb" Depends)"
for d in "${deps[@]}"; do
  d=$(sed 's/^ *//; s/ *(.*//; s/ *$//' <<<"$d")
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'install ok installed' || missing+=("$d")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing the package's dependencies: ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi
say "dpkg -i $(basename "$deb")"
installed=1
"${sudo_cmd[@]}" dpkg -i "$deb"
for f in "${expected[@]}"; do [ -f "$f" ] || fail "$f is not installed"; done
say "installed: $(/usr/bin/coffer --version)"
grep -q "^x-scheme-handler/coffer=$app_id.desktop;" /usr/share/applications/mimeinfo.cache \
  || fail "dpkg's trigger did not register coffer:// in /usr/share/applications/mimeinfo.cache"
exec_line=$(grep '^Exec=' "/usr/share/applications/$app_id.desktop")
[ "$exec_line" = 'Exec=coffer-desktop %u' ] \
  || fail "the desktop entry's $exec_line is not 'Exec=coffer-desktop %u' (xdg-utils 1.1.3 \
cannot run a quoted Exec)"

# --- validators ------------------------------------------------------------------------------
say "desktop-file-validate /usr/share/applications/$app_id.desktop"
desktop-file-validate "/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
say "appstreamcli validate --no-net /usr/share/metainfo/$app_id.metainfo.xml"
appstreamcli validate --no-net "/usr/share/metainfo/$app_id.metainfo.xml" \
  || fail "appstreamcli validate"
say "appstreamcli validate-tree --no-net (the package's own files: launchable and icon found)"
appstreamcli validate-tree --no-net "$work/tree" || fail "appstreamcli validate-tree"

# --- the installed app, started as a user would ----------------------------------------------
home=$work/home data=$work/data demo_data=$work/demo-data timings=$work/timings
mkdir -p "$home" "$data"
touch "$timings"
# Xvfb picks a free display itself (-displayfd): `xvfb-run -a` can pick one that another run
# on the same machine takes at the same moment, and the app then fails to open it.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
wait_until "Xvfb display" 20 test -s "$work/display"
DISPLAY=:$(head -n1 "$work/display") dbus-run-session -- \
  "$root/tests/package/check-deb.sh" --session "$home" "$data" "$demo_data" "$timings"
stop_xvfb

# The profiles as the user leaves them: they must survive the removal unchanged.
profile_sums() {
  (cd "$work" && find data demo-data -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}
profile_sums > "$work/data.before"
grep -q ' data/' "$work/data.before" || fail "the app left no data in $data"

# --- removal ---------------------------------------------------------------------------------
say "dpkg -r $pkg"
"${sudo_cmd[@]}" dpkg -r "$pkg"
installed=0
for f in "${expected[@]}"; do [ ! -e "$f" ] || fail "$f is still there after dpkg -r"; done
status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = not-installed ] || fail "dpkg still lists $pkg as '$status'"
if grep -q 'x-scheme-handler/coffer=' /usr/share/applications/mimeinfo.cache 2>/dev/null; then
  fail "coffer:// is still registered in mimeinfo.cache after removal"
fi
profile_sums > "$work/data.after"
cmp -s "$work/data.before" "$work/data.after" || fail "removing the package changed the user's data"

timing() { sed -n "s/^$1=//p" "$timings"; }
say "package size: $(du -k "$deb" | cut -f1) KiB (${deb#"$root"/}); launch to \
window: $(timing launch_to_window_ms) ms; --explore launch to window: \
$(timing demo_launch_to_window_ms) ms; xdg-open to app: $(timing link_to_app_ms) ms"
say "passed: build $((built_at - started)) s, checks $((SECONDS - built_at)) s"
