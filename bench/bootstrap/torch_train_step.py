"""PyTorch eager reference for the bootstrap trainer's speed: the same model folder (our Llama, read by the test
suite's independent reference implementation), the same batch shape and threads; full-weight forward + backward +
clip + AdamW, timed per step (best of STEPS after one warm-up). Prints one JSON line.

Usage: torch_train_step.py MODEL_DIR BATCH SEQ THREADS STEPS
"""
import json, os, sys, time
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "SelfSpec.TestSupport", "python"))
from llama_reference import Llama  # noqa: E402

model_dir, batch, seq, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
model = Llama(model_dir)
params = list(model.params().values())
for p in params:
    p.requires_grad_(True)
opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
vocab = model.cfg["vocab_size"]
g = torch.Generator().manual_seed(0)
times = []
for s in range(steps + 1):
    ids = torch.randint(0, vocab, (batch, seq), generator=g)
    t0 = time.perf_counter()
    logits = model.forward(ids)
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if s > 0:
        times.append(time.perf_counter() - t0)
print(json.dumps({"impl": "pytorch-eager", "s_per_step_best": min(times), "s_per_step_median": sorted(times)[len(times) // 2],
                  "tokens_per_s_best": batch * seq / min(times)}))
