#!/usr/bin/env bash
# Install the Debian packages InfusionDesk needs, when missing and we are root (fresh Debian 12 / CI).
# Usage: scripts/system-deps.sh [run|test]
set -euo pipefail
what=${1:-test}
qt="libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libglib2.0-0 fonts-dejavu-core"
xcb="libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0"
case "$what" in
  run) pkgs="$qt $xcb" ;;
  test) pkgs="$qt poppler-utils libnss3-tools postgresql" ;;
  screenshots) pkgs="$qt poppler-utils" ;;
  *) echo "usage: $0 [run|test|screenshots]" >&2; exit 2 ;;
esac
missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages (install them as root): ${missing[*]}" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
