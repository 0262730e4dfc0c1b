"""Creates a random ~130M-parameter Llama checkpoint (HF layout, safetensors) for the benchmark.

Written with plain json/struct so it needs only Debian's python3-torch. Usage: make_model.py OUT_DIR [f32|bf16]
"""
import json, os, struct, sys
import torch

out, dtype_name = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "f32")
cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=32000, hidden_size=768,
           intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=12,
           head_dim=64, rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling=None, max_position_embeddings=2048,
           tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, hidden_act="silu",
           torch_dtype="float32" if dtype_name == "f32" else "bfloat16")
H, I, V, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_hidden_layers"]
g = torch.Generator().manual_seed(1234)
def rnd(*shape, std=0.02):
    return torch.randn(*shape, generator=g) * std
tensors = {"model.embed_tokens.weight": rnd(V, H), "model.norm.weight": torch.ones(H), "lm_head.weight": rnd(V, H)}
for l in range(L):
    p = f"model.layers.{l}."
    tensors[p + "input_layernorm.weight"] = torch.ones(H)
    tensors[p + "post_attention_layernorm.weight"] = torch.ones(H)
    for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
        tensors[p + "self_attn." + n + ".weight"] = rnd(H, H)
    tensors[p + "mlp.gate_proj.weight"] = rnd(I, H)
    tensors[p + "mlp.up_proj.weight"] = rnd(I, H)
    tensors[p + "mlp.down_proj.weight"] = rnd(H, I)
tdtype, st_name = (torch.float32, "F32") if dtype_name == "f32" else (torch.bfloat16, "BF16")
header, offset, blobs = {}, 0, []
for name in sorted(tensors):
    t = tensors[name].to(tdtype).contiguous()
    raw = t.view(torch.int16).numpy().tobytes() if tdtype == torch.bfloat16 else t.numpy().tobytes()
    header[name] = {"dtype": st_name, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    offset += len(raw)
    blobs.append(raw)
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h)
    for b in blobs: f.write(b)
json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=1)
print(f"{out}: {sum(t.numel() for t in tensors.values())/1e6:.1f}M parameters, {dtype_name}")
