"""Writes bench/results/training.md from the JSON results of run.sh.
usage: summarize.py WORK_DIR OUT_MD SEQ BATCH STEPS THREADS"""
import json, platform, statistics, sys

work, out, seq, batch, steps, threads = sys.argv[1:]
r = {(e, m): json.load(open(f"{work}/{e}-{m}.json")) for e in ("selfspec", "pytorch") for m in ("dense", "nf4")}
tokens = int(seq) * int(batch)
best = {k: tokens / min(v["step_seconds"]) for k, v in r.items()}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
lines = [
    "# LoRA training: SelfSpec.Training vs PyTorch",
    "",
    "Random Llama, 99.5M parameters (hidden 768, 8 layers, 12 heads / 4 KV heads, intermediate 2048, vocab 32000), F32 weights;",
    f"LoRA r 8 / alpha 16 on all 7 projections of every layer, AdamW; batch {batch} × {seq} tokens, {steps} timed steps after 1 untimed",
    f"warm-up step, {threads} threads, CPU ({cpu}). PyTorch = Debian python3-torch 1.13 with the same Llama, LoRA and NF4 math written out",
    "(bench/training/reference.py); NF4 = block 64, float32 absmax, dequantised on the fly in forward and backward by both.",
    "tokens/s uses the fastest timed step of each engine (the machine is shared; all step times are listed below).",
    "Peak memory = the process's peak RSS during the training steps (high-water mark reset after loading and quantising).",
    "`bench/training/run.sh` regenerates this file.",
    "",
    "| base weights | engine | tokens/s (best step) | vs PyTorch | peak RSS (MiB) | vs PyTorch |",
    "|---|---|---:|---:|---:|---:|",
]
for m, label in (("dense", "F32"), ("nf4", "NF4 (QLoRA)")):
    p, s = r[("pytorch", m)], r[("selfspec", m)]
    lines.append(f"| {label} | SelfSpec | {best[('selfspec', m)]:.1f} | {best[('selfspec', m)] / best[('pytorch', m)]:.2f}× | {s['peak_rss_mib']:.0f} | {s['peak_rss_mib'] / p['peak_rss_mib']:.2f}× |")
    lines.append(f"| {label} | PyTorch | {best[('pytorch', m)]:.1f} | 1.00× | {p['peak_rss_mib']:.0f} | 1.00× |")
s = r[("selfspec", "nf4")]
lines += ["", f"NF4 base projections (SelfSpec): {s['base_projection_mib_dense']:.1f} MiB dense F32 → {s['base_projection_mib_nf4']:.1f} MiB packed "
          f"({s['base_projection_mib_dense'] / s['base_projection_mib_nf4']:.1f}× smaller).", "",
          "Step times (s):", ""]
lines += [f"- {e} {m}: " + ", ".join(f"{t:.2f}" for t in v["step_seconds"]) for (e, m), v in r.items()]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
