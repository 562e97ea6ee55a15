"""RetNet per ADR 0001: reference math, the three forms, tensor names."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import tiny_model_config

from neuroforge_worker.model import MultiScaleRetention, RetNetConfig, RetNetModel, expected_tensor_shapes


def make_model(dtype: torch.dtype, seed: int = 0, **overrides: object) -> RetNetModel:
    torch.manual_seed(seed)
    model = RetNetModel(RetNetConfig.from_dict(tiny_model_config(**overrides)))
    # Larger weights than training init so every term (decay, normalisation, rotation) matters numerically.
    model.reset_parameters(std=0.3)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    return model.to(dtype).eval()


def reference_retention(msr: MultiScaleRetention, x: torch.Tensor) -> torch.Tensor:
    """The ADR's formulas written out per head and per position, independent of the model's vectorised code."""
    b, t, _ = x.shape
    h_count, dk, dv = msr.num_heads, msr.head_dim, msr.value_head_dim
    base = 10000.0
    q_all = x @ msr.q_proj.weight.T
    k_all = (x @ msr.k_proj.weight.T) * dk**-0.5
    v_all = x @ msr.v_proj.weight.T
    out = torch.zeros(b, t, h_count * dv, dtype=x.dtype)
    for h in range(h_count):
        gamma = 1 - 2 ** (-5 - h)
        q = q_all[..., h * dk : (h + 1) * dk].clone()
        k = k_all[..., h * dk : (h + 1) * dk].clone()
        v = v_all[..., h * dv : (h + 1) * dv]
        for tensor in (q, k):
            src = tensor.clone()
            for n in range(t):
                for j in range(dk // 2):
                    theta = base ** (-j / (dk / 2 - 1))
                    cos, sin = math.cos(n * theta), math.sin(n * theta)
                    tensor[:, n, 2 * j] = src[:, n, 2 * j] * cos - src[:, n, 2 * j + 1] * sin
                    tensor[:, n, 2 * j + 1] = src[:, n, 2 * j + 1] * cos + src[:, n, 2 * j] * sin
        mask = torch.zeros(t, t, dtype=x.dtype)
        for n in range(t):
            c_n = sum(gamma**i for i in range(n + 1))
            for m in range(n + 1):
                mask[n, m] = gamma ** (n - m) / math.sqrt(c_n)
        s = (q @ k.transpose(-1, -2)) * mask
        s = s / s.sum(-1, keepdim=True).abs().clamp(min=1)
        out[..., h * dv : (h + 1) * dv] = s @ v
    gn = torch.nn.functional.group_norm(
        out.reshape(b * t, -1), h_count, msr.group_norm.weight, msr.group_norm.bias, msr.group_norm.eps
    ).reshape(b, t, -1)
    y = torch.nn.functional.silu(x @ msr.g_proj.weight.T) * gn
    return y @ msr.out_proj.weight.T


def test_parallel_retention_matches_the_adr_formulas_written_out() -> None:
    model = make_model(torch.float64)
    msr = model.layers[0].retention
    x = torch.randn(2, 9, 32, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(msr(x), reference_retention(msr, x), atol=1e-12, rtol=0)


def test_score_normalisation_is_active_for_large_scores() -> None:
    # With big weights some row sums exceed 1, so max(|r|, 1) changes the output: the test above exercises it.
    model = make_model(torch.float64)
    msr = model.layers[0].retention
    x = torch.randn(1, 9, 32, dtype=torch.float64) * 3
    q, k, _ = msr._project(x)
    assert (q @ k.transpose(-1, -2)).abs().max() > 1


def run_three_forms(model: RetNetModel, ids: torch.Tensor, chunk: int) -> tuple[torch.Tensor, ...]:
    with torch.no_grad():
        parallel = model(ids)
        chunkwise, _ = model.forward_chunkwise(ids, chunk)
        states = None
        steps = []
        for t in range(ids.shape[1]):
            logits, states = model.forward_recurrent(ids[:, t], torch.full((ids.shape[0],), t), states)
            steps.append(logits)
    return parallel, chunkwise, torch.stack(steps, dim=1)


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-10), (torch.float32, 1e-4)])
def test_parallel_recurrent_and_chunkwise_logits_are_equal(dtype: torch.dtype, tol: float) -> None:
    model = make_model(dtype)
    ids = torch.randint(0, 259, (2, 23))
    parallel, chunkwise, recurrent = run_three_forms(model, ids, chunk=5)
    assert parallel.abs().max() > 1  # not trivially small
    assert (parallel - chunkwise).abs().max().item() <= tol
    assert (parallel - recurrent).abs().max().item() <= tol


def test_recurrent_step_with_different_positions_per_sequence() -> None:
    model = make_model(torch.float64)
    a, b = torch.randint(0, 259, (1, 6)), torch.randint(0, 259, (1, 11))
    with torch.no_grad():
        # Prefill each prompt but its last token chunkwise, stack states on the batch dim, then one batched step.
        _, state_a = model.forward_chunkwise(a[:, :-1], 3)
        _, state_b = model.forward_chunkwise(b[:, :-1], 4)
        states = [torch.cat(pair, dim=0) for pair in zip(state_a, state_b, strict=True)]
        logits, _ = model.forward_recurrent(torch.tensor([a[0, -1], b[0, -1]]), torch.tensor([5, 10]), states)
        want_a, want_b = model(a)[0, -1], model(b)[0, -1]
    assert torch.allclose(logits[0], want_a, atol=1e-10, rtol=0)
    assert torch.allclose(logits[1], want_b, atol=1e-10, rtol=0)


def test_state_has_the_adr_shape() -> None:
    model = make_model(torch.float32)
    with torch.no_grad():
        _, states = model.forward_chunkwise(torch.randint(0, 259, (3, 7)), 4)
    # [batch, H, d_k, d_v + 1] with d_k = 32 / 4, d_v = 2 * 32 / 4
    assert [tuple(s.shape) for s in states] == [(3, 4, 8, 17)] * 2


def test_state_dict_has_exactly_the_adr_tensor_names_and_shapes() -> None:
    config = RetNetConfig.from_dict(tiny_model_config(value_factor=2))
    model = RetNetModel(config)
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == expected_tensor_shapes(config)
    assert got["layers.1.retention.v_proj.weight"] == (64, 32)
    assert got["layers.1.retention.out_proj.weight"] == (32, 64)


def test_long_sequence_forms_stay_equal_in_fp32() -> None:
    model = make_model(torch.float32, num_layers=1, max_seq_len=512)
    ids = torch.randint(0, 259, (1, 300))
    with torch.no_grad():
        parallel = model(ids)
        chunkwise, _ = model.forward_chunkwise(ids, 64)
    assert torch.isfinite(parallel).all()
    assert (parallel - chunkwise).abs().max().item() <= 1e-4


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"embed_dim": 30, "num_heads": 4}, "divisible"),
        ({"embed_dim": 12, "num_heads": 4}, "even"),
        ({"embed_dim": 8, "num_heads": 4}, "at least 4"),
        ({"tokenizer": "x"}, "tokenizer"),
    ],
)
def test_invalid_configs_are_rejected_with_the_key(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetNetConfig.from_dict(tiny_model_config(**overrides))


def test_config_round_trips_with_extra_keys() -> None:
    data = tiny_model_config(ffn_type="dense", value_factor=1)
    assert RetNetConfig.from_dict(data).to_dict() == {
        **data,
        "dropout": 0.0,
        "layer_norm_eps": 1e-5,
        "group_norm_eps": 1e-5,
        "rope_base": 10000.0,
    }


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_contiguous_rotation_is_bit_identical_to_the_pairwise_form(dtype: torch.dtype) -> None:
    from neuroforge_worker.model import rotate, rotation_frequencies

    torch.manual_seed(3)
    x = torch.randn(2, 4, 17, 16, dtype=dtype)
    positions = torch.arange(5, 22, dtype=torch.float64)
    theta = rotation_frequencies(16, 10000.0)
    angles = positions[:, None] * theta
    cos, sin = torch.cos(angles).to(dtype), torch.sin(angles).to(dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    pairwise = torch.stack((even * cos - odd * sin, odd * cos + even * sin), dim=-1).flatten(-2)
    assert torch.equal(rotate(x, positions, theta), pairwise)


def test_chunk_tables_are_built_once_per_shape_and_bounded() -> None:
    msr = make_model(torch.float32).layers[0].retention
    first = msr._chunk_tables(0, 9, torch.device("cpu"), torch.float32)
    assert msr._chunk_tables(0, 9, torch.device("cpu"), torch.float32) is first
    assert msr._chunk_tables(0, 9, torch.device("cpu"), torch.float64) is not first
    assert first["mask"].dtype == torch.float32 and first["mask"].shape == (msr.num_heads, 9, 9)
    assert torch.all(first["mask"].triu(1) == 0)  # causal
    for start in range(100):
        msr._chunk_tables(start, 3, torch.device("cpu"), torch.float32)
    assert len(msr._tables) <= 64
