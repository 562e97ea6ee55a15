"""LoRA adapters on the retention projections (q/k/v/g/out).

An adapted layer keeps the base ``weight`` under its own name (frozen) and adds ``lora_A`` [r, in] and ``lora_B``
[out, r]: y = x Wᵀ + (alpha / r) · dropout(x) Aᵀ Bᵀ. B starts at zero, so an adapted model starts equal to its
base. The dropout (``lora_dropout``) acts on the adapter branch's input in training mode only: the base path sees
x untouched, and in eval mode (evaluation, export) the branch is exactly (alpha / r) · x Aᵀ Bᵀ.
At export the adapters are merged, W' = W + (alpha / r) · B A, and the file has exactly the ADR's tensor names.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "g_proj", "out_proj")


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        if rank <= 0:
            raise ValueError(f"lora_rank must be positive, got {rank}")
        check_lora_dropout(dropout)
        self.in_features, self.out_features = base.in_features, base.out_features
        self.weight = base.weight
        self.weight.requires_grad_(False)
        self.bias = base.bias
        if self.bias is not None:
            self.bias.requires_grad_(False)
        self.rank, self.alpha = rank, alpha
        self.scaling = alpha / rank
        # nn.Dropout is the identity in eval mode; p = 0 skips it altogether (no RNG draw, no copy).
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, dtype=base.weight.dtype, device=base.weight.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, dtype=base.weight.dtype, device=base.weight.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias) + self.lora_delta(x)

    def lora_delta(self, x: Tensor) -> Tensor:
        """The adapter branch: (alpha / r) · B(A(dropout(x)))."""
        return F.linear(F.linear(self.lora_dropout(x), self.lora_A), self.lora_B) * self.scaling

    def merged_weight(self) -> Tensor:
        return self.weight + (self.lora_B @ self.lora_A) * self.scaling


def check_lora_dropout(p: float) -> None:
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p < 1.0:
        raise ValueError(f"lora_dropout must be in [0, 1) (a probability; 1 would drop the whole LoRA input), got {p!r}")


def apply_lora(
    model: nn.Module, rank: int, alpha: float, targets: tuple[str, ...] = LORA_TARGETS, dropout: float = 0.0
) -> list[str]:
    """Freezes every parameter and replaces the target linears by adapted ones; returns the adapted module names."""
    for p in model.parameters():
        p.requires_grad_(False)
    adapted = []
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if child_name in targets and isinstance(child, nn.Linear):
                setattr(module, child_name, LoRALinear(child, rank, alpha, dropout))
                adapted.append(f"{name}.{child_name}" if name else child_name)
    if not adapted:
        raise ValueError(f"no LoRA target modules {targets} found")
    return adapted


def merged_state_dict(model: nn.Module) -> dict[str, Tensor]:
    """The model's state dict with adapters merged into their base weights and the lora_* tensors dropped."""
    state = {}
    lora_modules = {name: m for name, m in model.named_modules() if isinstance(m, LoRALinear)}
    for key, value in model.state_dict().items():
        module_name, _, leaf = key.rpartition(".")
        if module_name in lora_modules:
            if leaf.startswith("lora_"):
                continue
            if leaf == "weight":
                value = lora_modules[module_name].merged_weight()
        state[key] = value.detach()
    return state


def has_lora(model: nn.Module) -> bool:
    return any(isinstance(m, LoRALinear) for m in model.modules())
