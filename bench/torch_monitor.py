"""Measurements taken from the bench side, without touching the package: compile events and recompiles of
torch.compile (transformers' static-cache decode), peak reserved/allocated CUDA memory, and the wall time of every
optimizer step of a `Trainer`.

    import torch_monitor; torch_monitor.install_compile_counter(); ...; torch_monitor.snapshot()
    POD_MONITOR=/path/out.json python -c ...   # via the sitecustomize that bench/pod/pod_run.sh writes: watch() in a
                                              # papermill kernel, dumped every 2 s and at exit

Recompiles are counted where torch decides one (dynamo's `get_and_maybe_log_recompilation_reasons` runs exactly when a
frame with cached entries is compiled again), compile events by dynamo's public start-callback, recompile-limit hits
where dynamo checks the limit (after which it runs the frame eagerly). Dynamo's own `counters` are copied as well.
"""
import atexit, json, os, sys, threading, time

STATE = dict(compile_events=0, recompiles=0, recompile_reasons=[], recompile_limit_hits=0, step_seconds=[],
             installed=[])


def install_compile_counter():
    "Count compile events, recompiles (with their first reasons) and recompile-limit hits of this process."
    if "compile" in STATE["installed"]: return
    import torch._dynamo
    from torch._dynamo import convert_frame
    from torch._dynamo.callback import callback_handler
    callback_handler.register_start_callback(lambda *a, **k: STATE.__setitem__("compile_events", STATE["compile_events"] + 1))
    reasons = getattr(convert_frame, "get_and_maybe_log_recompilation_reasons", None)
    if reasons is not None:
        def counted(*a, **k):
            r = reasons(*a, **k)
            STATE["recompiles"] += 1
            if len(STATE["recompile_reasons"]) < 20: STATE["recompile_reasons"].append(str(r[0] if r else "?")[:300])
            return r
        convert_frame.get_and_maybe_log_recompilation_reasons = counted
    limit = getattr(convert_frame, "exceeds_recompile_limit", None)
    if limit is not None:
        def checked(*a, **k):
            r = limit(*a, **k)
            if (r[0] if isinstance(r, tuple) else r): STATE["recompile_limit_hits"] += 1
            return r
        convert_frame.exceeds_recompile_limit = checked
    STATE["installed"].append("compile")


def install_step_timer():
    "Wall time of every optimizer step of every Trainer (on_step_begin -> on_step_end, CUDA synchronised)."
    if "steps" in STATE["installed"]: return
    import torch
    from transformers.trainer_callback import CallbackHandler
    begin, end, t = CallbackHandler.on_step_begin, CallbackHandler.on_step_end, {}
    def sync():
        if torch.cuda.is_available() and torch.cuda.is_initialized(): torch.cuda.synchronize()
    def on_step_begin(self, args, state, control):
        sync(); t[id(self)] = time.perf_counter()
        return begin(self, args, state, control)
    def on_step_end(self, args, state, control):
        sync()
        if id(self) in t: STATE["step_seconds"].append(round(time.perf_counter() - t.pop(id(self)), 4))
        return end(self, args, state, control)
    CallbackHandler.on_step_begin, CallbackHandler.on_step_end = on_step_begin, on_step_end
    STATE["installed"].append("steps")


def snapshot() -> dict:
    "Everything measured so far, plus dynamo's counters and the CUDA peaks (GiB) of this process."
    out = {k: v for k, v in STATE.items() if k != "installed"}
    if "torch._dynamo" in sys.modules:
        from torch._dynamo.utils import counters
        out["dynamo_counters"] = {k: dict(v) for k, v in counters.items() if k in ("frames", "stats", "graph_break")}
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        out["max_reserved_gib"] = torch.cuda.max_memory_reserved() / 2**30
        out["max_allocated_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return out


def dump(path):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f: json.dump(snapshot(), f, indent=1, default=str)
    os.replace(tmp, path)


def watch(path, every:float=2.0):
    "In a daemon thread: install the counters once torch / transformers are imported, dump to `path` every `every` s and at exit."
    def loop():
        while True:
            try:
                if "torch._dynamo.convert_frame" in sys.modules and "compile" not in STATE["installed"]: install_compile_counter()
                if "transformers.trainer_callback" in sys.modules and "steps" not in STATE["installed"]: install_step_timer()
                if STATE["installed"]: dump(path)
            except Exception as e:   # never break the process being measured
                STATE.setdefault("monitor_errors", []).append(repr(e)[:200])
            time.sleep(every)
    threading.Thread(target=loop, daemon=True, name="torch_monitor").start()
    atexit.register(lambda: STATE["installed"] and dump(path))
