#!/usr/bin/env bash
# JMH benchmark of the matmul kernels (engine test sources, io.sirocco.tensor.kernel.KernelJmh): one thread, decode
# (n=1, 16384×5120) and prefill (n=512, 4096×5120) per weight type, int8 prefill off/on.
#
#   bench/jmh.sh                       # everything (≈ 15 min)
#   bench/jmh.sh -p type=Q4_0 -p n=1   # any JMH options, e.g. a subset of the parameters
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./mvnw -q -B -pl engine test-compile dependency:build-classpath -Dmdep.outputFile="$root/target/jmh.classpath" -Dmdep.includeScope=test
java_bin="$(./sirocco --print-java 2>/dev/null || command -v java)"
exec "$java_bin" --add-modules jdk.incubator.vector -cp "engine/target/test-classes:engine/target/classes:$(cat target/jmh.classpath)" \
  org.openjdk.jmh.Main KernelJmh "$@"
