#!/usr/bin/env python3
"""Independent NumPy reference of the llama2.c forward pass and greedy decoding.

Reads a llama2.c legacy checkpoint (DESIGN.md section 5), decodes greedily from BOS
(token 1) in float64 and prints the token ids space-separated. With --compare EXE it
runs `EXE MODEL STEPS` (a program printing its own greedy tokens the same way) and
exits 0 when both agree, 1 when they differ. Exit 77 (CTest's skip code) when no model
file is found.

  scripts/ref_llama.py [MODEL] [--steps 64] [--compare EXE]
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

BOS = 1
SKIP = 77


def find_model(given):
    """Same search order as the firmware's find_model."""
    if given:
        return Path(given)
    name = "stories260K.bin"
    candidates = []
    if "FLEXCIM_MODEL_DIR" in os.environ:
        candidates.append(Path(os.environ["FLEXCIM_MODEL_DIR"]) / name)
    if "FLEXCIM_SHARED_DIR" in os.environ:
        candidates.append(Path(os.environ["FLEXCIM_SHARED_DIR"]) / "models" / name)
    candidates.append(Path(__file__).resolve().parent.parent.parent / "shared" / "models" / name)
    for c in candidates:
        if c.is_file():
            return c
    return None


def load(path):
    raw = path.read_bytes()
    if len(raw) < 28:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than the 28-byte header")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = map(int, np.frombuffer(raw[:28], "<i4"))
    shared = vocab > 0
    vocab = abs(vocab)
    kv_dim = dim * kv_heads // heads
    head_size = dim // heads
    expected = 4 * (vocab * dim * (1 if shared else 2) + layers * (2 * dim + 2 * dim * dim
                    + 2 * kv_dim * dim + 3 * hidden * dim) + dim + seq_len * head_size) + 28
    if len(raw) != expected:
        raise ValueError(f"{path}: expected {expected} bytes for a llama2.c checkpoint with this "
                         f"header, file has {len(raw)}")
    floats = np.frombuffer(raw[28:], "<f4").astype(np.float64)
    cursor = 0

    def take(*shape):
        nonlocal cursor
        n = int(np.prod(shape))
        a = floats[cursor:cursor + n].reshape(shape)
        cursor += n
        return a

    w = {
        "emb": take(vocab, dim),
        "rms_att": take(layers, dim),
        "wq": take(layers, dim, dim),
        "wk": take(layers, kv_dim, dim),
        "wv": take(layers, kv_dim, dim),
        "wo": take(layers, dim, dim),
        "rms_ffn": take(layers, dim),
        "w1": take(layers, hidden, dim),
        "w2": take(layers, dim, hidden),
        "w3": take(layers, hidden, dim),
        "rms_final": take(dim),
    }
    take(2, seq_len, head_size // 2)  # RoPE tables: recomputed below
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    cfg = dict(dim=dim, layers=layers, heads=heads, kv_heads=kv_heads, head_size=head_size,
               kv_dim=kv_dim, seq_len=seq_len)
    return cfg, w


def rmsnorm(x, weight):
    return weight * x / np.sqrt(np.mean(x * x) + 1e-5)


def rope(v, pos, head_size):
    """Rotates each (even, odd) pair of every head of v by pos * 10000^(-i/head_size)."""
    i = np.arange(0, v.size, 2) % head_size
    angle = pos * 10000.0 ** (-i / head_size)
    even, odd = v[0::2], v[1::2]
    out = np.empty_like(v)
    out[0::2] = even * np.cos(angle) - odd * np.sin(angle)
    out[1::2] = even * np.sin(angle) + odd * np.cos(angle)
    return out


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def greedy(cfg, w, steps):
    L, hs = cfg["layers"], cfg["head_size"]
    group = cfg["heads"] // cfg["kv_heads"]
    keys = np.zeros((L, cfg["seq_len"], cfg["kv_dim"]))
    values = np.zeros_like(keys)
    token, out = BOS, []
    for pos in range(steps):
        x = w["emb"][token].copy()
        for l in range(L):
            xb = rmsnorm(x, w["rms_att"][l])
            q = rope(w["wq"][l] @ xb, pos, hs)
            keys[l, pos] = rope(w["wk"][l] @ xb, pos, hs)
            values[l, pos] = w["wv"][l] @ xb
            att_out = np.empty(cfg["dim"])
            for h in range(cfg["heads"]):
                kv = slice((h // group) * hs, (h // group + 1) * hs)
                scores = keys[l, :pos + 1, kv] @ q[h * hs:(h + 1) * hs] / np.sqrt(hs)
                att_out[h * hs:(h + 1) * hs] = softmax(scores) @ values[l, :pos + 1, kv]
            x = x + w["wo"][l] @ att_out
            xb = rmsnorm(x, w["rms_ffn"][l])
            gate, up = w["w1"][l] @ xb, w["w3"][l] @ xb
            x = x + w["w2"][l] @ (gate / (1 + np.exp(-gate)) * up)
        logits = w["cls"] @ rmsnorm(x, w["rms_final"])
        token = int(np.argmax(logits))
        out.append(token)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="", help="llama2.c checkpoint (default: search)")
    ap.add_argument("--steps", type=int, default=64, help="tokens to generate (default 64)")
    ap.add_argument("--compare", metavar="EXE", help="program printing its greedy tokens")
    args = ap.parse_args()

    path = find_model(args.model)
    if path is None:
        print("ref_llama: stories260K.bin not found (set FLEXCIM_MODEL_DIR)", file=sys.stderr)
        return SKIP
    try:
        model = load(path)
    except (OSError, ValueError) as e:
        print(f"ref_llama: error: {e}", file=sys.stderr)
        return 2
    tokens = greedy(*model, args.steps)
    print(" ".join(map(str, tokens)))
    if not args.compare:
        return 0
    run = subprocess.run([args.compare, str(path), str(args.steps)], capture_output=True,
                         text=True, check=True)
    theirs = [int(t) for t in run.stdout.split()]
    if theirs == tokens:
        print(f"ref_llama: {args.compare} agrees for {args.steps} tokens")
        return 0
    first = next((i for i, (a, b) in enumerate(zip(tokens, theirs)) if a != b),
                 min(len(tokens), len(theirs)))
    print(f"ref_llama: {args.compare} differs from token {first}: {' '.join(map(str, theirs))}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
