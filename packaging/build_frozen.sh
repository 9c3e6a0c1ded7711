#!/usr/bin/env bash
# One command from a clean checkout to a one-folder frozen app: dist/cnn-explorer/cnn-explorer,
# with the CPU build of torch inside, and a tarball with an install script beside it.
#
#   packaging/build_frozen.sh            # build into dist/ (a private venv in build/freeze-venv)
#   PYTHON=python3.12 packaging/build_frozen.sh
#
# Needs Python 3.10+ and network access to PyPI (or a pip cache). Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=build/freeze-venv
TORCH=${TORCH:-torch==2.13.0}

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "$TORCH"
"$VENV/bin/pip" install -q --disable-pip-version-check . "pyinstaller>=6.10"

rm -rf dist/cnn-explorer build/cnn-explorer
start=$(date +%s)
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/cnn-explorer.spec
echo "frozen build: $(( $(date +%s) - start )) s"
# torch's own libraries ship with their symbols; dropping them saves about 80 MB. (Stripping every
# binary, as PyInstaller's strip option does, breaks numpy's bundled OpenBLAS: only torch's.)
if command -v strip >/dev/null 2>&1; then
    find dist/cnn-explorer/_internal/torch/lib -name '*.so*' -exec strip --strip-unneeded {} +
fi

# Desktop integration and the installer go into the tarball beside the app.
version=$("$VENV/bin/python" -c "import cnn_explorer; print(cnn_explorer.__version__)")
stage=build/tarball/cnn-explorer-$version-linux-x86_64
rm -rf build/tarball && mkdir -p "$stage"
cp -a dist/cnn-explorer "$stage/app"
cp -a packaging/linux/share "$stage/share"
cp packaging/linux/install.sh "$stage/install.sh"
tar -C build/tarball -czf "dist/cnn-explorer-$version-linux-x86_64.tar.gz" "cnn-explorer-$version-linux-x86_64"
du -sh dist/cnn-explorer "dist/cnn-explorer-$version-linux-x86_64.tar.gz"
