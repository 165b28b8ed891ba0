"""How the second diversity ruler relates to the first, and what the frontier analysis costs (one run, side by side).

1. Rulers: every tweet of the bundled sample with at least 3 human replies is one set; its semantic diversity is
   measured with the embedded all-MiniLM-L6-v2 (the training objective's encoder) and with paraphrase-MiniLM-L3-v2
   (`polychromic.models.paraphrase_embedder`, never used in training). Printed: mean of each, Spearman and Pearson
   correlation over sets, and encoding throughput (texts/s) of each encoder on all sample replies.
2. Analysis cost: `temperature_frontier` on a synthetic table of P prompts × 6 baseline temperatures + 1 treatment
   temperature (3 metrics compared, `compare`'s default 9,999 bootstrap resamples), and `calibrate_threshold` +
   `calibrated_pass_at_k` (k = 1..10, 2,000 resamples) for 7 (model, T) cells of P prompts × 10 samples.

Run: `HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 python bench/frontier_rulers.py [--prompts 40]`
"""
import argparse, os, platform, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np, pandas as pd
from scipy import stats
from polychromic.data import load_pairs, sample_data_path
from polychromic.diversity import embed, pairwise_distance_from_embeddings
from polychromic.models import load_embedder, paraphrase_embedder
from polychromic.frontier import DEFAULT_TEMPERATURES, Match, calibrate_threshold, calibrated_pass_at_k, temperature_frontier


def timed(f):
    t = time.perf_counter(); out = f(); return out, time.perf_counter() - t


def rulers():
    df = load_pairs(sample_data_path()).to_pandas()
    sets = [g["reply"].tolist() for _, g in df.groupby("tweet_id") if len(g) >= 3]
    texts = list(dict.fromkeys(r for s in sets for r in s))
    rows, div = [], {}
    for name, enc in (("all-MiniLM-L6-v2 (training)", load_embedder(device="cpu")), ("paraphrase-MiniLM-L3-v2", paraphrase_embedder())):
        embed(texts[:8], enc)                                    # warm-up
        E, secs = timed(lambda: embed(texts, enc))
        pos = {t: i for i, t in enumerate(texts)}
        div[name] = np.array([pairwise_distance_from_embeddings(E[[pos[t] for t in s]]) for s in sets])
        rows.append(dict(ruler=name, sets=len(sets), texts=len(texts), mean_diversity=div[name].mean(),
                         sd=div[name].std(ddof=1), texts_per_s=len(texts) / secs))
    a, b = div.values()
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"))
    print(f"\nSpearman rho = {stats.spearmanr(a, b).statistic:.3f}, Pearson r = {stats.pearsonr(a, b).statistic:.3f} "
          f"over {len(sets)} sets of human replies")


def synthetic_table(P, rng):
    q0, d0 = rng.uniform(0.05, 0.25, P), rng.uniform(0.6, 0.8, P)
    rows = [dict(model="baseline", temperature=T, prompt=i, rougeL=q0[i] - 0.1 * (T - 1) + rng.normal(0, .02),
                 semantic_diversity=d0[i] + 0.1 * (T - 1) + rng.normal(0, .02), semantic_diversity_l3=d0[i] + rng.normal(0, .02))
            for T in DEFAULT_TEMPERATURES for i in range(P)]
    rows += [dict(model="polychromic", temperature=1.0, prompt=i, rougeL=q0[i] + rng.normal(0, .02),
                  semantic_diversity=d0[i] + 0.03 + rng.normal(0, .02), semantic_diversity_l3=d0[i] + rng.normal(0, .02)) for i in range(P)]
    return pd.DataFrame(rows)


def analysis(P):
    rng = np.random.default_rng(0)
    table = synthetic_table(P, rng)
    tf, t_frontier = timed(lambda: temperature_frontier(table, "baseline", "polychromic", metrics=["semantic_diversity_l3"]))
    val = [rng.uniform(0, 0.6, 10).tolist() for _ in range(P)]
    cal, t_cal = timed(lambda: calibrate_threshold(val, splits=["validation"] * P))
    scores = {("baseline", T): [rng.uniform(0, 0.6, 10).tolist() for _ in range(P)] for T in DEFAULT_TEMPERATURES}
    scores[("polychromic", 1.0)] = [rng.uniform(0, 0.6, 10).tolist() for _ in range(P)]
    _, t_pk = timed(lambda: calibrated_pass_at_k(scores, cal, matches={"baseline": Match(**tf["match"])}))
    print(pd.DataFrame([dict(step="temperature_frontier (3 metrics, 9,999 resamples)", prompts=P, seconds=t_frontier),
                        dict(step="calibrate_threshold", prompts=P, seconds=t_cal),
                        dict(step="calibrated_pass_at_k (8 curves, k=1..10)", prompts=P, seconds=t_pk)]).to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=40)
    args = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}\n")
    rulers(); print(); analysis(args.prompts)
