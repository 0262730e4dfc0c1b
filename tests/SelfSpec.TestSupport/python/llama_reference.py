"""An independent PyTorch reference for SelfSpec's Llama: reads a Hugging Face folder's config.json and
model.safetensors (the header parsed with json + struct, tensors built with torch.frombuffer; no transformers, no
safetensors package) and runs Hugging Face's Llama computation in plain eager PyTorch.

  llama_reference.py forward MODEL_DIR REQUEST.json OUT.safetensors
      REQUEST: {"input_ids": [[...], ...]} -> OUT holds "logits" [B, T, V] (float32)
  llama_reference.py train MODEL_DIR REQUEST.json OUT.safetensors
      REQUEST: {"batches": [[[...]...]...], "lr": [...], "beta1", "beta2", "eps", "weight_decay", "max_grad_norm",
                "labels": optional, shaped like "batches", -100 = not a target}
      one AdamW step per batch (mean next-token cross-entropy over every position, or over the labelled targets
      with ignore_index=-100 when "labels" is given; clip_grad_norm_, two parameter
      groups: weight decay on matrices, none on vectors) -> OUT holds every weight after the steps, plus
      "losses" and "grad_norms" (float64 vectors, one entry per step)

Run with Debian's /usr/bin/python3 (python3-torch).
"""
import json, struct, sys
import torch

F = torch.nn.functional
DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        raw = bytearray(data[8 + n + a: 8 + n + b])
        dt = DTYPES[e["dtype"]]
        if dt == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(raw, dtype=dt)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    names = sorted(tensors)
    header, offset, blobs = {}, 0, []
    for name in names:
        t = tensors[name].detach().contiguous()
        code = {torch.float32: "F32", torch.float64: "F64"}[t.dtype]
        blob = t.numpy().tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


class Llama:
    def __init__(self, model_dir):
        self.cfg = json.load(open(model_dir + "/config.json"))
        self.w = {k: v.float() for k, v in read_safetensors(model_dir + "/model.safetensors").items()}
        c = self.cfg
        self.hidden, self.heads, self.kv_heads = c["hidden_size"], c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.head_dim = c.get("head_dim", self.hidden // self.heads)
        self.eps, self.layers = c["rms_norm_eps"], c["num_hidden_layers"]
        self.tied = c.get("tie_word_embeddings", False)
        self.inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))

    def params(self):
        return self.w

    def rms(self, x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def rotate_half(self, x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def forward(self, ids):
        w, b, t = self.w, ids.shape[0], ids.shape[1]
        hd, nh, nkv = self.head_dim, self.heads, self.kv_heads
        freqs = torch.arange(t).float()[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        causal = torch.full((t, t), float("-inf")).triu(1)
        h = F.embedding(ids, w["model.embed_tokens.weight"])
        for l in range(self.layers):
            p = "model.layers.%d." % l
            x = self.rms(h, w[p + "input_layernorm.weight"])
            q = F.linear(x, w[p + "self_attn.q_proj.weight"]).view(b, t, nh, hd).transpose(1, 2)
            k = F.linear(x, w[p + "self_attn.k_proj.weight"]).view(b, t, nkv, hd).transpose(1, 2)
            v = F.linear(x, w[p + "self_attn.v_proj.weight"]).view(b, t, nkv, hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            k = k.repeat_interleave(nh // nkv, dim=1)
            v = v.repeat_interleave(nh // nkv, dim=1)
            scores = q @ k.transpose(2, 3) / (hd ** 0.5) + causal
            attn = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, nh * hd)
            h = h + F.linear(attn, w[p + "self_attn.o_proj.weight"])
            x = self.rms(h, w[p + "post_attention_layernorm.weight"])
            mlp = F.silu(F.linear(x, w[p + "mlp.gate_proj.weight"])) * F.linear(x, w[p + "mlp.up_proj.weight"])
            h = h + F.linear(mlp, w[p + "mlp.down_proj.weight"])
        h = self.rms(h, w["model.norm.weight"])
        head = w["model.embed_tokens.weight"] if self.tied else w["lm_head.weight"]
        return F.linear(h, head)


def main():
    torch.set_num_threads(1)
    mode, model_dir, request, out = sys.argv[1:5]
    req = json.load(open(request))
    model = Llama(model_dir)
    if mode == "forward":
        with torch.no_grad():
            logits = model.forward(torch.tensor(req["input_ids"], dtype=torch.int64))
        write_safetensors(out, {"logits": logits})
        return
    if mode != "train":
        raise SystemExit("unknown mode " + mode)
    params = model.params()
    for t in params.values():
        t.requires_grad_(True)
    decay = [t for t in params.values() if t.dim() >= 2]
    no_decay = [t for t in params.values() if t.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": req["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=req["lr"][0], betas=(req["beta1"], req["beta2"]), eps=req["eps"])
    losses, norms = [], []
    all_labels = req.get("labels") or [None] * len(req["batches"])
    for batch, labels, lr in zip(req["batches"], all_labels, req["lr"]):
        ids = torch.tensor(batch, dtype=torch.int64)
        targets = ids if labels is None else torch.tensor(labels, dtype=torch.int64)
        logits = model.forward(ids)
        v = logits.shape[-1]
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, v), targets[:, 1:].reshape(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), req["max_grad_norm"])))
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        losses.append(float(loss))
    result = {k: t.detach() for k, t in params.items()}
    result["losses"] = torch.tensor(losses, dtype=torch.float64)
    result["grad_norms"] = torch.tensor(norms, dtype=torch.float64)
    write_safetensors(out, result)


if __name__ == "__main__":
    main()
