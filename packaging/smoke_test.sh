#!/usr/bin/env bash
# Smoke-test an installed CNN Explorer: the program given (a wheel's console script or the frozen
# binary) opens the window offscreen, classifies a digit with the bundled model, and runs every
# sub-command's --help and a few real commands. Exit 0 when all pass.
#
#   packaging/smoke_test.sh PATH/TO/cnn-explorer
set -euo pipefail
exe=${1:?usage: smoke_test.sh PATH/TO/cnn-explorer}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"   # never the source tree: the installed program must find its own resources
export QT_QPA_PLATFORM=offscreen
fail=0
check() {  # check NAME COMMAND...: run it, report, remember a failure
    local name=$1; shift
    if out=$("$@" 2>&1); then
        echo "ok    $name"
    else
        echo "FAIL  $name: $(echo "$out" | tail -3)"; fail=1
    fi
}

check "version" "$exe" --version
for cmd in "" convolve kernels summary train evaluate datasets classify; do
    check "help ${cmd:-(window)}" "$exe" $cmd --help
done
start=$(date +%s%N)
check "window screenshot" "$exe" --screenshot "$work/window.png" --sample 000-1 --size 1366x768
echo "      (start, render and exit: $(( ($(date +%s%N) - start) / 1000000 )) ms)"
[ -s "$work/window.png" ] || { echo "FAIL  window screenshot: no PNG written"; fail=1; }
out=$("$exe" classify "$here/testdata/digit-7.png" 2>&1 || true)
if [[ "$out" == *": 7 ("* ]]; then echo "ok    classify with the bundled model ($out)"; else echo "FAIL  classify: $out"; fail=1; fi
check "kernels" "$exe" kernels
check "samples" "$exe" kernels --samples
check "summary" "$exe" summary --preset lenet5
check "convolve a sample" "$exe" convolve sample:000-1 -o "$work/map.csv"
check "datasets" "$exe" datasets
check "evaluate the bundled model" "$exe" evaluate mnist --dataset mnist-sample
check "train a tiny model" "$exe" train --preset xo-tiny --dataset xo --epochs 2 -o "$work/xo"
out=$("$exe" convolve /nonexistent.png --kernel sobel-top -o "$work/x.csv" 2>&1; echo "exit $?")
if [[ "$out" == *"exit 2" ]]; then echo "ok    bad input exits 2"; else echo "FAIL  bad input: $out"; fail=1; fi
exit $fail
