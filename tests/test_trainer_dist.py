"""Training under 2 CPU processes (torchrun, gloo) through `polychromic.cli.main`, the function the `polychromic`
console script calls: each rank samples N replies for its own prompts, metrics are gathered from both ranks, one record
is written (by the main process), and DDP keeps the LoRA weights identical across ranks although the diversity term
adds a second forward pass (through the unwrapped module) to every step.

This file is both the pytest test and (run under torchrun) the worker script: the worker wraps
`PolychromicTrainer.train` only to write each rank's LoRA weight sums beside the run once training returns."""
import json, os, subprocess, sys
from pathlib import Path

def worker(tiny: str, out_dir: str):
    from polychromic import trainer
    from polychromic.cli import main
    train = trainer.PolychromicTrainer.train
    def train_and_report(self, *a, **k):
        out = train(self, *a, **k)
        lora = {n: p.detach().double().sum().item() for n, p in self.model.named_parameters() if "lora_" in n}
        Path(out_dir, f"rank{self.accelerator.process_index}.json").write_text(json.dumps(lora))
        return out
    trainer.PolychromicTrainer.train = train_and_report
    sys.exit(main(["train", "--model", tiny, "--runs_dir", out_dir, "--ddp_backend", "gloo", "--seed", "0",
                   "--max_steps", "3", "--gradient_accumulation_steps", "2", "--per_device_train_batch_size", "2",
                   "--learning_rate", "1e-2", "--max_train_samples", "16", "--max_eval_samples", "2", "--lam", "1.0",
                   "--num_generations", "3", "--max_completion_length", "6", "--diversity_metric", "semantic",
                   "--logging_steps", "1", "--track_diversity_every", "1", "--n_sample_prompts", "1",
                   "--n_sample_replies", "1"]))

def test_two_processes_through_the_cli(tmp_path):
    from polychromic.testing import tiny_model
    m, t = tiny_model(seed=0); m.save_pretrained(tmp_path/"tiny"); t.save_pretrained(tmp_path/"tiny")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1",
           "CUDA_VISIBLE_DEVICES": ""}
    env.pop("ANTHROPIC_API_KEY", None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           __file__, str(tmp_path/"tiny"), str(tmp_path/"out")]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    (d,) = [p for p in (tmp_path/"out").iterdir() if p.is_dir()]           # one run folder, one record
    rec = json.loads((d/"run.json").read_text())
    assert rec["world_size"] == 2 and rec["steps"] == 3
    logs = [h for h in json.loads((d/"log_history.json").read_text()) if "diversity/sets" in h]
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
    a, b = [json.loads((tmp_path/"out"/f"rank{i}.json").read_text()) for i in range(2)]
    assert a.keys() == b.keys() and len(a) > 0
    for k in a: assert abs(a[k] - b[k]) < 1e-6, (k, a[k], b[k])
    assert any(abs(v) > 0 for k, v in a.items() if "lora_B" in k)


if __name__ == "__main__":
    worker(*sys.argv[1:])
