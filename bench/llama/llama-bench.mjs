// llama.cpp's throughput on a GGUF, measured like llama-bench (pp: one batch of P tokens into an empty context;
// tg: N single-token steps from an empty context; R repetitions after a warm-up), through node-llama-cpp's prebuilt
// CPU libraries. Prints one JSON object. Usage: node llama-bench.mjs MODEL.gguf THREADS(1,2) P N R
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const version = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url))).version;

const [modelPath, threadList = "1,2", pArg = "512", nArg = "128", rArg = "3"] = process.argv.slice(2);
const P = Number(pArg), N = Number(nArg), R = Number(rArg);

// maxThreads 0: the context's thread count is used as given, never lowered by node-llama-cpp's scheduler.
const llama = await getLlama({gpu: false, build: "never", maxThreads: 0, logLevel: LlamaLogLevel.warn});
const t0 = performance.now();
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const loadSeconds = (performance.now() - t0) / 1000;
const results = [];

function randomTokens(n, seed) {
    // ids among the 256 byte tokens (the last 256 ids): ordinary tokens for any of the bench vocabularies
    const out = [];
    let s = seed;
    for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        out.push(1000 + (s % 256));
    }
    return out;
}

for (const threads of threadList.split(",").map(Number)) {
    const context = await model.createContext({contextSize: Math.max(P, N) + 16, batchSize: Math.max(P, 1), threads, sequences: 1});
    for (const [test, n, prompt] of [["pp" + P, P, true], ["tg" + N, N, false]]) {
        if (n <= 0) continue;
        const samples = [];
        for (let r = -1; r < R; r++) {
            const seq = context.getSequence();
            const count = r < 0 ? Math.min(n, prompt ? 16 : 4) : n;
            const start = performance.now();
            if (prompt) {
                await seq.evaluateWithoutGeneratingNewTokens(randomTokens(count, 7 + r));
            } else {
                let made = 0;
                for await (const token of seq.evaluate([1], {temperature: 0})) {
                    if (++made >= count) break;
                }
            }
            const s = (performance.now() - start) / 1000;
            if (r >= 0) samples.push(count / s);
            seq.dispose();
        }
        const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
        const sd = samples.length > 1 ? Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1)) : 0;
        results.push({threads, test, mean_tps: mean, stddev_tps: sd, samples_tps: samples});
        process.stderr.write(`  llama.cpp t=${threads} ${test}: ${samples.map(v => v.toFixed(2)).join(", ")} t/s\n`);
    }
    await context.dispose();
}
console.log(JSON.stringify({model: modelPath, load_seconds: loadSeconds, backend: "llama.cpp (node-llama-cpp " + version + ")", results}));
await model.dispose();
await llama.dispose();
