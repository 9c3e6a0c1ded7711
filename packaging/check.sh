#!/usr/bin/env bash
# Build the Python package (wheel and sdist) and smoke-test the wheel installed, not editable, into a
# fresh virtual environment; with --frozen, also build the frozen app and smoke-test it and its installer.
#
#   packaging/check.sh            # wheel + sdist (a couple of minutes; needs PyPI or a pip cache)
#   packaging/check.sh --frozen   # and the PyInstaller build (several minutes more)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH=${TORCH:-torch==2.13.0}
frozen=0
[ "${1:-}" = "--frozen" ] && frozen=1

rm -rf build/check dist/cnn_explorer-*.whl dist/cnn_explorer-*.tar.gz
"$PYTHON" -m venv build/check/tools
build/check/tools/bin/pip install -q --disable-pip-version-check build
build/check/tools/bin/python -m build --outdir dist .
wheel=$(ls dist/cnn_explorer-*.whl)
sdist=$(ls dist/cnn_explorer-*.tar.gz)
echo "built $wheel ($(du -h "$wheel" | cut -f1)) and $sdist ($(du -h "$sdist" | cut -f1))"
tar -tzf "$sdist" | grep -q "resources/models/mnist.safetensors" || { echo "sdist lacks the bundled model" >&2; exit 1; }

"$PYTHON" -m venv build/check/venv
build/check/venv/bin/pip install -q --disable-pip-version-check "$TORCH"
build/check/venv/bin/pip install -q --disable-pip-version-check "$wheel"
repo=$PWD
where=$(cd /tmp && "$repo/build/check/venv/bin/python" -c "import cnn_explorer; print(cnn_explorer.__file__)")
case "$where" in "$PWD/build/check/venv/"*) ;; *) echo "the wheel check imported $where, not the installed wheel" >&2; exit 1 ;; esac
echo "== wheel, installed into a fresh venv"
packaging/smoke_test.sh "$PWD/build/check/venv/bin/cnn-explorer"

if [ $frozen = 1 ]; then
    packaging/build_frozen.sh
    echo "== frozen app"
    packaging/smoke_test.sh "$PWD/dist/cnn-explorer/cnn-explorer"
    echo "== installer (into a temporary root)"
    root=$(mktemp -d)
    tarball=$(ls dist/cnn-explorer-*-linux-x86_64.tar.gz)
    tar -C "$root" -xzf "$tarball"
    unpacked=$(ls -d "$root"/cnn-explorer-*/)
    DESTDIR="$root/dest" "$unpacked/install.sh" --prefix /usr/local
    "$root/dest/usr/local/lib/cnn-explorer/cnn-explorer" --version
    DESTDIR="$root/dest" "$unpacked/install.sh" --uninstall --prefix /usr/local
    left=$(find "$root/dest" -type f | wc -l)
    rm -rf "$root"
    [ "$left" = 0 ] || { echo "uninstall left $left files" >&2; exit 1; }
    echo "ok    install and uninstall"
fi
echo "packaging check passed"
