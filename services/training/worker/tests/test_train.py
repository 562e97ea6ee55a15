"""Training flow: schedule, decay groups, clipping, learning, exact resume, checkpoints, LoRA, outputs."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import Events, tiny_model_config
from safetensors.torch import load_file

from neuroforge_worker.model import RetNetConfig, RetNetModel, expected_tensor_shapes
from neuroforge_worker.train import (
    JobSpec,
    Trainer,
    export_model,
    latest_checkpoint,
    load_model_dir,
    lr_factor,
    parameter_groups,
    run_job,
)


def test_warmup_then_cosine_schedule_values() -> None:
    values = [lr_factor(s, warmup_steps=4, max_steps=12, min_lr_ratio=0.1) for s in range(1, 13)]
    assert values[:4] == [0.25, 0.5, 0.75, 1.0]
    assert values[7] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))  # halfway: 0.55
    assert values[-1] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(values[3:], values[4:], strict=False))
    assert lr_factor(5, warmup_steps=0, max_steps=5, min_lr_ratio=0.0) == pytest.approx(0.0)


def test_scheduler_drives_the_optimizer_lr(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    run_job({**base_job, "max_steps": 6, "warmup_steps": 3, "checkpoint_every": 0}, tmp_path / "out", events)
    lrs = [e["lr"] for e in events.of("progress")]
    expected = [3e-3 * lr_factor(s, 3, 6, 0.1) for s in range(1, 7)]
    assert lrs == pytest.approx(expected)


def test_no_weight_decay_on_norms_and_biases() -> None:
    model = RetNetModel(RetNetConfig.from_dict(tiny_model_config()))
    decay, no_decay = parameter_groups(model, 0.1)
    names = {id(p): n for n, p in model.named_parameters()}
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(names[id(p)].endswith("weight") and p.dim() == 2 for p in decay["params"])
    no_decay_names = {names[id(p)] for p in no_decay["params"]}
    assert "layers.0.retention_norm.weight" in no_decay_names
    assert "layers.0.ffn.fc1.bias" in no_decay_names
    assert "layers.0.retention.group_norm.bias" in no_decay_names
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_gradient_norm_is_clipped_to_max_grad_norm(base_job: dict[str, Any], tmp_path: Path) -> None:
    trainer = Trainer(JobSpec.from_dict({**base_job, "max_grad_norm": 0.01}), tmp_path, Events())
    _, reported, _, _ = trainer.train_step()
    clipped = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in trainer.model.parameters()]))
    assert reported > 0.01  # the pre-clip norm is what gets reported
    assert clipped.item() == pytest.approx(0.01, rel=1e-4)


def test_loss_decreases_on_a_tiny_corpus(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    job = {**base_job, "max_steps": 40, "warmup_steps": 4, "checkpoint_every": 0, "log_every": 1}
    result = run_job(job, tmp_path / "out", events)
    losses = list(events.losses().values())
    assert losses[0] == pytest.approx(math.log(259), abs=0.3)  # uniform prediction at init
    assert sum(losses[-5:]) / 5 < losses[0] - 1.5
    assert result["validation_loss"] < losses[0] - 1.0


def _curve(events: Events) -> dict[int, float]:
    return events.losses()


def test_resume_reproduces_the_uninterrupted_loss_curve(base_job: dict[str, Any], tmp_path: Path) -> None:
    # Dropout and gradient accumulation on: resume must restore the RNG and the data position too.
    job = {**base_job, "model": tiny_model_config(dropout=0.1), "gradient_accumulation_steps": 2, "max_steps": 8}
    whole = Events()
    run_job(job, tmp_path / "whole", whole)

    first, second = Events(), Events()
    stopped = run_job(job, tmp_path / "split", first, stop_after_steps=5)
    assert stopped["event"] == "stopped" and stopped["step"] == 5
    resumed = run_job(job, tmp_path / "split", second, resume=True)
    assert resumed["event"] == "completed"
    assert second.of("started")[0]["resumed_from"].endswith("step-00000005")

    combined = {**_curve(first), **_curve(second)}
    assert sorted(combined) == list(range(1, 9))
    assert combined == _curve(whole)  # bit-for-bit equal losses
    a, b = load_file(str(tmp_path / "whole" / "model.safetensors")), load_file(str(tmp_path / "split" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoint_files_exist_load_and_are_pruned(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    run_job({**base_job, "max_steps": 7, "checkpoint_every": 2, "keep_checkpoints": 2}, tmp_path, events)
    assert [e["step"] for e in events.of("checkpoint")] == [2, 4, 6]
    kept = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert kept == ["step-00000004", "step-00000006"]
    ckpt = latest_checkpoint(tmp_path)
    assert ckpt is not None and ckpt.name == "step-00000006"
    meta = json.loads((ckpt / "checkpoint.json").read_text())
    assert meta["step"] == 6 and meta["data_position"] == 6 * 4 and meta["tokens_seen"] == 6 * 4 * 32
    state = torch.load(ckpt / "training_state.pt", weights_only=False)
    assert {"optimizer", "scheduler", "scaler", "rng"} <= set(state)
    assert state["scheduler"]["last_epoch"] == 6
    weights = load_file(str(ckpt / "model.safetensors"))
    config = RetNetConfig.from_dict(tiny_model_config(max_seq_len=64))
    assert {k: tuple(v.shape) for k, v in weights.items()} == expected_tensor_shapes(config)


def test_outputs_model_config_and_lineage(base_job: dict[str, Any], tmp_path: Path, corpus_file: Path) -> None:
    import hashlib

    events = Events()
    run_job({**base_job, "max_steps": 3, "checkpoint_every": 0}, tmp_path, events)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["architecture"] == "retnet" and config["tokenizer"] == "byte" and config["vocab_size"] == 259
    for key in ("embed_dim", "num_heads", "num_layers", "max_seq_len", "value_factor", "ffn_dim", "rope_base"):
        assert key in config
    lineage = json.loads((tmp_path / "training.json").read_text())
    assert lineage["dataset"]["sha256"] == hashlib.sha256(corpus_file.read_bytes()).hexdigest()
    assert lineage["steps"] == 3 and lineage["tokens_seen"] == 3 * 4 * 32
    assert lineage["final_loss"] == events.of("progress")[-1]["loss"]
    model = load_model_dir(tmp_path)
    assert all(v.dtype == torch.float32 for v in load_file(str(tmp_path / "model.safetensors")).values())
    assert model.config.embed_dim == 32
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sorted(line.split()[1] for line in (tmp_path / "SHA256SUMS").read_text().splitlines()) == [
        "config.json",
        "model.safetensors",
    ]
    completed = events.of("completed")[0]
    assert completed["model_path"] == str(tmp_path / "model.safetensors")


def test_lora_trains_only_adapters_and_merged_export_equals_adapter_forward(
    base_job: dict[str, Any], tmp_path: Path
) -> None:
    torch.manual_seed(0)
    base_config = RetNetConfig.from_dict(tiny_model_config())
    export_model(RetNetModel(base_config), base_config, tmp_path / "base")
    base = load_file(str(tmp_path / "base" / "model.safetensors"))
    job = JobSpec.from_dict(
        {**base_job, "model": None, "init_from": str(tmp_path / "base"), "use_lora": True, "lora_rank": 4,
         "lora_alpha": 8, "max_steps": 4, "checkpoint_every": 0}
    )
    trainer = Trainer(job, tmp_path / "out", Events())
    trainable = {n for n, p in trainer.model.named_parameters() if p.requires_grad}
    assert trainable and all(n.rsplit(".", 1)[1] in ("lora_A", "lora_B") for n in trainable)
    assert len(trainable) == 2 * 5 * 2  # A and B on q/k/v/g/out in 2 layers
    trainer.run()

    state = trainer.model.state_dict()
    for name, value in base.items():
        assert torch.equal(state[name], value), name  # every base weight untouched
    assert any(state[n].abs().max() > 0 for n in trainable if n.endswith("lora_B"))  # adapters moved

    merged = load_file(str(tmp_path / "out" / "model.safetensors"))
    assert set(merged) == set(base)  # ADR names only, no lora_* tensors
    assert not torch.equal(merged["layers.0.retention.q_proj.weight"], base["layers.0.retention.q_proj.weight"])
    exported = load_model_dir(tmp_path / "out").eval()
    trainer.model.eval()
    ids = torch.randint(0, 259, (2, 16))
    with torch.no_grad():
        assert (exported(ids) - trainer.model(ids)).abs().max().item() <= 1e-5
    lineage = json.loads((tmp_path / "out" / "training.json").read_text())
    assert lineage["lora"]["merged"] is True and lineage["init_from"] == str(tmp_path / "base")


def test_bf16_autocast_on_cpu_trains(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    run_job({**base_job, "use_bf16": True, "max_steps": 2, "checkpoint_every": 0}, tmp_path, events)
    assert events.of("started")[0]["precision"] == "bfloat16"
    assert all(math.isfinite(e["loss"]) for e in events.of("progress"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"learning_rat": 1e-3}, "unknown keys"),
        ({"batch_size": 0}, "batch_size"),
        ({"use_lora": True}, "init_from"),
        ({"seq_len": 128}, "max_seq_len"),
    ],
)
def test_invalid_job_specs_name_the_key(base_job: dict[str, Any], tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_job({**base_job, **change}, tmp_path, Events())


def test_job_spec_accepts_the_config_files_training_section(base_job: dict[str, Any]) -> None:
    nested = {"dataset": base_job["dataset"], "model": base_job["model"], "training": {"batch_size": 2, "max_steps": 3}}
    spec = JobSpec.from_dict(nested)
    assert (spec.batch_size, spec.max_steps) == (2, 3)


def test_trainer_uses_fused_adamw_on_cpu(base_job: dict[str, Any], tmp_path: Path) -> None:
    trainer = Trainer(JobSpec.from_dict(base_job), tmp_path, Events())
    assert all(group["fused"] for group in trainer.optimizer.param_groups)


def test_cpu_training_keeps_freed_memory_in_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    from neuroforge_worker.train import keep_freed_memory_for_reuse

    monkeypatch.setenv("NEUROFORGE_KEEP_HEAP", "0")
    assert keep_freed_memory_for_reuse() is False
    monkeypatch.delenv("NEUROFORGE_KEEP_HEAP")
    assert keep_freed_memory_for_reuse() is True  # the worker's images are Linux/glibc


def test_held_out_loss_is_reported_every_eval_every_steps(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    result = run_job({**base_job, "max_steps": 7, "eval_every": 3, "checkpoint_every": 0}, tmp_path / "out", events)
    evaluated = events.of("evaluated")
    assert [e["step"] for e in evaluated] == [3, 6]
    assert all(math.isfinite(e["eval_loss"]) and e["eval_blocks"] > 0 for e in evaluated)
    # Each report follows its step's progress report, on the weights of that step.
    kinds = [(e["event"], e.get("step")) for e in events.items if e["event"] in ("progress", "evaluated")]
    assert kinds.index(("evaluated", 3)) == kinds.index(("progress", 3)) + 1
    assert evaluated[1]["eval_loss"] < evaluated[0]["eval_loss"]  # learning shows on held-out data too
    lineage = json.loads((tmp_path / "out" / "training.json").read_text())
    assert [e["step"] for e in lineage["evaluations"]] == [3, 6]
    assert result["validation_loss"] is not None


def test_evaluation_at_the_last_step_is_the_final_validation_loss(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    result = run_job({**base_job, "max_steps": 4, "eval_every": 2, "checkpoint_every": 0}, tmp_path / "out", events)
    evaluated = events.of("evaluated")
    assert [e["step"] for e in evaluated] == [2, 4]
    assert result["validation_loss"] == evaluated[-1]["eval_loss"]


def test_no_periodic_evaluation_without_eval_every_or_held_out_data(base_job: dict[str, Any], tmp_path: Path) -> None:
    events = Events()
    run_job({**base_job, "max_steps": 4, "checkpoint_every": 0}, tmp_path / "a", events)
    assert events.of("evaluated") == []
    events = Events()
    no_split = {**base_job, "dataset": {**base_job["dataset"], "validation_fraction": 0.0}}
    result = run_job({**no_split, "max_steps": 4, "eval_every": 2, "checkpoint_every": 0}, tmp_path / "b", events)
    assert events.of("evaluated") == [] and result["validation_loss"] is None


def test_evaluations_survive_a_resume(base_job: dict[str, Any], tmp_path: Path) -> None:
    job = {**base_job, "max_steps": 8, "eval_every": 2, "checkpoint_every": 4}
    first = Events()
    run_job(job, tmp_path / "out", first, stop_after_steps=4)
    assert [e["step"] for e in first.of("evaluated")] == [2, 4]
    second = Events()
    run_job(job, tmp_path / "out", second, resume=True)
    assert [e["step"] for e in second.of("evaluated")] == [6, 8]  # no step evaluated twice
    lineage = json.loads((tmp_path / "out" / "training.json").read_text())
    assert [e["step"] for e in lineage["evaluations"]] == [2, 4, 6, 8]


def test_eval_every_must_be_a_non_negative_integer(base_job: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="eval_every must be a non-negative integer"):
        JobSpec.from_dict({**base_job, "eval_every": -1})
