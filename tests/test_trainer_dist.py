"""PolychromicTrainer under 2 CPU processes (torchrun, gloo): each rank samples N replies for its own prompts,
metrics are gathered from both ranks, and DDP keeps the LoRA weights identical across ranks although the diversity
term adds a second forward pass (through the unwrapped module) to every step.

This file is both the pytest test and (run under torchrun) the worker script."""
import json, os, subprocess, sys
from pathlib import Path

def worker(out_dir: str):
    import logging, warnings
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    warnings.filterwarnings("ignore")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    import torch
    from peft import LoraConfig
    from polychromic.data import load_pairs, split_pairs, to_conversation, sample_data_path
    from polychromic.testing import tiny_model
    from polychromic.trainer import PolychromicConfig, PolychromicTrainer

    torch.set_num_threads(1)
    ds = to_conversation(split_pairs(load_pairs(sample_data_path()), seed=0))["train"].select(range(16))
    model, tok = tiny_model(seed=0)
    args = PolychromicConfig(
        output_dir=out_dir, report_to="none", use_cpu=True, ddp_backend="gloo", seed=0, max_steps=3, logging_steps=1,
        per_device_train_batch_size=2, gradient_accumulation_steps=2, learning_rate=1e-2, max_length=128,
        save_strategy="no", gradient_checkpointing=False, disable_tqdm=True, dataloader_num_workers=0,
        lam=1.0, num_generations=3, max_completion_length=6, diversity_metric="semantic")
    tr = PolychromicTrainer(model=model, args=args, train_dataset=ds, processing_class=tok,
                            peft_config=LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    tr.train()
    rank = tr.accelerator.process_index
    lora = {n: p.detach().double().sum().item() for n, p in tr.model.named_parameters() if "lora_" in n}
    Path(out_dir, f"rank{rank}.json").write_text(json.dumps(
        {"world_size": tr.accelerator.num_processes, "log_history": tr.state.log_history, "lora": lora}))


def test_two_process_gloo(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1",
           "CUDA_VISIBLE_DEVICES": ""}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           __file__, str(tmp_path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    recs = [json.loads((tmp_path/f"rank{i}.json").read_text()) for i in range(2)]
    assert all(rec["world_size"] == 2 for rec in recs)
    logs = [h for h in recs[0]["log_history"] if "diversity/sets" in h]
    assert [h["step"] for h in logs] == [1, 2, 3]
    # every micro-batch scores 2 prompts on each of 2 ranks: the gathered count is 4, so both ranks' groups are in
    for h in logs:
        assert h["diversity/sets"] == 4.0
        assert 0.0 < h["diversity/set_diversity"] <= 2.0
        assert "diversity/term" in h and "ce" in h and "diversity/objective" in h
        # the importance statistics are gathered over both ranks' sets: min <= mean <= max, all near 1 in fp32
        assert h["importance/ratio_min"] <= h["importance/ratio_mean"] <= h["importance/ratio_max"]
        assert abs(h["importance/ratio_mean"] - 1) < 1e-3 and h["importance/logp_difference"] < 1e-3
    # DDP averaged the gradients of CE + λ·term: the LoRA weights are identical on both ranks and have moved
    a, b = recs[0]["lora"], recs[1]["lora"]
    assert a.keys() == b.keys() and len(a) > 0
    for k in a: assert abs(a[k] - b[k]) < 1e-6, (k, a[k], b[k])
    assert any(abs(v) > 0 for k, v in a.items() if "lora_B" in k)


if __name__ == "__main__":
    worker(sys.argv[1])
