#!/bin/sh
# Add InfusionDesk to this user's application menu, run from the built folder (dist/InfusionDesk):
#   ./install-linux.sh
# The menu entry starts the app from where this folder is; move the folder first if it should live elsewhere
# (e.g. /opt/InfusionDesk), then run this again there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$icons"
cp "$here/infusiondesk.png" "$icons/infusiondesk.png"
sed "s|^Exec=.*|Exec=\"$here/InfusionDesk\"|" "$here/infusiondesk.desktop" > "$apps/infusiondesk.desktop"
echo "InfusionDesk is in the application menu (starts $here/InfusionDesk)."
