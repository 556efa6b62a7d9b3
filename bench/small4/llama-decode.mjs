// llama.cpp's single-sequence decode tokens/s on a GGUF (through node-llama-cpp's prebuilt CPU libraries), measured
// like io.sirocco.engine.bench.Small4DecodePass: the same 8-token prompt, WARMUP steps, then STEPS timed steps.
// Prints one JSON line. Usage: node llama-decode.mjs MODEL.gguf THREADS WARMUP STEPS
import {getLlama, LlamaLogLevel} from "../serving/node_modules/node-llama-cpp/dist/index.js";
import {readFileSync} from "node:fs";

const version = JSON.parse(readFileSync(new URL("../serving/node_modules/node-llama-cpp/package.json", import.meta.url))).version;
const [modelPath, threadsArg, warmupArg, stepsArg] = process.argv.slice(2);
const threads = Number(threadsArg), warmup = Number(warmupArg), steps = Number(stepsArg);
const PROMPT = [1, 1784, 3937, 2135, 1044, 1278, 2027, 1321];

// maxThreads 0: the context's thread count is used as given, never lowered by node-llama-cpp's scheduler.
const llama = await getLlama({gpu: false, build: "never", maxThreads: 0, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const context = await model.createContext({contextSize: PROMPT.length + warmup + steps + 16, batchSize: 64, threads, sequences: 1});
const seq = context.getSequence();
// Token i of the generator is sampled after i evaluations past the prompt; time the last STEPS of them.
let made = 0, t0 = 0;
for await (const token of seq.evaluate(PROMPT, {temperature: 0})) {
    made++;
    if (made === warmup + 1) t0 = performance.now();
    if (made === warmup + 1 + steps) break;
}
const s = (performance.now() - t0) / 1000;
process.stderr.write(`  llama.cpp t=${threads}: ${(steps / s).toFixed(2)} tok/s\n`);
console.log(JSON.stringify({engine: "llama.cpp", version: "node-llama-cpp " + version, threads, tps: steps / s}));
await context.dispose();
await model.dispose();
await llama.dispose();
