"""PyTorch reference for LlmBench sampling: one sampled token per row as Hugging Face's generate does it with
temperature 1 and top-p 0.98 (TopPLogitsWarper: ascending sort, softmax, cumsum, scatter, masked fill; then softmax and
multinomial), 8 rows, vocabularies of 2,048 and 32,000; best of 20 x 20 steps.

Usage: torch_sampling.py THREADS -> one JSON line per vocabulary
"""
import json, sys, time
import torch

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(7)

def top_p(scores, p):
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove_sorted = cumulative <= (1 - p)
    remove_sorted[..., -1:] = 0
    remove = remove_sorted.scatter(1, sorted_indices, remove_sorted)
    return scores.masked_fill(remove, -float("inf"))

with torch.no_grad():
    for vocab in (2048, 32000):
        logits = torch.randn(8, vocab, generator=torch.Generator().manual_seed(1)) * 3.0
        step = lambda: torch.multinomial(top_p(logits, 0.98).softmax(-1), 1).view(-1).tolist()
        step()
        best = float("inf")
        for _ in range(20):
            t = time.perf_counter()
            for _ in range(20): step()
            best = min(best, (time.perf_counter() - t) * 1000 / 20)
        print(json.dumps({"impl": "pytorch-eager", "vocab": vocab, "rows": 8, "ms_per_step": best}))
