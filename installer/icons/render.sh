#!/usr/bin/env bash
# Renders the PNG sizes of the icon from drconsole.svg (committed; re-run after editing it).
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 32 48 64 128 256; do
    rsvg-convert -w "$size" -h "$size" drconsole.svg -o "drconsole-$size.png"
done
