"""Benchmark the diversity metrics against their reference implementations (one run, ratios side by side).

1. Self-BLEU-4: `polychromic.diversity.self_bleu` vs NLTK `sentence_bleu` (method1 smoothing, each text against all
   others) on n = 250, 500, 1000 tweet-length texts: max |difference| of the per-text scores, times, speed-up, and
   time(n)/time(n/2) for both (≈2 means linear, ≈4 quadratic).
2. Semantic diversity of 10,000 texts on CPU with the embedded MiniLM: encoding time, metric time, peak memory.

Texts are the bundled sample replies, resampled with light perturbation (a dropped or swapped word) to reach n.
Run: `HF_HUB_OFFLINE=1 python bench/metrics.py [--quick]` (quick: n = 100, 200 and 1,000 texts for the embedder).
"""
import argparse, os, platform, random, resource, sys, time, tracemalloc
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from polychromic.data import load_pairs, sample_data_path
from polychromic.diversity import embed, pairwise_distance_from_embeddings, self_bleu, tweet_tokenize


def texts_of_size(n, seed=0):
    "n tweet-length replies: the sample's replies, then perturbed copies (one word dropped or two swapped)."
    base = list(dict.fromkeys(load_pairs(sample_data_path())["reply"]))
    rng = random.Random(seed)
    out = rng.sample(base, min(n, len(base)))
    while len(out) < n:
        w = rng.choice(base).split()
        if len(w) > 2:
            i = rng.randrange(len(w) - 1)
            if rng.random() < 0.5: del w[i]
            else: w[i], w[i+1] = w[i+1], w[i]
        out.append(" ".join(w))
    return out


def nltk_self_bleu(toks, n=4):
    sm, w = SmoothingFunction().method1, (1/n,)*n
    return np.array([sentence_bleu(toks[:i] + toks[i+1:], toks[i], weights=w, smoothing_function=sm)
                     for i in range(len(toks))])


def best_time(f, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter(); r = f(); best = min(best, time.perf_counter() - t)
    return best, r


def bench_self_bleu(sizes):
    rows, prev = [], None
    for n in sizes:
        toks = [tweet_tokenize(t) for t in texts_of_size(n)]
        t_ours, (_, ours) = best_time(lambda: self_bleu(toks, per_text=True), repeat=20)
        t_nltk, ref = best_time(lambda: nltk_self_bleu(toks), repeat=1)
        rows.append(dict(n=n, tokens=sum(map(len, toks)), diff=float(np.abs(ours - ref).max()), ours=t_ours,
                         nltk=t_nltk, speedup=t_nltk / t_ours,
                         ours_growth=t_ours / prev[0] if prev else float("nan"),
                         nltk_growth=t_nltk / prev[1] if prev else float("nan")))
        prev = (t_ours, t_nltk)
    print("\n### Self-BLEU-4: ours vs NLTK sentence_bleu (method1), per-text scores\n")
    print("| n texts | tokens | max abs diff | ours (s) | NLTK (s) | speed-up | ours t(n)/t(n/2) | NLTK t(n)/t(n/2) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['tokens']} | {r['diff']:.1e} | {r['ours']:.4f} | {r['nltk']:.2f} | {r['speedup']:.0f}× "
              f"| {r['ours_growth']:.2f} | {r['nltk_growth']:.2f} |")


def bench_semantic(n):
    texts = texts_of_size(n, seed=1)
    embed(texts[:8])                                   # load the embedder first: not part of the measurement
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter(); emb = embed(texts, batch_size=256); t_enc = time.perf_counter() - t
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t = time.perf_counter(); m, per = pairwise_distance_from_embeddings(emb, per_text=True); t_div = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory(); tracemalloc.stop()
    print(f"\n### Semantic diversity of {n:,} texts (embedded all-MiniLM-L6-v2, CPU, batch_size=256)\n")
    print("| step | time (s) | peak memory |")
    print("|---|---:|---|")
    print(f"| encode {n:,} texts | {t_enc:.1f} | process max RSS +{(rss1 - rss0)/1024:.0f} MiB (ru_maxrss delta) |")
    print(f"| mean + per-text distance from embeddings | {t_div:.3f} | {peak/2**20:.1f} MiB traced (tracemalloc) |")
    print(f"| (an n×n float32 similarity matrix would be) | | {n*n*4/2**20:.0f} MiB |")
    print(f"\nsemantic diversity = {m:.4f}; embeddings {emb.shape} {emb.dtype} = {emb.nbytes/2**20:.1f} MiB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    import torch
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPU cores, torch threads {torch.get_num_threads()}, Python {sys.version.split()[0]}")
    bench_self_bleu([100, 200] if a.quick else [250, 500, 1000])
    bench_semantic(1000 if a.quick else 10_000)
