"""PyTorch eager Llama (Hugging Face's computation: RMSNorm, rotate-half RoPE, repeat_kv attention with fp32 softmax,
SwiGLU, KV cache grown with torch.cat as HF's DynamicCache does) timing prefill and greedy decode.

Usage: torch_eager.py MODEL_DIR BATCH PROMPT_LEN NEW_TOKENS THREADS [f32|bf16] [REPS] -> one JSON line (best of REPS)
"""
import json, math, os, resource, struct, sys, time
import torch

model_dir, B, P, N, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
dtype = torch.bfloat16 if (len(sys.argv) > 6 and sys.argv[6] == "bf16") else torch.float32
reps = int(sys.argv[7]) if len(sys.argv) > 7 else 1
torch.set_num_threads(threads)
cfg = json.load(open(os.path.join(model_dir, "config.json")))

def load(path):
    import mmap
    f = open(path, "rb"); n = struct.unpack("<Q", f.read(8))[0]; header = json.loads(f.read(n))
    buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    out = {}
    for name, e in header.items():
        if name == "__metadata__": continue
        a, b = e["data_offsets"]
        raw = torch.frombuffer(bytearray(buf[8 + n + a: 8 + n + b]), dtype=torch.int16 if e["dtype"] == "BF16" else torch.float32)
        t = raw.view(torch.bfloat16) if e["dtype"] == "BF16" else raw
        out[name] = t.view(e["shape"]).to(dtype)
    return out

W = load(os.path.join(model_dir, "model.safetensors"))
H, nh, nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
hd = cfg.get("head_dim", H // nh); eps = cfg["rms_norm_eps"]; L = cfg["num_hidden_layers"]
inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
F = torch.nn.functional

def rms(x, w):
    xf = x.float(); xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * xf.to(x.dtype)

def rot(x):
    return torch.cat((-x[..., hd // 2:], x[..., : hd // 2]), dim=-1)

def forward(ids, cache, past):
    b, t = ids.shape
    pos = torch.arange(past, past + t).float()
    freqs = pos[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos().to(dtype)[None, None], emb.sin().to(dtype)[None, None]
    h = F.embedding(ids, W["model.embed_tokens.weight"])
    mask = None
    if t > 1:
        mask = torch.full((t, past + t), float("-inf")).triu(past + 1)
    for l in range(L):
        p = f"model.layers.{l}."
        x = rms(h, W[p + "input_layernorm.weight"])
        q = F.linear(x, W[p + "self_attn.q_proj.weight"]).view(b, t, nh, hd).transpose(1, 2)
        k = F.linear(x, W[p + "self_attn.k_proj.weight"]).view(b, t, nkv, hd).transpose(1, 2)
        v = F.linear(x, W[p + "self_attn.v_proj.weight"]).view(b, t, nkv, hd).transpose(1, 2)
        q = q * cos + rot(q) * sin; k = k * cos + rot(k) * sin
        if cache[l] is not None:
            k = torch.cat((cache[l][0], k), 2); v = torch.cat((cache[l][1], v), 2)
        cache[l] = (k, v)
        rep = nh // nkv
        kr = k.repeat_interleave(rep, 1) if rep > 1 else k
        vr = v.repeat_interleave(rep, 1) if rep > 1 else v
        s = torch.matmul(q, kr.transpose(2, 3)) / math.sqrt(hd)
        if mask is not None: s = s + mask.to(s.dtype)
        a = torch.softmax(s, -1, dtype=torch.float32).to(dtype)
        o = torch.matmul(a, vr).transpose(1, 2).reshape(b, t, nh * hd)
        h = h + F.linear(o, W[p + "self_attn.o_proj.weight"])
        x = rms(h, W[p + "post_attention_layernorm.weight"])
        h = h + F.linear(F.silu(F.linear(x, W[p + "mlp.gate_proj.weight"])) * F.linear(x, W[p + "mlp.up_proj.weight"]), W[p + "mlp.down_proj.weight"])
    h = rms(h[:, -1:], W["model.norm.weight"])
    return F.linear(h, W["lm_head.weight"]).float()

g = torch.Generator().manual_seed(0)
ids = torch.randint(3, cfg["vocab_size"], (B, P), generator=g)
with torch.inference_mode():
    forward(ids[:, :8], [None] * L, 0)  # warm-up
    best_prefill, best_decode = float("inf"), float("inf")
    cpu_prefill, cpu_decode = float("inf"), float("inf")
    for _ in range(reps):
        cache = [None] * L
        c0 = time.process_time(); t0 = time.perf_counter(); logits = forward(ids, cache, 0); t1 = time.perf_counter()
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        c1 = time.process_time(); t2 = time.perf_counter()
        for i in range(N):
            logits = forward(nxt, cache, P + i); nxt = logits[:, -1].argmax(-1, keepdim=True)
        t3 = time.perf_counter(); c2 = time.process_time()
        best_prefill, best_decode = min(best_prefill, t1 - t0), min(best_decode, t3 - t2)
        cpu_prefill, cpu_decode = min(cpu_prefill, c1 - c0), min(cpu_decode, c2 - c1)
print(json.dumps({"impl": os.environ.get("BENCH_IMPL", "pytorch-eager"), "dtype": "bf16" if dtype == torch.bfloat16 else "f32", "batch": B, "prompt": P, "new": N,
                  "prefill_tok_s": B * P / best_prefill, "decode_tok_s": B * N / best_decode, "decode_ms_step": 1000 * best_decode / N,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "prefill_cpu_ms_tok": 1000 * cpu_prefill / (B * P), "decode_cpu_ms_tok": 1000 * cpu_decode / (B * N)}))
