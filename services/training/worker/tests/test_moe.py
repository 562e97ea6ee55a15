"""MoE FFN (ADR 0002): routing picks the true top-k with ADR tie-breaking, one expert top-1 = the dense FFN,
sparse dispatch = every expert weighted densely, the load-balancing loss, the three RetNet forms with MoE blocks,
tensor names, and a training step that adds the auxiliary loss."""

from __future__ import annotations

import itertools

import pytest
import torch
from conftest import tiny_model_config

from neuroforge_worker.model import DenseFFN, RetNetConfig, RetNetModel
from neuroforge_worker.moe import MoEFFN, load_balancing_loss, moe_tensor_shapes, route_top_k


def moe_config(**overrides) -> RetNetConfig:
    base = tiny_model_config(ffn="moe", num_experts=4, top_k=2, expert_ffn_dim=24, moe_aux_loss_coef=0.01)
    base.update(overrides)
    return RetNetConfig.from_dict(base)


def brute_top_k(probs: torch.Tensor, k: int) -> list[list[int]]:
    """Best subset by total probability; among equal totals the lexicographically smallest ids, sorted by prob."""
    out = []
    for row in probs.tolist():
        e = len(row)
        best = max(itertools.combinations(range(e), k), key=lambda c: (sum(row[i] for i in c), [-i for i in c]))
        out.append(sorted(best, key=lambda i: (-row[i], i)))
    return out


def test_routing_picks_true_top_k_and_renormalises() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(64, 6, generator=gen, dtype=torch.float64)
    logits[0] = 0.3  # every expert tied
    logits[1] = torch.tensor([1.0, 2.0, 2.0, 0.0, 2.0, -1.0], dtype=torch.float64)  # three-way tie at the top
    for k in (1, 2, 3, 6):
        probs, idx, w = route_top_k(logits, k)
        assert idx.tolist() == brute_top_k(probs, k)
        torch.testing.assert_close(w.sum(-1), torch.ones(64, dtype=w.dtype))
    _, idx, _ = route_top_k(logits, 2)
    assert idx[0].tolist() == [0, 1] and idx[1].tolist() == [1, 2]


def test_one_expert_top_1_equals_dense_ffn() -> None:
    torch.manual_seed(1)
    config = moe_config(num_experts=1, top_k=1, expert_ffn_dim=64)
    moe = MoEFFN(config).double()
    dense = DenseFFN(config).double()
    dense.load_state_dict({k.removeprefix("experts.0."): v for k, v in moe.state_dict().items() if k.startswith("experts.0.")})
    x = torch.randn(3, 5, config.embed_dim, dtype=torch.float64)
    torch.testing.assert_close(moe(x), dense(x), atol=1e-12, rtol=0)
    assert moe.last_expert_tokens.tolist() == [15]


def test_sparse_dispatch_equals_dense_weighted_experts() -> None:
    torch.manual_seed(2)
    config = moe_config(num_experts=8, top_k=2)
    moe = MoEFFN(config).double()
    x = torch.randn(40, config.embed_dim, dtype=torch.float64)
    _, idx, w = route_top_k(moe.router(x), 2)
    gate = torch.zeros(40, 8, dtype=torch.float64).scatter(1, idx, w.double())
    every = torch.stack([expert(x) for expert in moe.experts], dim=1)  # [N, E, d]
    want = (gate[..., None] * every).sum(1)
    torch.testing.assert_close(moe(x), want, atol=1e-10, rtol=0)
    assert int(moe.last_expert_tokens.sum()) == 40 * 2


def test_load_balancing_loss_is_one_for_uniform_routing_and_larger_when_skewed() -> None:
    e, n = 4, 64
    # Uniform: each token strongly prefers expert n mod E, symmetric across experts -> f_i = P_i = 1/E.
    logits = torch.full((n, e), -3.0)
    logits[torch.arange(n), torch.arange(n) % e] = 3.0
    probs, idx, _ = route_top_k(logits, 1)
    uniform = load_balancing_loss(probs, idx, e)
    torch.testing.assert_close(uniform, torch.tensor(1.0))
    # Skewed: every token prefers expert 0.
    skewed_logits = torch.full((n, e), -3.0)
    skewed_logits[:, 0] = 3.0
    probs, idx, _ = route_top_k(skewed_logits, 1)
    skewed = load_balancing_loss(probs, idx, e)
    assert skewed > 3.0 * uniform

    # The layer's aux loss is the coefficient times that quantity.
    torch.manual_seed(3)
    config = moe_config(num_experts=e, top_k=1, moe_aux_loss_coef=0.5)
    layer = MoEFFN(config)
    x = torch.randn(32, config.embed_dim)
    layer(x)
    probs, idx, _ = route_top_k(layer.router(x), 1)
    torch.testing.assert_close(layer.aux_loss(), 0.5 * load_balancing_loss(probs, idx, e))


def test_aux_loss_has_gradient_to_router_only_through_probabilities() -> None:
    torch.manual_seed(4)
    layer = MoEFFN(moe_config())
    layer(torch.randn(16, 32))
    layer.aux_loss().backward()
    assert layer.router.weight.grad is not None and layer.router.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in layer.experts.parameters())


def test_moe_retnet_three_forms_agree() -> None:
    torch.manual_seed(5)
    config = moe_config(max_seq_len=128)
    model = RetNetModel(config).double().eval()
    model.reset_parameters(std=0.2)
    model.double()
    ids = torch.randint(0, config.vocab_size, (2, 37))
    with torch.no_grad():
        parallel = model(ids)
        chunked, _ = model.forward_chunkwise(ids, chunk_size=8)
        states = None
        steps = []
        for t in range(ids.shape[1]):
            logits, states = model.forward_recurrent(ids[:, t], torch.full((2,), t), states)
            steps.append(logits)
        recurrent = torch.stack(steps, dim=1)
    torch.testing.assert_close(chunked, parallel, atol=1e-10, rtol=0)
    torch.testing.assert_close(recurrent, parallel, atol=1e-10, rtol=0)


def test_state_dict_names_are_adr_0002() -> None:
    config = moe_config()
    model = RetNetModel(config)
    names = {k: tuple(v.shape) for k, v in model.state_dict().items() if ".ffn." in k}
    want: dict[str, tuple[int, ...]] = {}
    for i in range(config.num_layers):
        want |= moe_tensor_shapes(config, i)
    assert names == want


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"top_k": None}, "top_k"), ({"top_k": 5}, "exceeds num_experts"), ({"ffn": "sparse"}, "unknown ffn")],
)
def test_bad_moe_config_is_rejected(overrides: dict, message: str) -> None:
    raw = tiny_model_config(ffn="moe", num_experts=4, top_k=2)
    raw.update(overrides)
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        RetNetModel(RetNetConfig.from_dict(raw))


def test_training_loss_includes_aux_loss() -> None:
    torch.manual_seed(6)
    model = RetNetModel(moe_config(moe_aux_loss_coef=1.0)).train()
    ids = torch.randint(0, 259, (2, 16))
    model(ids)
    aux = model.aux_loss()
    assert aux is not None and aux.requires_grad
    per_layer = [layer.ffn.aux_loss() for layer in model.layers]
    torch.testing.assert_close(aux, torch.stack(per_layer).sum())
    assert aux.item() > 0
