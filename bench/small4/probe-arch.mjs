// Does the llama.cpp build inside node-llama-cpp load a GGUF of a given architecture? Usage: node probe-arch.mjs MODEL.gguf
import {getLlama, LlamaLogLevel} from "../serving/node_modules/node-llama-cpp/dist/index.js";
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.warn});
try {
    const model = await llama.loadModel({modelPath: process.argv[2], gpuLayers: 0});
    const ctx = await model.createContext({contextSize: 64, threads: 1});
    const seq = ctx.getSequence();
    let out = [];
    for await (const t of seq.evaluate(model.tokenize("Hello"), {temperature: 0})) { out.push(t); if (out.length >= 4) break; }
    console.log(JSON.stringify({loaded: true, tokens: out}));
} catch (e) {
    console.log(JSON.stringify({loaded: false, error: String(e.message ?? e)}));
}
