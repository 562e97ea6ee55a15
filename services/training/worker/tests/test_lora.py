"""LoRA adapters: dropout on the adapter input in training mode only, merge exactness, validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import Events, tiny_model_config
from torch import nn

from neuroforge_worker.lora import LoRALinear, apply_lora, merged_state_dict
from neuroforge_worker.model import RetNetConfig, RetNetModel
from neuroforge_worker.train import JobSpec, export_model, run_job


def _adapted(dropout: float) -> LoRALinear:
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(16, 12), rank=4, alpha=8.0, dropout=dropout)
    with torch.no_grad():
        layer.lora_B.normal_()  # B starts at zero; give the branch an effect to observe
    return layer


def _same_weights(a: LoRALinear, b: LoRALinear) -> None:
    b.load_state_dict(a.state_dict())


def test_dropout_changes_the_adapter_branch_in_training_mode() -> None:
    with_dropout, without = _adapted(0.5), _adapted(0.0)
    _same_weights(with_dropout, without)
    x = torch.randn(3, 5, 16)
    with_dropout.train()
    torch.manual_seed(1)
    a = with_dropout(x)
    torch.manual_seed(2)
    b = with_dropout(x)
    assert not torch.allclose(a, b)  # a fresh mask per forward
    assert not torch.allclose(a, without.train()(x))  # and differs from p = 0
    torch.manual_seed(1)
    assert torch.equal(with_dropout(x), a)  # the mask comes from the torch RNG: seeded, reproducible


def test_dropout_acts_on_the_branch_input_only() -> None:
    layer = _adapted(0.5).train()
    x = torch.randn(4, 16)
    torch.manual_seed(3)
    out = layer(x)
    torch.manual_seed(3)
    dropped = nn.functional.dropout(x, 0.5, training=True)
    base = nn.functional.linear(x, layer.weight, layer.bias)  # the frozen path sees x itself
    branch = nn.functional.linear(nn.functional.linear(dropped, layer.lora_A), layer.lora_B) * layer.scaling
    assert torch.allclose(out, base + branch, atol=1e-6)


def test_dropout_is_the_identity_in_eval_mode() -> None:
    with_dropout, without = _adapted(0.5), _adapted(0.0)
    _same_weights(with_dropout, without)
    x = torch.randn(3, 5, 16)
    with torch.no_grad():
        assert torch.equal(with_dropout.eval()(x), without.eval()(x))
        expected = nn.functional.linear(x, with_dropout.merged_weight(), with_dropout.bias)
        assert torch.allclose(with_dropout(x), expected, atol=1e-5)


def test_merged_export_is_exact_and_independent_of_dropout() -> None:
    torch.manual_seed(0)
    config = RetNetConfig.from_dict(tiny_model_config())
    base = RetNetModel(config)
    states = {}
    for p in (0.0, 0.3):
        model = RetNetModel(config)
        model.load_state_dict(base.state_dict())
        torch.manual_seed(5)  # the same adapter weights for both
        apply_lora(model, rank=4, alpha=8.0, dropout=p)
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name.endswith("lora_B"):
                    param.normal_(std=0.05)
        states[p] = (model, merged_state_dict(model))
    assert set(states[0.3][1]) == set(base.state_dict())  # no dropout or lora_* entries
    for name, value in states[0.0][1].items():
        assert torch.equal(value, states[0.3][1][name]), name
    merged = RetNetModel(config)
    merged.load_state_dict(states[0.3][1])
    ids = torch.randint(0, 259, (2, 12))
    with torch.no_grad():
        assert (merged.eval()(ids) - states[0.3][0].eval()(ids)).abs().max().item() <= 1e-5


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_lora_dropout_out_of_range_is_refused_naming_the_field(base_job: dict[str, Any], p: float) -> None:
    with pytest.raises(ValueError, match=r"lora_dropout must be in \[0, 1\)"):
        JobSpec.from_dict({**base_job, "lora_dropout": p})
    with pytest.raises(ValueError, match="lora_dropout"):
        LoRALinear(nn.Linear(4, 4), rank=2, alpha=2.0, dropout=p)


def test_lora_job_with_dropout_trains_and_records_it(base_job: dict[str, Any], tmp_path: Path) -> None:
    torch.manual_seed(0)
    config = RetNetConfig.from_dict(tiny_model_config())
    export_model(RetNetModel(config), config, tmp_path / "base")
    job = {**base_job, "model": None, "init_from": str(tmp_path / "base"), "use_lora": True, "lora_rank": 4,
           "lora_alpha": 8, "lora_dropout": 0.2, "max_steps": 2, "checkpoint_every": 0}
    events = Events()
    run_job(job, tmp_path / "out", events)
    lineage = json.loads((tmp_path / "out" / "training.json").read_text())
    assert lineage["lora"]["dropout"] == 0.2
    assert events.of("completed")
