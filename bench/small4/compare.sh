#!/usr/bin/env bash
# Mistral Small 4 decode (issue 8): Sirocco vs llama.cpp on the same synthetic mistral4 GGUF with Small 4's real layer
# shapes (dim 4096, MLA q_lora 1024 / kv_lora 256, 128 experts of 2048 + 1 shared, 4 routed per token, vocab 131072)
# and fewer layers, in alternating passes. Per pass: single-sequence decode tokens/s after WARMUP steps, and
# (Sirocco) the weight bytes read per token from Mistral4Decoder.weightReadsLastStep().
#
#   bench/small4/compare.sh [THREADS(1,2)] [PASSES(3)] [LAYERS(2)] [TYPE(Q4_0)] [OUTPUT_TYPE(Q6_K)] [WARMUP(16)] [STEPS(32)]
#
# Needs Java 25, Node.js 18+, `./mvnw -q -B -o -pl engine compile` done, and shared/testdata/tekken/tekken.json (the
# vocabulary). The model (~4.6 GB for 2 layers) is written once to target/bench/. llama.cpp comes from the npm
# packages in bench/serving/ (installed there on first use).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
threads="${1:-1,2}"; passes="${2:-3}"; layers="${3:-2}"; type="${4:-Q4_0}"; otype="${5:-Q6_K}"
warmup="${6:-16}"; steps="${7:-32}"
out="${BENCH_OUT:-$root/target/bench/small4-$(date +%Y%m%d-%H%M%S)}"
tekken="${TEKKEN:-$root/../shared/testdata/tekken/tekken.json}"
mkdir -p "$out"

java="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
[ -x "$java" ] || java=java
if [ ! -f "$root/engine/target/cp.txt" ]; then
  (cd "$root" && ./mvnw -q -B -o -pl engine dependency:build-classpath -Dmdep.outputFile=target/cp.txt >&2)
fi
cp="${EXTRA_CP:+$EXTRA_CP:}$root/engine/target/classes:$(cat "$root/engine/target/cp.txt")"
jrun() { "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp "$cp" "$@" 2> >(grep -v "^WARNING" >&2); }
if [ ! -d "$root/bench/serving/node_modules/@node-llama-cpp/linux-x64" ]; then
  (cd "$root/bench/serving" && npm install --no-audit --no-fund >&2)
fi

model="$root/target/bench/small4-${layers}l-${type}-${otype}.gguf"
[ -f "$model" ] || jrun io.sirocco.engine.bench.Small4DecodePass --write "$model" "$layers" "$type" "$otype" "$tekken"

{ echo "model: $(basename "$model"), Small 4 layer shapes, $layers layers, matrices $type, token_embd/output $otype, $(du -h "$model" | cut -f1)"
  echo "decode: 8-token prompt, $warmup warm-up steps, $steps timed steps, 1 sequence"
  lscpu | grep -E "Model name|^CPU\(s\)"
  echo "load before: $(cat /proc/loadavg)"; } > "$out/machine.txt"
for pass in $(seq 1 "$passes"); do
  for t in ${threads//,/ }; do
    echo "== pass $pass, $t threads: sirocco ($(cut -d' ' -f1 /proc/loadavg))" >&2
    jrun io.sirocco.engine.bench.Small4DecodePass "$model" "$t" "$warmup" "$steps" > "$out/sirocco-t$t-$pass.json"
    echo "== pass $pass, $t threads: llama.cpp ($(cut -d' ' -f1 /proc/loadavg))" >&2
    node "$here/llama-decode.mjs" "$model" "$t" "$warmup" "$steps" > "$out/llama-t$t-$pass.json"
  done
  echo "load after pass $pass: $(cat /proc/loadavg)" >> "$out/machine.txt"
done
node "$here/table.mjs" "$out" | tee "$out/table.md"
