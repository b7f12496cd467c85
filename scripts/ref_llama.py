#!/usr/bin/env python3
"""Independent NumPy reference of stories260K: the llama2.c forward pass, its tokenizer
and the cross-entropy on text, in float64.

Greedy mode (default): decodes greedily from BOS (token 1) and prints the token ids
space-separated. With --compare EXE it runs `EXE MODEL STEPS` (a program printing its
own greedy tokens the same way) and exits 0 when both agree, 1 when they differ.

Text mode (--text FILE): splits FILE into stories (lines <|endoftext|>, whitespace
stripped), tokenizes the first --stories of them as [BOS] + encode(story) cut to
seq_len with its own implementation of llama2.c's encode, and prints the dense
cross-entropy (mean over all predicted tokens, nats/token). With --compare-flexcim EXE
it also checks that `EXE tokenize STORY` gives the same ids for every story and that
`EXE eval --policy dense` measures the same cross-entropy within --tolerance nats.

Exit 77 (CTest's skip code) when no model (or text) file is found.

  scripts/ref_llama.py [MODEL] [--steps 64] [--compare EXE]
  scripts/ref_llama.py [MODEL] --text FILE [--stories 20] [--compare-flexcim EXE]
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
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


# --- tokenizer: llama2.c's tokenizer.bin and its encode(), written from the format and
# the algorithm's description (DESIGN.md section 5), not from the C++ code.

def load_tokenizer(path):
    """(pieces, scores): pieces as bytes, in id order."""
    raw = Path(path).read_bytes()
    pieces, scores, at = [], [], 4
    while at < len(raw):
        score, length = struct.unpack_from("<fi", raw, at)
        at += 8
        pieces.append(raw[at:at + length])
        scores.append(score)
        at += length
    return pieces, scores


def encode(text, pieces, scores):
    """Token ids of `text` (str): dummy-prefix space, characters or their bytes + 3,
    then repeatedly the best-scoring adjacent merge (leftmost among equals)."""
    ids = {p: i for i, p in reversed(list(enumerate(pieces)))}  # first id wins
    if not text:
        return []
    symbols = [ids[b" "]]
    for ch in text:
        utf8 = ch.encode("utf-8")
        if utf8 in ids:
            symbols.append(ids[utf8])
        else:
            symbols.extend(b + 3 for b in utf8)
    while True:
        best = None  # (score, index, id)
        for i in range(len(symbols) - 1):
            merged = ids.get(pieces[symbols[i]] + pieces[symbols[i + 1]])
            if merged is not None and (best is None or scores[merged] > best[0]):
                best = (scores[merged], i, merged)
        if best is None:
            return symbols
        _, i, merged = best
        symbols[i:i + 2] = [merged]


def stories(path):
    """The stories of a text file: split on lines <|endoftext|>, stripped, non-empty."""
    out, current = [], []
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        if line.strip(WHITESPACE) == "<|endoftext|>":
            out.append("\n".join(current).strip(WHITESPACE))
            current = []
        else:
            current.append(line)
    out.append("\n".join(current).strip(WHITESPACE))
    return [s for s in out if s]


WHITESPACE = " \t\n\v\f\r"


def sequence_logits(cfg, w, tokens):
    """Logits of every position of `tokens` at once (causal attention, float64)."""
    L, hs, T = cfg["layers"], cfg["head_size"], len(tokens)
    group = cfg["heads"] // cfg["kv_heads"]
    x = w["emb"][tokens].copy()
    pos = np.arange(T)
    causal = np.triu(np.full((T, T), -np.inf), k=1)

    def rope_rows(v):
        i = np.arange(0, v.shape[1], 2) % hs
        angle = pos[:, None] * 10000.0 ** (-i[None, :] / hs)
        even, odd = v[:, 0::2], v[:, 1::2]
        out = np.empty_like(v)
        out[:, 0::2] = even * np.cos(angle) - odd * np.sin(angle)
        out[:, 1::2] = even * np.sin(angle) + odd * np.cos(angle)
        return out

    def norm_rows(v, weight):
        return weight * v / np.sqrt(np.mean(v * v, axis=1, keepdims=True) + 1e-5)

    for l in range(L):
        xb = norm_rows(x, w["rms_att"][l])
        q, k, v = rope_rows(xb @ w["wq"][l].T), rope_rows(xb @ w["wk"][l].T), xb @ w["wv"][l].T
        att_out = np.empty_like(x)
        for h in range(cfg["heads"]):
            qs, kvs = slice(h * hs, (h + 1) * hs), slice((h // group) * hs, (h // group + 1) * hs)
            scores = q[:, qs] @ k[:, kvs].T / np.sqrt(hs) + causal
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            att_out[:, qs] = (scores / scores.sum(axis=1, keepdims=True)) @ v[:, kvs]
        x = x + att_out @ w["wo"][l].T
        xb = norm_rows(x, w["rms_ffn"][l])
        gate, up = xb @ w["w1"][l].T, xb @ w["w3"][l].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w["w2"][l].T
    return norm_rows(x, w["rms_final"]) @ w["cls"].T


def cross_entropy(cfg, w, sequences):
    """Mean over every predicted token of -log p(next token), nats."""
    total, count = 0.0, 0
    for seq in sequences:
        logits = sequence_logits(cfg, w, seq[:-1])
        m = logits.max(axis=1, keepdims=True)
        log_p = logits - (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))
        total -= log_p[np.arange(len(seq) - 1), seq[1:]].sum()
        count += len(seq) - 1
    return total / count, count


def text_mode(args, path, model):
    cfg, w = model
    if not Path(args.text).is_file():
        print(f"ref_llama: {args.text} not found", file=sys.stderr)
        return SKIP
    pieces, scores = load_tokenizer(args.tokenizer or path.parent / "tok512.bin")
    texts = stories(args.text)[:args.stories]
    sequences = [([BOS] + encode(s, pieces, scores))[:cfg["seq_len"]] for s in texts]
    ce, count = cross_entropy(cfg, w, sequences)
    print(f"ref_llama: dense cross-entropy {ce:.6f} nats/token over {count} tokens of {len(texts)} stories")
    if not args.compare_flexcim:
        return 0
    exe = args.compare_flexcim
    for i, (story, seq) in enumerate(zip(texts, sequences)):
        run = subprocess.run([exe, "tokenize", story, "--model", str(path)], capture_output=True, text=True)
        theirs = [int(t) for t in run.stdout.split()][:cfg["seq_len"]]
        if run.returncode != 0 or theirs != seq:
            print(f"ref_llama: story {i}: {exe} tokenize differs: {run.stderr.strip()}", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run([exe, "eval", str(path), "--policy", "dense", "--text", args.text,
                              "--stories", str(args.stories), "--out", out], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"ref_llama: {exe} eval failed: {run.stderr.strip()}", file=sys.stderr)
            return 1
        result = json.loads(Path(out, "eval.json").read_text())
    print(f"ref_llama: {exe} eval: cross-entropy {result['ce']} over {result['tokens']} tokens")
    if result["tokens"] != count or abs(result["ce"] - ce) > args.tolerance:
        print(f"ref_llama: differs by {abs(result['ce'] - ce):.2e} nats (tolerance {args.tolerance})",
              file=sys.stderr)
        return 1
    print(f"ref_llama: agrees within {args.tolerance} nats ({abs(result['ce'] - ce):.2e}); "
          f"tokenizers agree on {len(texts)} stories")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="", help="llama2.c checkpoint (default: search)")
    ap.add_argument("--steps", type=int, default=64, help="tokens to generate (default 64)")
    ap.add_argument("--compare", metavar="EXE", help="program printing its greedy tokens")
    ap.add_argument("--text", help="text file: measure the dense cross-entropy on its stories")
    ap.add_argument("--stories", type=int, default=20, help="first N stories of --text (default 20)")
    ap.add_argument("--tokenizer", help="tokenizer file (default: tok512.bin beside the model)")
    ap.add_argument("--compare-flexcim", metavar="EXE", help="the flexcim program to check against")
    ap.add_argument("--tolerance", type=float, default=1e-3, help="nats (default 1e-3)")
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
    if args.text:
        return text_mode(args, path, model)
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
