// Markdown tables from a bench/serving/compare.sh output folder: medians over passes with their range.
// Usage: node table.mjs DIR
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";

const dir = process.argv[2];
const runs = readdirSync(dir).filter(f => f.endsWith(".json")).map(f => JSON.parse(readFileSync(join(dir, f), "utf8")));
const median = a => { const s = [...a].sort((x, y) => x - y); return s[(s.length - 1) >> 1]; };
const stat = (a, d = 1) => a.length ? `${median(a).toFixed(d)} | ${Math.min(...a).toFixed(d)}–${Math.max(...a).toFixed(d)}` : "– | –";
const threads = [...new Set(runs.map(r => r.threads))].sort();
const pick = (engine, t) => runs.filter(r => r.engine === engine && r.threads === t);

console.log(readFileSync(join(dir, "machine.txt"), "utf8").trim().split("\n").map(l => "    " + l).join("\n") + "\n");
console.log("| threads | streams | Sirocco tok/s | range | llama.cpp tok/s | range | Sirocco / llama.cpp |");
console.log("|---:|---:|---:|---|---:|---|---:|");
for (const t of threads) {
    const streams = [...new Set(pick("sirocco", t).flatMap(r => r.throughput.map(x => x.streams)))].sort((a, b) => a - b);
    for (const n of streams) {
        const s = pick("sirocco", t).flatMap(r => r.throughput.filter(x => x.streams === n).map(x => x.tps));
        const l = pick("llama.cpp", t).flatMap(r => r.throughput.filter(x => x.streams === n).map(x => x.tps));
        const ratio = l.length && s.length ? (median(s) / median(l)).toFixed(2) : "–";
        console.log(`| ${t} | ${n} | ${stat(s)} | ${stat(l)} | ${ratio} |`);
    }
}
console.log("\n| threads | engine | TTFT miss ms | range | TTFT hit ms | range | tokens cached |");
console.log("|---:|---|---:|---|---:|---|---:|");
for (const t of threads) {
    for (const e of ["sirocco", "llama.cpp"]) {
        const r = pick(e, t).filter(x => x.ttft_miss_ms !== undefined);
        if (!r.length) continue;
        console.log(`| ${t} | ${e} | ${stat(r.map(x => x.ttft_miss_ms), 0)} | ${stat(r.map(x => x.ttft_hit_ms), 0)} | ${median(r.map(x => x.cached_tokens))} |`);
    }
}
const v = runs.find(r => r.version);
if (v) console.log(`\nllama.cpp: ${v.version} (prebuilt CPU libraries from @node-llama-cpp/linux-x64).`);
