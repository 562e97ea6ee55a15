"""Mixture-of-Experts FFN (ADR 0002), weight for weight with the engine's (libs/ml/src/moe).

A RetNet block uses it in place of the dense FFN when config.json says ``"ffn": "moe"``:

* router: ``nn.Linear(d, E, bias=False)`` -> softmax (fp32) -> the top ``k`` experts per token (equal
  probabilities: the lower expert id first, as ONNX TopK) -> their probabilities renormalised to sum to 1;
* experts: ``E`` dense FFNs (fc1 -> GELU(erf) -> fc2, with biases) of width ``expert_ffn_dim``;
* output: the experts' outputs weighted by the routing weights. Dropless: every token is processed by all of its
  k experts (no capacity factor), so training and inference compute the same function.

Training adds the Switch Transformer load-balancing loss ``coef * E * sum_i f_i * P_i`` (``f_i``: fraction of
the N*k (token, slot) assignments that go to expert i; ``P_i``: mean router probability of expert i), which
``RetNetModel.aux_loss()`` sums over layers and the training loop adds to the LM loss.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .model import FFN_REGISTRY, DenseFFN, RetNetConfig

DEFAULT_AUX_LOSS_COEF = 0.01


@dataclasses.dataclass(frozen=True)
class MoESettings:
    num_experts: int
    top_k: int
    expert_ffn_dim: int
    aux_loss_coef: float

    @classmethod
    def from_config(cls, config: RetNetConfig) -> MoESettings:
        extra = config.extra
        for key in ("num_experts", "top_k"):
            if not isinstance(extra.get(key), int) or extra[key] < 1:
                raise ValueError(f'ffn "moe" needs {key} (an integer >= 1), got {extra.get(key)!r}')
        if extra["top_k"] > extra["num_experts"]:
            raise ValueError(f"top_k {extra['top_k']} exceeds num_experts {extra['num_experts']}")
        ffn = extra.get("expert_ffn_dim", config.ffn_dim)
        if not isinstance(ffn, int) or ffn < 1:
            raise ValueError(f"expert_ffn_dim must be an integer >= 1, got {ffn!r}")
        coef = float(extra.get("moe_aux_loss_coef", DEFAULT_AUX_LOSS_COEF))
        if coef < 0:
            raise ValueError(f"moe_aux_loss_coef must be >= 0, got {coef}")
        return cls(extra["num_experts"], extra["top_k"], ffn, coef)


def route_top_k(logits: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor]:
    """logits [N, E] -> (probs [N, E] fp32, indices [N, k], weights [N, k] fp32 summing to 1 per token).

    A stable descending sort makes equal probabilities keep their order, so the lower expert id wins a tie
    (torch.topk does not promise an order for ties; ONNX TopK does, and this matches it).
    """
    probs = torch.softmax(logits.float(), dim=-1)
    top_p, top_i = torch.sort(probs, dim=-1, descending=True, stable=True)
    top_p, top_i = top_p[:, :k], top_i[:, :k]
    return probs, top_i, top_p / top_p.sum(dim=-1, keepdim=True)


def load_balancing_loss(probs: Tensor, indices: Tensor, num_experts: int) -> Tensor:
    """Switch Transformer form, generalised to top-k: E * sum_i f_i * P_i (1 for uniform routing).

    f_i is the fraction of the N*k assignments that chose expert i (not differentiable), P_i the mean router
    probability of expert i (carries the gradient).
    """
    counts = torch.bincount(indices.reshape(-1), minlength=num_experts).to(probs.dtype)
    f = counts / indices.numel()
    p = probs.mean(dim=0)
    return num_experts * torch.sum(f * p)


class MoEFFN(nn.Module):
    """Router + experts; parameter names are ADR 0002's (``router.weight``, ``experts.{e}.fc1.weight`` ...)."""

    def __init__(self, config: RetNetConfig) -> None:
        super().__init__()
        self.settings = MoESettings.from_config(config)
        s = self.settings
        self.router = nn.Linear(config.embed_dim, s.num_experts, bias=False)
        expert_config = dataclasses.replace(config, ffn_dim=s.expert_ffn_dim, extra={})
        self.experts = nn.ModuleList(DenseFFN(expert_config) for _ in range(s.num_experts))
        self._aux: Tensor | None = None
        # Tokens per expert (N*k assignments) of the last forward: the engine's moe_expert_tokens_{i} output.
        self.last_expert_tokens: Tensor | None = None

    def forward(self, x: Tensor) -> Tensor:
        shape = x.shape
        x2 = x.reshape(-1, shape[-1])  # [N, d]
        probs, indices, weights = route_top_k(self.router(x2), self.settings.top_k)  # [N, E], [N, k], [N, k]
        out = torch.zeros_like(x2)
        # Sparse dispatch: each expert runs on its own tokens only.
        for e, expert in enumerate(self.experts):
            token, slot = (indices == e).nonzero(as_tuple=True)
            if token.numel() == 0:
                continue
            y = expert(x2[token]) * weights[token, slot, None]
            out.index_add_(0, token, y.to(out.dtype))
        self.last_expert_tokens = torch.bincount(indices.reshape(-1), minlength=self.settings.num_experts).detach()
        self._aux = self.settings.aux_loss_coef * load_balancing_loss(probs, indices, self.settings.num_experts)
        return out.reshape(shape)

    def aux_loss(self) -> Tensor | None:
        """The weighted load-balancing loss of the last forward (training adds it to the LM loss)."""
        return self._aux


def moe_tensor_shapes(config: RetNetConfig, layer: int) -> dict[str, tuple[int, ...]]:
    """ADR 0002's names and shapes of one layer's MoE FFN."""
    s = MoESettings.from_config(config)
    d, f, p = config.embed_dim, s.expert_ffn_dim, f"layers.{layer}.ffn."
    shapes: dict[str, tuple[int, ...]] = {p + "router.weight": (s.num_experts, d)}
    for e in range(s.num_experts):
        q = f"{p}experts.{e}."
        shapes |= {q + "fc1.weight": (f, d), q + "fc1.bias": (f,), q + "fc2.weight": (d, f), q + "fc2.bias": (d,)}
    return shapes


FFN_REGISTRY["moe"] = MoEFFN

__all__ = ["MoEFFN", "MoESettings", "load_balancing_loss", "moe_tensor_shapes", "route_top_k"]
