// One pass of the serving comparison on llama.cpp (through node-llama-cpp's prebuilt CPU libraries): the same
// measurements as io.sirocco.engine.bench.ServingPass, printed as one JSON line.
//
// N slots = one context of N sequences generating concurrently: node-llama-cpp puts the pending tokens of all
// sequences into one llama_decode batch per cycle, which is what llama-server does with --parallel N.
// TTFT hit = llama-server's prompt cache: the slot keeps its evaluated tokens, the differing tail is erased and only
// the new user turn is evaluated.
//
// Usage: node llama-serving.mjs MODEL.gguf THREADS STREAMS(1,2,4,8,16) PROMPT TOKENS SYSTEM SEED
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const version = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url))).version;
const [modelPath, threadsArg, streamsArg, promptArg, tokensArg, systemArg, seedArg] = process.argv.slice(2);
const threads = Number(threadsArg), promptLen = Number(promptArg), tokens = Number(tokensArg);
const system = Number(systemArg), seed = Number(seedArg);
const streams = streamsArg.split(",").map(Number);

// maxThreads 0: the context's thread count is used as given, never lowered by node-llama-cpp's scheduler.
const llama = await getLlama({gpu: false, build: "never", maxThreads: 0, logLevel: LlamaLogLevel.warn});
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const vocab = model.tokens.vocabSize ?? 1256;

function rng(s) {
    let x = (s * 2654435761 + 12345) >>> 0 || 1;
    return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
function randomPrompt(next, n) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(1000 + next() % (vocab - 1000));  // byte tokens, never a control token
    return out;
}

/** N sequences of one context, each given its own prompt and generating TOKENS greedily, all at once. */
async function throughput(n, s) {
    const context = await model.createContext({contextSize: promptLen + tokens + 16, sequences: n, batchSize: 512, threads});
    const next = rng(s);
    const first = new Array(n).fill(0), stamps = [];
    await Promise.all(Array.from({length: n}, async (_, i) => {
        const seq = context.getSequence();
        let made = 0;
        for await (const token of seq.evaluate(randomPrompt(next, promptLen), {temperature: 0})) {
            const now = performance.now();
            if (made === 0) first[i] = now;
            stamps.push(now);
            if (++made >= tokens) break;
        }
    }));
    await context.dispose();
    // decode phase only: tokens after every stream has its first one (as ServingPass / EngineBench count)
    const start = Math.max(...first);
    const after = stamps.filter(t => t > start);
    return after.length / ((Math.max(...after) - start) / 1000);
}

async function ttft(s) {
    const next = rng(s);
    const sys = randomPrompt(next, system), u1 = randomPrompt(next, 16), u2 = randomPrompt(next, 16);
    const context = await model.createContext({contextSize: system + 64, sequences: 1, batchSize: 512, threads});
    const seq = context.getSequence();
    async function firstToken(tokens) {
        for await (const token of seq.evaluate(tokens, {temperature: 0})) return token;
    }
    let t0 = performance.now();
    await firstToken(sys.concat(u1));
    const miss = performance.now() - t0;
    t0 = performance.now();
    const full = sys.concat(u2);
    const keep = seq.compareContextTokens(full).firstDifferentIndex;
    await seq.eraseContextTokenRanges([{start: keep, end: seq.nextTokenIndex}]);
    await firstToken(full.slice(keep));
    const hit = performance.now() - t0;
    await context.dispose();
    return {miss, hit, cached: keep};
}

await throughput(4, seed - 1);  // warm-up, not reported
const result = {engine: "llama.cpp", version: "node-llama-cpp " + version, threads, throughput: []};
for (const n of streams) {
    const tps = await throughput(n, seed + n);
    result.throughput.push({streams: n, tps});
    process.stderr.write(`  llama.cpp ${String(n).padStart(2)} streams: ${tps.toFixed(1)} tok/s\n`);
}
if (system > 0) {
    const t = await ttft(seed);
    Object.assign(result, {ttft_miss_ms: t.miss, ttft_hit_ms: t.hit, cached_tokens: t.cached});
    process.stderr.write(`  llama.cpp TTFT miss ${t.miss.toFixed(0)} ms, hit ${t.hit.toFixed(0)} ms (${t.cached} cached)\n`);
}
console.log(JSON.stringify(result));
await model.dispose();
await llama.dispose();
