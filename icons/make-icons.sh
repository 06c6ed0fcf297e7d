#!/bin/sh
# Regenerates the app icons (RGBA PNGs, as Tauri requires): a rounded blue
# square with a white "C" ring (a disc, minus an inner disc, minus a wedge) and a dot.
set -eu
cd "$(dirname "$0")"
blue='#2456c9'
convert -size 1024x1024 xc:none \
  -fill "$blue" -draw 'roundrectangle 64,64 960,960 200,200' \
  -fill white -draw 'circle 512,512 512,822' \
  -fill "$blue" -draw 'circle 512,512 512,702' \
  -fill "$blue" -draw 'polygon 512,512 900,230 900,794' \
  -fill '#ffd166' -draw 'circle 742,512 742,592' \
  -resize 512x512 PNG32:icon.png
convert icon.png -resize 32x32 PNG32:32x32.png
convert icon.png -resize 128x128 PNG32:128x128.png
convert icon.png -resize 256x256 PNG32:128x128@2x.png
