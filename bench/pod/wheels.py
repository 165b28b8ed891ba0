"""The wheels the GPU pod lacks, pinned to this venv's versions: every distribution the train/evaluate notebooks import
(polychromic's modules + papermill + the IPython kernel), minus what the pod image has (see /work/shared/gpu.md).

    python bench/pod/wheels.py            # prints `name==version` lines for `pip download --no-deps`
"""
import importlib, importlib.metadata as md, sys

# On the pod image (gpu.md, 2026-11-27): torch 2.11, transformers 5.17 (we carry 5.24), accelerate, sentence-transformers
# and what it pulls in, pandas, numpy, pyarrow, scipy. Binary packages of these families are large, so never carried.
POD_HAS = {"torch", "numpy", "pandas", "pyarrow", "scipy", "sentence-transformers", "accelerate", "huggingface-hub",
           "tokenizers", "safetensors", "scikit-learn", "joblib", "threadpoolctl", "pillow", "filelock", "fsspec",
           "packaging", "pyyaml", "typing-extensions", "sympy", "mpmath", "networkx", "jinja2", "markupsafe", "tqdm",
           "python-dateutil", "six", "pytz", "tzdata", "psutil", "setuptools", "requests", "urllib3", "certifi",
           "charset-normalizer", "idna", "hf-xet", "nvidia-ml-py", "triton", "polychromic",
           # also on the pod (/work/.library/device/KINDS.md, nvidia-h200 image, 2026-11-17)
           "absl-py", "anyio", "attrs", "click", "cloudpickle", "cycler", "fonttools", "h11", "httpcore", "httpx",
           "kiwisolver", "matplotlib", "contourpy", "narwhals", "protobuf", "pygments", "pyparsing", "rich", "xxhash",
           "tabulate", "onnxruntime", "sacrebleu", "zipp"}
ALWAYS = {"transformers", "regex"}     # newer than the pod's: the package needs transformers>=5.24
# imported lazily by a running kernel (completion, debugger, display), so not seen by importing the modules below
KERNEL = {"prompt-toolkit", "wcwidth", "pexpect", "ptyprocess", "stack-data", "executing", "asttokens",
          "pure-eval", "decorator", "ipython-pygments-lexers", "nest-asyncio2"}   # not debugpy/jedi/parso (10 MB;
# ipykernel and IPython import them only if present) nor psutil (on the pod)
MODULES = ["polychromic.config", "polychromic.pipeline", "polychromic.runs", "polychromic.report", "polychromic.frontier",
           "polychromic.trainer", "polychromic.judge", "polychromic.quality", "papermill", "papermill.engines", "nbclient",
           "ipykernel.kernelapp", "ipykernel.ipkernel", "jupyter_client", "IPython", "matplotlib_inline.backend_inline",
           "rouge_score.rouge_scorer", "bert_score"]


def _has(n):
    try: return bool(md.version(n))
    except md.PackageNotFoundError: return False


def needed() -> list[str]:
    for m in MODULES: importlib.import_module(m)
    dists = md.packages_distributions()
    names = {d for top in {m.split(".")[0] for m in sys.modules} for d in dists.get(top, [])}
    norm = lambda n: n.lower().replace("_", "-")
    out = {norm(n) for n in names if norm(n) not in POD_HAS} | ALWAYS | {k for k in KERNEL if _has(k)}
    return sorted(f"{n}=={md.version(n)}" for n in out)


if __name__ == "__main__": print("\n".join(needed()))
