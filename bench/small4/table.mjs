// Markdown table from a bench/small4/compare.sh output folder: medians over passes with their range.
// Usage: node table.mjs DIR
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";

const dir = process.argv[2];
const runs = readdirSync(dir).filter(f => f.endsWith(".json")).map(f => JSON.parse(readFileSync(join(dir, f), "utf8")));
const median = a => { const s = [...a].sort((x, y) => x - y); return s[(s.length - 1) >> 1]; };
const stat = a => a.length ? `${median(a).toFixed(2)} | ${Math.min(...a).toFixed(2)}–${Math.max(...a).toFixed(2)}` : "– | –";
const threads = [...new Set(runs.map(r => r.threads))].sort();
const pick = (engine, t) => runs.filter(r => r.engine === engine && r.threads === t);

console.log(readFileSync(join(dir, "machine.txt"), "utf8").trim().split("\n").map(l => "    " + l).join("\n") + "\n");
console.log("| threads | Sirocco tok/s | range | llama.cpp tok/s | range | Sirocco / llama.cpp | Sirocco MB read/token | Sirocco GB/s |");
console.log("|---:|---:|---|---:|---|---:|---:|---:|");
for (const t of threads) {
    const s = pick("sirocco", t), l = pick("llama.cpp", t);
    const st = s.map(r => r.tps), lt = l.map(r => r.tps);
    const mb = s.length ? median(s.map(r => r.bytes_per_token)) / 1e6 : NaN;
    const ratio = st.length && lt.length ? (median(st) / median(lt)).toFixed(2) : "–";
    console.log(`| ${t} | ${stat(st)} | ${stat(lt)} | ${ratio} | ${mb.toFixed(1)} | ${(mb * median(st) / 1000).toFixed(2)} |`);
}
const p = runs.find(r => r.parts)?.parts;
if (p) {
    const f = v => (v / 1e6).toFixed(1);
    console.log(`\nSirocco bytes read in one decode step (MB): embeddings ${f(p.embeddings)}, attention ${f(p.attention)}, router ${f(p.router)}, `
        + `routed experts ${f(p.routed_experts)} (${p.routed_experts_read} layer-experts), shared experts ${f(p.shared_experts)}, output ${f(p.output)}.`);
}
const v = runs.find(r => r.version);
if (v) console.log(`\nllama.cpp: ${v.version} (prebuilt CPU libraries from @node-llama-cpp/linux-x64).`);
