// The ONNX Runtime peer for `make bench`: runs the exported GPT-2 graph
// (tools/bench/export_onnx.py: logits + every layer's attention) with
// onnxruntime-node on the CPU, 2 intra-op threads, all graph optimisations.
//
// usage: NODE_PATH=build/ort/node_modules node tools/bench/ort_gpt2.js MODEL.onnx T
// Prints `ort_ms=<median>` last.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
    const [file, tArg] = process.argv.slice(2);
    const T = parseInt(tArg, 10);
    const t0 = Date.now();
    const session = await ort.InferenceSession.create(file, {
        intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    });
    const createMs = Date.now() - t0;
    const feed = (n, f) => ({ ids: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(f(i))), [n]) });
    // the same check as export_onnx.py prints: logits[0, :3] for ids 0..4
    const check = await session.run(feed(5, (i) => i));
    let s = 12345;
    const ids = [];
    for (let i = 0; i < T; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; ids.push((s >>> 8) % 50257); }
    const input = feed(T, (i) => ids[i]);
    await session.run(input); // warm-up
    const times = [];
    const start = performance.now();
    while (times.length < 64 && (times.length < 5 || performance.now() - start < 3000)) {
        const a = performance.now();
        const out = await session.run(input);
        times.push(performance.now() - a);
        if (out.attentions.dims[3] !== T) throw new Error('attentions has the wrong shape');
    }
    times.sort((x, y) => x - y);
    console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version} threads=2 tokens=${T} runs=${times.length} session_ms=${createMs} check: logits[0,:3] ${Array.from(check.logits.data.slice(0, 3)).join(',')}`);
    console.log(`ort_ms=${times[Math.floor(times.length / 2)].toFixed(3)}`);
}

main().catch((e) => { console.error(`ort_gpt2: ${e.message}`); process.exit(1); });
