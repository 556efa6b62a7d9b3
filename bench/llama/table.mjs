// Merges the JSON files of bench/compare.sh into one Markdown table: per type, thread count and test, the median
// (and range) over passes of each engine's mean tokens/s, their ratio, and decode bandwidth (bytes per token · t/s).
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";

const dir = process.argv[2];
const runs = {};  // key dtype|engine -> [json]
for (const f of readdirSync(dir).filter(f => f.endsWith(".json"))) {
    const [dtype, engine] = f.replace(/\.json$/, "").split("-");
    (runs[dtype + "|" + engine] ??= []).push(JSON.parse(readFileSync(join(dir, f), "utf8")));
}
const median = a => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (a) => a.length ? `${median(a).toFixed(2)} (${Math.min(...a).toFixed(2)}–${Math.max(...a).toFixed(2)})` : "–";

console.log(readFileSync(join(dir, "machine.txt"), "utf8").trim().split("\n").map(l => "    " + l).join("\n"));
console.log();
console.log("| type | threads | test | Sirocco t/s | llama.cpp t/s | Sirocco / llama.cpp | Sirocco GB/s or GFLOP/s | llama.cpp GB/s or GFLOP/s |");
console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
const dtypes = [...new Set(Object.keys(runs).map(k => k.split("|")[0]))];
for (const dtype of dtypes) {
    const s = runs[dtype + "|sirocco"] ?? [], l = runs[dtype + "|llama"] ?? [];
    const bytes = s[0]?.bytes_per_token ?? 0;
    const keys = [...new Set([...s, ...l].flatMap(r => r.results.map(x => x.threads + "|" + x.test)))];
    for (const key of keys) {
        const [threads, test] = key.split("|");
        const pick = rs => rs.flatMap(r => r.results.filter(x => x.threads + "|" + x.test === key).map(x => x.mean_tps));
        const a = pick(s), b = pick(l);
        const ratio = a.length && b.length ? (median(a) / median(b)).toFixed(2) : "–";
        // decode: bytes read per token · t/s. prompt of P tokens: 2 · multiply-adds / time, where the layers run for
        // every token except the last layer's feed-forward, which (with the output projection) runs once.
        const macs = s[0]?.layer_macs_per_token ?? 0, lastFfn = s[0]?.last_ffn_macs ?? 0, output = s[0]?.output_macs ?? 0;
        const P = Number(test.slice(2));
        const promptMacsPerToken = macs - lastFfn + (lastFfn + output) / P;
        const gbs = v => !v.length ? "" : test.startsWith("tg") ? (median(v) * bytes / 1e9).toFixed(1) + " GB/s"
            : macs ? (median(v) * 2 * promptMacsPerToken / 1e9).toFixed(0) + " GFLOP/s" : "";
        console.log(`| ${dtype} | ${threads} | ${test} | ${fmt(a)} | ${fmt(b)} | ${ratio} | ${gbs(a)} | ${gbs(b)} |`);
    }
}
for (const dtype of dtypes) {
    const s = runs[dtype + "|sirocco"] ?? [], l = runs[dtype + "|llama"] ?? [];
    const read = s.map(r => r.read_gbs).filter(Boolean);
    console.log(`\n${dtype}: ${s[0]?.describe ?? ""}; ${((s[0]?.bytes_per_token ?? 0) / 1e9).toFixed(2)} GB read per token;` +
        ` load Sirocco ${fmt(s.map(r => r.load_seconds))} s, llama.cpp ${fmt(l.map(r => r.load_seconds))} s` +
        (read.length ? `; measured read bandwidth ${read.map(v => v.toFixed(1)).join(", ")} GB/s` : "") + `; ${s[0]?.simd ?? ""}`);
}
