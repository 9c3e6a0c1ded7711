#!/bin/sh
# Install CNN Explorer from this unpacked folder, or remove it again.
#
#   ./install.sh                    # for you alone: ~/.local (no administrator rights needed)
#   sudo ./install.sh --prefix /usr/local     # for every user of this computer
#   ./install.sh --uninstall [--prefix DIR]   # remove exactly what was installed
#
# DESTDIR=/tmp/root ./install.sh --prefix /usr  stages into another root (for packagers and tests).
set -eu
APP_ID=org.cnnexplorer.CnnExplorer
here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME:-/root}/.local"
action=install
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 2 ;; esac
root="${DESTDIR:-}$prefix"
libdir="$root/lib/cnn-explorer"
manifest="$libdir/installed-files.txt"

refresh_caches() {
    [ -n "${DESTDIR:-}" ] && return 0
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$root/share/applications" 2>/dev/null || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$root/share/icons/hicolor" 2>/dev/null || true
}

if [ "$action" = uninstall ]; then
    if [ ! -f "$manifest" ]; then
        echo "install.sh: CNN Explorer is not installed under $prefix" >&2
        exit 2
    fi
    while IFS= read -r file; do
        rm -f "$root/$file"
    done < "$manifest"
    rm -rf "$libdir"
    rm -f "$root/bin/cnn-explorer"
    refresh_caches
    echo "CNN Explorer removed from $prefix"
    exit 0
fi

[ -x "$here/app/cnn-explorer" ] || { echo "install.sh: run it from the unpacked folder (app/ is missing)" >&2; exit 2; }
mkdir -p "$root/bin" "$root/lib"
# A new copy goes beside the old one, then replaces it: an interrupted install leaves the old one working.
rm -rf "$libdir.new"
cp -R "$here/app" "$libdir.new"
rm -rf "$libdir"
mv "$libdir.new" "$libdir"
ln -sf "$prefix/lib/cnn-explorer/cnn-explorer" "$root/bin/cnn-explorer"
: > "$manifest"
(cd "$here/share" && find . -type f) | sed 's|^\./||' | while IFS= read -r rel; do
    mkdir -p "$(dirname "$root/share/$rel")"
    cp "$here/share/$rel" "$root/share/$rel"
    echo "share/$rel" >> "$manifest"
done
# The desktop entry runs the installed program by its full path (~/.local/bin may not be on PATH).
desktop="$root/share/applications/$APP_ID.desktop"
sed "s|^Exec=cnn-explorer|Exec=$prefix/lib/cnn-explorer/cnn-explorer|" "$desktop" > "$desktop.tmp" && mv "$desktop.tmp" "$desktop"
refresh_caches
echo "CNN Explorer installed under $prefix (run: $prefix/bin/cnn-explorer)"
