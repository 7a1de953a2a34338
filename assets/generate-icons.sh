#!/usr/bin/env bash
# Regenerate the Coffer raster icons in ./icons/ from the master ./icon.svg.
#
# Requires (Debian/Ubuntu packages):
#   librsvg2-bin  -> rsvg-convert  (SVG -> PNG)
#   imagemagick   -> convert       (force 8-bit RGBA PNGs, build the multi-size .ico)
#   apt-get install -y librsvg2-bin imagemagick
#
# Usage: ./generate-icons.sh        (can be run from any directory)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/icon.svg"
out="$here/icons"

for tool in rsvg-convert convert; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "error: '$tool' not found; apt-get install -y librsvg2-bin imagemagick" >&2
    exit 1
  }
done
[[ -f "$src" ]] || { echo "error: $src not found" >&2; exit 1; }

mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Render SVG at a given size, then re-encode as 8-bit RGBA (PNG colour type 6),
# which Tauri requires. -strip drops timestamps so reruns give identical files.
render() { # size dest
  rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio "$src" -o "$tmp/raw-$1.png"
  convert "$tmp/raw-$1.png" -strip -depth 8 -define png:color-type=6 "PNG32:$2"
}

render 16  "$out/16x16.png"
render 32  "$out/32x32.png"
render 48  "$out/48x48.png"
render 64  "$out/64x64.png"
render 128 "$out/128x128.png"
render 256 "$out/128x128@2x.png"
render 512 "$out/icon.png"

# Multi-size Windows icon, each size rendered directly from the SVG (sharper than downscaling).
ico_parts=()
for s in 16 32 48 64 128 256; do
  render "$s" "$tmp/ico-$s.png"
  ico_parts+=("$tmp/ico-$s.png")
done
convert "${ico_parts[@]}" "$out/icon.ico"

echo "Generated in $out:"
ls -1 "$out"
