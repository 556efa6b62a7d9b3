#!/usr/bin/env bash
# Sirocco vs llama.cpp on the same synthetic GGUF files (real Mistral Small 3.2 layer shapes, random weights), with
# pinned thread counts, in alternating passes so both see the same machine load. Prints one table (medians of the
# per-pass means, with their range).
#
#   bench/compare.sh [DTYPES] [LAYERS] [THREADS] [P] [N] [REPS] [PASSES]
#   bench/compare.sh "Q4_0 Q8_0 Q4_K_M BF16" 2 1,2 512 128 3 3
#
# Needs: the CLI jar (./mvnw -q -B package -DskipTests) and Node.js 18+; llama.cpp's prebuilt CPU libraries come from
# the npm packages node-llama-cpp and @node-llama-cpp/linux-x64, installed on first use into bench/llama/node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
dtypes="${1:-Q4_0 Q8_0 Q4_K_M BF16}"; layers="${2:-2}"; threads="${3:-1,2}"
p="${4:-512}"; n="${5:-128}"; reps="${6:-3}"; passes="${7:-3}"
out="${BENCH_OUT:-$root/target/bench-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

if [ ! -d "$here/llama/node_modules/@node-llama-cpp/linux-x64" ]; then
  (cd "$here/llama" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund >&2)
fi

for dtype in $dtypes; do
  model="$("$root/sirocco" bench --synthetic mistral-small-3.2 --layers "$layers" --dtype "$dtype" --write-only)"
  for pass in $(seq 1 "$passes"); do
    echo "== $dtype pass $pass: sirocco" >&2
    "$root/sirocco" bench "$model" -t "$threads" -p "$p" -n "$n" -r "$reps" --json $([ "$pass" = 1 ] || echo --no-bandwidth) \
      > "$out/$dtype-sirocco-$pass.json"
    echo "== $dtype pass $pass: llama.cpp" >&2
    node "$here/llama/llama-bench.mjs" "$model" "$threads" "$p" "$n" "$reps" > "$out/$dtype-llama-$pass.json"
  done
done
echo "load: $(cat /proc/loadavg)" > "$out/machine.txt"
lscpu | grep -E "Model name|^CPU\(s\)|L3" >> "$out/machine.txt"
node "$here/llama/table.mjs" "$out"
