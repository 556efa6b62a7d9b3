#!/usr/bin/env bash
# Serving comparison (issue 6): Sirocco's BatchingEngine vs llama.cpp with the same number of slots, on the same
# synthetic dense GGUF, in alternating passes (sirocco, llama.cpp, sirocco, …) so both see the same machine load.
# Per pass and thread count: aggregate decode tokens/s at each stream count, TTFT of a SYSTEM-token shared system
# prompt + 16-token user turn with an empty cache (miss) and right after with the system prompt cached (hit).
# Prints a markdown table of medians with their range over passes.
#
#   bench/serving/compare.sh [THREADS(1,2)] [STREAMS(1,2,4,8,16)] [PASSES(5)] [DIM(1024)] [LAYERS(4)] [TYPE(Q8_0)]
#
# Env: PROMPT (32) prompt tokens per stream, TOKENS (32) generated per stream, SYSTEM (2000).
# Needs Java 25, Node.js 18+, and `./mvnw -q -B -o -pl engine compile` done; node-llama-cpp and
# @node-llama-cpp/linux-x64 (llama.cpp's prebuilt CPU libraries) are installed into bench/serving/node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
threads="${1:-1,2}"; streams="${2:-1,2,4,8,16}"; passes="${3:-5}"
dim="${4:-1024}"; layers="${5:-4}"; type="${6:-Q8_0}"
prompt="${PROMPT:-32}"; tokens="${TOKENS:-32}"; system="${SYSTEM:-2000}"
out="${BENCH_OUT:-$root/target/bench/serving-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

java="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
[ -x "$java" ] || java=java
if [ ! -f "$root/engine/target/cp.txt" ]; then
  (cd "$root" && ./mvnw -q -B -o -pl engine dependency:build-classpath -Dmdep.outputFile=target/cp.txt >&2)
fi
cp="$root/engine/target/classes:$(cat "$root/engine/target/cp.txt")"
jrun() { "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp "$cp" "$@" 2> >(grep -v "^WARNING" >&2); }
if [ ! -d "$here/node_modules/@node-llama-cpp/linux-x64" ]; then
  (cd "$here" && npm install --no-audit --no-fund >&2)
fi

model="$root/target/bench/serving-${dim}x${layers}-${type}.gguf"
[ -f "$model" ] || jrun io.sirocco.engine.bench.ServingPass --write "$model" "$dim" "$layers" "$type"

{ echo "model: $(basename "$model") dim $dim, $layers layers, ffn $((4 * dim)), $((dim / 64))/4 heads of 64, $type, $(du -h "$model" | cut -f1)"
  echo "prompt $prompt tokens/stream, $tokens generated/stream, system $system"
  lscpu | grep -E "Model name|^CPU\(s\)"
  echo "load before: $(cat /proc/loadavg)"; } > "$out/machine.txt"
for pass in $(seq 1 "$passes"); do
  for t in ${threads//,/ }; do
    echo "== pass $pass, $t threads: sirocco ($(cut -d' ' -f1 /proc/loadavg))" >&2
    jrun io.sirocco.engine.bench.ServingPass "$model" "$t" "$streams" "$prompt" "$tokens" "$system" "$pass" > "$out/sirocco-t$t-$pass.json"
    echo "== pass $pass, $t threads: llama.cpp ($(cut -d' ' -f1 /proc/loadavg))" >&2
    node "$here/llama-serving.mjs" "$model" "$t" "$streams" "$prompt" "$tokens" "$system" "$pass" > "$out/llama-t$t-$pass.json"
  done
  echo "load after pass $pass: $(cat /proc/loadavg)" >> "$out/machine.txt"
done
node "$here/table.mjs" "$out" | tee "$out/table.md"
