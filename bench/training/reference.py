"""PyTorch reference for the training benchmark: the same Llama forward, LoRA and NF4 math written out in plain
torch (Debian python3-torch 1.13), timed the same way as TrainBench.

usage: /usr/bin/python3 reference.py MODEL_DIR SEQ BATCH STEPS THREADS {dense|nf4} OUT_JSON
"""
import json, math, os, struct, sys, time
import numpy as np
import torch

NF4 = torch.tensor([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                    0.7229568362236023, 1.0])
PROJ = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


def rss_peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def load(model_dir):
    idx = json.load(open(os.path.join(model_dir, "model.safetensors.index.json")))
    out = {}
    for file in sorted(set(idx["weight_map"].values())):
        b = open(os.path.join(model_dir, file), "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        h = json.loads(b[8:8 + n])
        for k, v in h.items():
            if k == "__metadata__":
                continue
            s, e = v["data_offsets"]
            out[k] = torch.from_numpy(np.frombuffer(b, dtype="<f4", count=(e - s) // 4, offset=8 + n + s).copy()).view(v["shape"])
        del b
    return out


class Nf4Linear(torch.autograd.Function):
    """x @ W.T with W rebuilt from packed NF4 codes in forward and again in backward (frozen weight)."""

    @staticmethod
    def forward(ctx, x, packed, absmax, shape):
        ctx.save_for_backward(packed, absmax)
        ctx.shape = shape
        return x @ dequantize(packed, absmax, shape).t()

    @staticmethod
    def backward(ctx, g):
        packed, absmax = ctx.saved_tensors
        return g @ dequantize(packed, absmax, ctx.shape), None, None, None


def quantize(w, block=64):
    flat = w.reshape(-1, block)
    absmax = flat.abs().max(dim=1).values
    scaled = flat / absmax[:, None]
    mids = (NF4[1:] + NF4[:-1]) / 2
    idx = torch.bucketize(scaled.contiguous(), mids).to(torch.uint8).reshape(-1)
    packed = (idx[0::2] << 4) | idx[1::2]
    return packed, absmax


def dequantize(packed, absmax, shape, block=64):
    idx = torch.stack([packed >> 4, packed & 15], dim=1).reshape(-1).long()
    return (NF4[idx].view(-1, block) * absmax[:, None]).view(shape)


def main(model_dir, seq, batch, steps, threads, mode, out_json):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    H, nh, nkv, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps, L, V = cfg["rms_norm_eps"], cfg["num_hidden_layers"], cfg["vocab_size"]
    w = load(model_dir)
    base = {}
    for l in range(L):
        for p in PROJ:
            name = f"model.layers.{l}.{p}.weight"
            t = w.pop(name)
            base[(l, p)] = ("nf4", quantize(t), tuple(t.shape)) if mode == "nf4" else ("dense", t, tuple(t.shape))
    r, alpha = 8, 16
    scale = alpha / r
    lora = {}
    for (l, p), (_, _, shape) in base.items():
        a = torch.empty(r, shape[1]).uniform_(-1 / math.sqrt(shape[1]), 1 / math.sqrt(shape[1])).requires_grad_()
        b = torch.zeros(shape[0], r).requires_grad_()
        lora[(l, p)] = (a, b)
    params = [t for pair in lora.values() for t in pair]
    opt = torch.optim.AdamW(params, lr=3e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    pos = torch.arange(seq, dtype=torch.float32)
    emb = torch.cat([pos[:, None] * inv, pos[:, None] * inv], -1)
    cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]
    mask = torch.full((seq, seq), float("-inf")).triu(1)

    def rms(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight

    def proj(l, p, x):
        kind, data, shape = base[(l, p)]
        y = Nf4Linear.apply(x, data[0], data[1], shape) if kind == "nf4" else x @ data.t()
        a, b = lora[(l, p)]
        return y + (x @ a.t()) @ b.t() * scale

    def rope(x):
        half = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def forward(ids):
        B, T = ids.shape
        h = w["model.embed_tokens.weight"][ids]
        for l in range(L):
            x = rms(h, w[f"model.layers.{l}.input_layernorm.weight"])
            q = rope(proj(l, "self_attn.q_proj", x).view(B, T, nh, hd)).transpose(1, 2)
            k = rope(proj(l, "self_attn.k_proj", x).view(B, T, nkv, hd)).transpose(1, 2)
            v = proj(l, "self_attn.v_proj", x).view(B, T, nkv, hd).transpose(1, 2)
            k = k.repeat_interleave(nh // nkv, 1)
            v = v.repeat_interleave(nh // nkv, 1)
            att = (q @ k.transpose(2, 3) / math.sqrt(hd) + mask).softmax(-1)
            ctx = (att @ v).transpose(1, 2).reshape(B, T, nh * hd)
            h = h + proj(l, "self_attn.o_proj", ctx)
            x = rms(h, w[f"model.layers.{l}.post_attention_layernorm.weight"])
            h = h + proj(l, "mlp.down_proj", torch.nn.functional.silu(proj(l, "mlp.gate_proj", x)) * proj(l, "mlp.up_proj", x))
        return rms(h, w["model.norm.weight"]) @ w["lm_head.weight"].t()

    g = torch.Generator().manual_seed(1)
    ids = torch.randint(3, V, (batch, seq), generator=g)
    labels = ids.clone()
    labels[:, : seq // 4] = -100
    reset_peak()
    times = []
    for step in range(steps + 1):  # the first step warms up and is not timed
        t0 = time.perf_counter()
        logits = forward(ids)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step > 0:
            times.append(time.perf_counter() - t0)
    result = {"engine": "pytorch", "mode": mode, "tokens_per_second": batch * seq * len(times) / sum(times),
              "peak_rss_mib": rss_peak_mib(), "step_seconds": times, "loss": loss.item()}
    json.dump(result, open(out_json, "w"))
    print(json.dumps(result))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]), a[5], a[6])
