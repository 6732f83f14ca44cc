#!/usr/bin/env bash
# The GPU checks, run on the device machine from the bundle that `npm run device:pack` made:
#
#   bash device-bundle/run.sh [STEP...]      (through the device tool, with carry: ["device-bundle"])
#
# Steps: build (always done first: unpacks node and esbuild, builds the addon with
# build-addon.sh), devices, test, mnist, bench, all (= devices test mnist bench), and
# `strata ARGS...` to run the bundled CLI with any arguments. Logs and JSON go to $OUT (flat
# names, at most 8 files: build.log devices.txt tests.log mnist.log bench.json bench.log
# summary.txt); a summary is printed last. Exits non-zero when a step failed.
#
# Settings (environment): DEVICE (default cuda) and PRECISION (default: none given) for mnist
# and bench; MNIST_EPOCHS (default 5); MNIST_MIN_ACCURACY (default 0.97); TESTS (words: only the
# tests whose name holds one); STRATA_CUDA=0 builds CPU-only; STRATA_TMP (default
# /tmp/strata-device) holds node, esbuild and the build, which later calls on a warm machine reuse.
set -uo pipefail
bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=${STRATA_TMP:-/tmp/strata-device}
out=${OUT:-$tmp/out}
DEVICE=${DEVICE-cuda}
PRECISION=${PRECISION-}
MNIST_EPOCHS=${MNIST_EPOCHS:-5}
MNIST_MIN_ACCURACY=${MNIST_MIN_ACCURACY:-0.97}
mkdir -p "$tmp/bin" "$out"
summary=()
status=0

note() { summary+=("$(printf '%-8s %-5s %s' "$1" "$2" "$3")"); [ "$2" = ok ] || [ "$2" = skip ] || status=1; }

# node.xz and esbuild.xz, decompressed once (again when the bundle brings different ones).
unpack() {
  local name=$1 xz="$bundle/$1.xz" dest="$tmp/bin/$1"
  local stamp
  stamp=$(stat -c '%s %Y' "$xz") || return 1
  if [ ! -x "$dest" ] || [ "$(cat "$dest.stamp" 2>/dev/null)" != "$stamp" ]; then
    python3 -c 'import lzma, shutil, sys
with lzma.open(sys.argv[1]) as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)' "$xz" "$dest.tmp" && chmod +x "$dest.tmp" && mv "$dest.tmp" "$dest" || return 1
    echo "$stamp" >"$dest.stamp"
  fi
}

build() {
  local start=$SECONDS
  if ! unpack node || ! unpack esbuild; then
    note build FAIL "could not unpack node.xz / esbuild.xz into $tmp/bin"
    return 1
  fi
  export PATH="$tmp/bin:$PATH" ESBUILD_BINARY_PATH="$tmp/bin/esbuild"
  unset NODE_PATH NODE_OPTIONS
  # On stderr, so that `run.sh strata ... --json` prints the command's output alone on stdout.
  echo "== build: node $(node --version), addon into $tmp/build" >&2
  if ! bash "$bundle/build-addon.sh" --native "$bundle/native" --out "$tmp/build" 2>&1 | tee "$out/build.log" >&2; then
    note build FAIL "build-addon.sh failed, see build.log"
    return 1
  fi
  export STRATA_NATIVE_ADDON="$tmp/build/strata_native.node"
  note build ok "$(grep -o 'built .*:' "$out/build.log" | tail -1 | sed 's/:$//') in $((SECONDS - start)) s"
}

strata() { node "$bundle/strata.mjs" "$@"; }

devices() {
  echo "== devices"
  if strata devices >"$out/devices.txt" 2>&1 && strata devices --json >>"$out/devices.txt" 2>&1; then
    cat "$out/devices.txt"
    local cuda
    cuda=$(grep -m1 '^cuda' "$out/devices.txt")
    note devices ok "${cuda:-no cuda line}"
  else
    cat "$out/devices.txt"
    note devices FAIL "strata devices failed, see devices.txt"
  fi
}

tests() {
  echo "== test"
  if [ ! -f "$bundle/tests.mjs" ]; then
    note test skip "the bundle has no tests.mjs (no test/native/cuda/*.test.ts when it was packed)"
    return
  fi
  # shellcheck disable=SC2086 # TESTS is a list of words
  node "$bundle/tests.mjs" ${TESTS-} 2>&1 | tee "$out/tests.log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[0-9]+ passed, ' "$out/tests.log" | tail -1)
  if [ "$rc" = 0 ]; then note test ok "$line"; else note test FAIL "${line:-tests.mjs exited with $rc}, see tests.log"; fi
}

device_flags() {
  [ -n "$DEVICE" ] && printf '%s\n' --device "$DEVICE"
  [ -n "$PRECISION" ] && printf '%s\n' --precision "$PRECISION"
  return 0
}

mnist() {
  echo "== mnist: $MNIST_EPOCHS epochs, ${DEVICE:-default device}${PRECISION:+, $PRECISION}"
  local flags model="$tmp/mnist/model.keras"
  mapfile -t flags < <(device_flags)
  rm -rf "$tmp/mnist"
  local start=$SECONDS
  strata train "$bundle/app/examples/seeds/mnist_model.ts" --data mnist --epochs "$MNIST_EPOCHS" --batch-size 64 \
    --json --out "$model" "${flags[@]}" 2>&1 | tee "$out/mnist.log"
  local rc=${PIPESTATUS[0]} seconds=$((SECONDS - start))
  if [ "$rc" != 0 ]; then
    note mnist FAIL "strata train exited with $rc, see mnist.log"
    return
  fi
  echo "== mnist: the saved model evaluated on the CPU" | tee -a "$out/mnist.log"
  strata evaluate "$model" --data mnist --json 2>&1 | tee -a "$out/mnist.log"
  python3 - "$out/mnist.log" "$MNIST_MIN_ACCURACY" "$seconds" <<'PY' | tee -a "$out/mnist.log"
import json, sys
log, floor, seconds = sys.argv[1], float(sys.argv[2]), sys.argv[3]
epochs, test, evaluated = [], None, None
for line in open(log):
    try:
        row = json.loads(line)
    except ValueError:
        continue
    if "epoch" in row:
        epochs.append(row)
    elif "test" in row:
        test = row["test"]
    elif "accuracy" in row:
        evaluated = row
if test is None:
    print("RESULT FAIL no test accuracy in the output, see mnist.log")
    sys.exit(0)
# The saved weights evaluated on the CPU must give the accuracy the GPU run reported.
cpu = evaluated["accuracy"] if evaluated else None
ok = test["accuracy"] >= floor and cpu is not None and abs(cpu - test["accuracy"]) < 0.005
per_epoch = ", ".join(f"{e.get('seconds', 0):.2f}" for e in epochs)
print(f"RESULT {'ok' if ok else 'FAIL'} test accuracy {test['accuracy']:.4f} (needs >= {floor}); "
      f"saved model on the CPU {'missing' if cpu is None else f'{cpu:.4f}'}; epochs {per_epoch} s; {seconds} s in all")
PY
  local result
  result=$(grep '^RESULT ' "$out/mnist.log" | tail -1)
  case $result in
    "RESULT ok "*) note mnist ok "${result#RESULT ok }" ;;
    *) note mnist FAIL "${result#RESULT FAIL }" ;;
  esac
}

bench() {
  echo "== bench"
  local flags
  mapfile -t flags < <(device_flags)
  strata bench --json "${flags[@]}" >"$out/bench.json" 2>"$out/bench.log"
  local rc=$?
  cat "$out/bench.log"
  if [ "$rc" = 0 ]; then
    python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])), indent=1))' "$out/bench.json" || cat "$out/bench.json"
    note bench ok "figures in bench.json"
  else
    cat "$out/bench.json"
    note bench FAIL "strata bench exited with $rc, see bench.log"
  fi
}

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(all)
if ! build; then
  printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
  exit 1
fi
if [ "${steps[0]}" = strata ]; then
  strata "${steps[@]:1}"
  exit $?
fi
[ "${steps[0]}" = all ] && steps=(devices test mnist bench)
for step in "${steps[@]}"; do
  case $step in
    build) ;;
    devices) devices ;;
    test) tests ;;
    mnist) mnist ;;
    bench) bench ;;
    *) note "$step" FAIL "unknown step (build, devices, test, mnist, bench, all, strata ARGS...)" ;;
  esac
done
echo
echo "== summary (logs in $out)"
printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
exit $status
