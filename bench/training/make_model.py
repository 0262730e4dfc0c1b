"""Writes a random ~100M-parameter Llama checkpoint (F32, two safetensors shards + index) for the training benchmark.

Shard 1 holds the decoder-layer projections, shard 2 everything else, so an engine that memory-maps the weights
can release the dense projections once it has quantised them to NF4.
usage: make_model.py OUT_DIR
"""
import json, os, struct, sys
import numpy as np

CONFIG = dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=32000, hidden_size=768,
              intermediate_size=2048, num_hidden_layers=8, num_attention_heads=12, num_key_value_heads=4,
              head_dim=64, rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling=None, max_position_embeddings=2048,
              tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, hidden_act="silu", torch_dtype="float32")


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name in sorted(tensors):
        a = tensors[name]
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name in sorted(tensors):
            f.write(np.ascontiguousarray(tensors[name], dtype="<f4").tobytes())


def main(out):
    c = CONFIG
    rng = np.random.default_rng(0)
    H, I, V, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
    q, kv = c["num_attention_heads"] * c["head_dim"], c["num_key_value_heads"] * c["head_dim"]
    rand = lambda *s: (rng.standard_normal(s, dtype=np.float32) * 0.02)
    layers, rest = {}, {}
    for l in range(L):
        p = f"model.layers.{l}."
        layers[p + "self_attn.q_proj.weight"] = rand(q, H)
        layers[p + "self_attn.k_proj.weight"] = rand(kv, H)
        layers[p + "self_attn.v_proj.weight"] = rand(kv, H)
        layers[p + "self_attn.o_proj.weight"] = rand(H, q)
        layers[p + "mlp.gate_proj.weight"] = rand(I, H)
        layers[p + "mlp.up_proj.weight"] = rand(I, H)
        layers[p + "mlp.down_proj.weight"] = rand(H, I)
        rest[p + "input_layernorm.weight"] = np.ones(H, np.float32)
        rest[p + "post_attention_layernorm.weight"] = np.ones(H, np.float32)
    rest["model.embed_tokens.weight"] = rand(V, H)
    rest["model.norm.weight"] = np.ones(H, np.float32)
    rest["lm_head.weight"] = rand(V, H)
    os.makedirs(out, exist_ok=True)
    names = {"model-00001-of-00002.safetensors": layers, "model-00002-of-00002.safetensors": rest}
    for file, tensors in names.items():
        write_safetensors(os.path.join(out, file), tensors)
    total = sum(a.nbytes for t in names.values() for a in t.values())
    index = {"metadata": {"total_size": total}, "weight_map": {n: f for f, t in names.items() for n in t}}
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=1)
    print(f"{sum(a.size for t in names.values() for a in t.values()) / 1e6:.1f}M parameters -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
