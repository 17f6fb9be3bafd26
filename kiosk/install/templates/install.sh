#!/bin/sh
# Install the CCCD check-in kiosk from this folder, with no network at all:
#
#   ./install.sh [FOLDER]        (default: ~/cccd-kiosk)
#
# The counter lands in FOLDER/.venv (FOLDER/.venv/bin/kiosk), as scripts/setup lays out a
# clone. Needs Python 3.11 or 3.12 on this PC (the distribution's python3.11 / python3.12).
# Safe to run again: it brings FOLDER up to this bundle's versions. No root needed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-"$HOME/cccd-kiosk"}

python=""
for candidate in python3.12 python3.11 python3; do
  found=$(command -v "$candidate" 2>/dev/null) || continue
  version=$("$found" -c 'import sys; print("%d%d" % sys.version_info[:2])' 2>/dev/null) || continue
  if [ "$version" = 312 ] || [ "$version" = 311 ]; then python=$found; break; fi
done
if [ -z "$python" ]; then
  echo "error: no Python 3.11 or 3.12 on this PC - install the python3.11 (or python3.12) package, then run install.sh again" >&2
  exit 1
fi

export UV_OFFLINE=1 UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
mkdir -p "$target"
"$here/uv/uv" venv --quiet --allow-existing --python "$python" "$target/.venv"
"$here/uv/uv" pip install --quiet --offline --no-index --find-links "$here/wheels" --require-hashes \
  --overrides "$here/overrides.txt" --python "$target/.venv/bin/python" -r "$here/requirements-cp$version.txt"
rm -rf "$target/sample_images"
cp -R "$here/sample_images" "$target/sample_images"

echo "Installed the kiosk in $target (Python $("$python" -c 'import platform; print(platform.python_version())'))."
echo "  Check this PC:        $target/.venv/bin/kiosk doctor"
echo "  Try it (no camera):   $target/.venv/bin/kiosk demo"
echo "  The counter app:      $target/.venv/bin/kiosk app"
echo "  Join the province:    $target/.venv/bin/kiosk join BUNDLE --code CODE"
