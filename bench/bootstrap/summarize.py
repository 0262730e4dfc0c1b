"""Writes bench/results/bootstrap.md from the logs bench/bootstrap/run.sh leaves in WORK."""
import json, re, sys
work, out, threads, prompts, max_new, lb, la, cores = sys.argv[1:]
full = [l for l in open(work + "/full.log") if l.startswith("RESULT ")]
r = json.loads(full[-1][7:])
tp = open(work + "/throughput.log").read()
cpu_tps = float(re.search(r"cpu-tokens/s=(\d+)", tp).group(1))
ours_sps = float(re.search(r"s/step=([\d.]+)", tp).group(1))
tp2 = float(re.search(r"tokens/s=(\d+)", open(work + "/throughput2.log").read()).group(1))
torch = json.loads(open(work + "/torch.json").read().strip().splitlines()[-1])
items = max(r["items"], 1)
lines = [
    "# Bootstrap model (BootstrapBaseModel defaults)",
    "",
    f"Machine: {cores} cores, load average {lb} before / {la} after (shared with other work). Threads: {threads}.",
    "",
    "| measure | value |",
    "|---|---|",
    f"| parameters | {r['parameters']:,} |",
    f"| corpus | {r['documents']} documents, {r['corpus_tokens']:,} tokens |",
    f"| training | {r['steps']} steps, {r['tokens']:,} tokens |",
    f"| training wall time ({threads} thread(s), this load) | {r['train_wall_s']:.0f} s |",
    f"| bootstrap wall / CPU time (corpus + tokenizer + training + save) | {r['bootstrap_wall_s']:.0f} s / {r['bootstrap_cpu_s']:.0f} CPU-s |",
    f"| training throughput, 1 thread, CPU time | {cpu_tps:.0f} tokens per CPU-second -> {r['tokens'] / cpu_tps:.0f} s on one free core |",
    f"| training throughput, 2 threads, wall | {tp2:.0f} tokens/s -> {r['tokens'] / tp2:.0f} s for the default run |",
    f"| loss first step / mean of last 20 | {r['loss_first']:.2f} / {r['loss_last20']:.2f} |",
    f"| instruction generation: prompts (T=1.0, top-p 0.98, {max_new} new tokens) | {r['prompts']} in {r['generation_wall_s']:.0f} s, {r['truncated']} hit the length limit |",
    f"| prompts yielding >= 1 parsed item | {r['prompts_with_items']} ({100 * r['prompts_with_items'] / r['prompts']:.0f}%) |",
    f"| parsed items / kept by the filter | {r['items']} / {r['kept']} ({100 * r['kept'] / items:.0f}%) |",
    f"| rejections | {', '.join(f'{k} {v}' for k, v in sorted(r['rejected'].items()))} |",
    "",
    "Training step, same model folder and batch (4 x 512), same threads:",
    "",
    "| implementation | s/step (best) | tokens/s |",
    "|---|---|---|",
    f"| SelfSpec (CausalLmPretrainer), 1 thread, wall | {ours_sps:.3f} | {4 * 512 / ours_sps:.0f} |",
    f"| PyTorch eager ({threads} thread(s)) | {torch['s_per_step_best']:.3f} | {torch['tokens_per_s_best']:.0f} |",
    "",
    "Kept instructions (first five):",
    "",
] + [f"- {' '.join(e.split())}" for e in r["examples"]]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
