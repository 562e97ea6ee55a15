"""RetNet exactly as ADR 0001 defines it, weight for weight with the engine (libs/ml).

Three forms of multi-scale retention compute the same numbers:
  * parallel   - whole sequence at once (training, tests),
  * recurrent  - one token per sequence with a [B, H, d_k, d_v + 1] state per layer,
  * chunkwise  - a chunk of C tokens at absolute position p, state in / state out.
The parameter names and shapes (``state_dict()``) are the ADR's safetensors names, so a saved state dict loads
in the engine unchanged. The FFN is pluggable: ``build_ffn`` returns the dense FFN today; an MoE FFN will
register under another ``ffn_type`` without touching the block.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# ---------------------------------------------------------------------------------------------------------------
# Config


@dataclass
class RetNetConfig:
    """The ADR's ``config.json`` (snake_case keys)."""

    vocab_size: int
    embed_dim: int
    num_heads: int
    num_layers: int
    max_seq_len: int
    ffn_dim: int
    dropout: float = 0.0
    value_factor: int = 2
    layer_norm_eps: float = 1e-5
    group_norm_eps: float = 1e-5
    rope_base: float = 10000.0
    tokenizer: str = "byte"
    architecture: str = "retnet"
    # Extra keys that another component wrote are kept and written back.
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.architecture != "retnet":
            raise ValueError(f"architecture must be 'retnet', got {self.architecture!r}")
        if self.embed_dim % self.num_heads != 0:
            raise ValueError(f"embed_dim {self.embed_dim} is not divisible by num_heads {self.num_heads}")
        if self.head_dim % 2 != 0 or self.head_dim < 4:
            # Rotation pairs channels, and theta_j = base^(-j / (d_k/2 - 1)) needs d_k/2 >= 2.
            raise ValueError(f"d_k = embed_dim / num_heads = {self.head_dim} must be even and at least 4")
        if self.tokenizer not in ("byte", "gpt2"):
            raise ValueError(f"tokenizer must be 'byte' or 'gpt2', got {self.tokenizer!r}")
        for name in ("vocab_size", "embed_dim", "num_heads", "num_layers", "max_seq_len", "ffn_dim", "value_factor"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")

    @property
    def head_dim(self) -> int:
        """d_k."""
        return self.embed_dim // self.num_heads

    @property
    def value_head_dim(self) -> int:
        """d_v = value_factor * d / H."""
        return self.value_factor * self.embed_dim // self.num_heads

    @property
    def value_dim(self) -> int:
        """D_v = H * d_v."""
        return self.num_heads * self.value_head_dim

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetNetConfig:
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in data.items() if k in known}
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs, extra=extra)

    @classmethod
    def load(cls, path: str | Path) -> RetNetConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        out.update(self.extra)
        return out


# ---------------------------------------------------------------------------------------------------------------
# Retention


def rotation_frequencies(head_dim: int, base: float) -> Tensor:
    """theta_j = 1 / base^linspace(0, 1, d_k/2), float64."""
    return 1.0 / torch.pow(torch.tensor(float(base), dtype=torch.float64), torch.linspace(0, 1, head_dim // 2, dtype=torch.float64))


def rotation_tables(positions: Tensor, theta: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """cos and signed sin of position * theta_j, interleaved to d_k channels: [..., T, d_k] each, in ``dtype``.

    cos2 = (cos_0, cos_0, cos_1, cos_1, ...), sin2 = (-sin_0, sin_0, -sin_1, sin_1, ...); the angles are float64.
    """
    angles = positions.to(torch.float64)[..., None] * theta  # [..., T, d_k/2]
    cos = torch.cos(angles).to(dtype)
    sin = torch.sin(angles).to(dtype)
    return cos.repeat_interleave(2, dim=-1), torch.stack((-sin, sin), dim=-1).flatten(-2)


def rotate_with(x: Tensor, cos2: Tensor, sin2: Tensor) -> Tensor:
    """x * cos2 + pair_swap(x) * sin2 with tables from :func:`rotation_tables`.

    Bit for bit the rotation (even*cos - odd*sin, odd*cos + even*sin): negating a product is exact in IEEE
    arithmetic, and each output channel adds the same two products in the same order. Works on contiguous
    channels instead of stride-2 halves, which is what makes it cheap.
    """
    swapped = x.unflatten(-1, (-1, 2)).flip(-1).flatten(-2)  # (x1, x0, x3, x2, ...)
    return x * cos2 + swapped * sin2


def rotate(x: Tensor, positions: Tensor, theta: Tensor) -> Tensor:
    """Rotates pairs (2j, 2j+1) of the last dim by position * theta_j.

    x: [..., T, d_k]; positions: broadcastable to [..., T] (float64 absolute indices).
    """
    return rotate_with(x, *rotation_tables(positions, theta, x.dtype))


def decay_gammas(num_heads: int) -> Tensor:
    """gamma_h = 1 - 2^(-5-h), float64."""
    return 1.0 - torch.pow(2.0, -5.0 - torch.arange(num_heads, dtype=torch.float64))


def decay_sums(gammas: Tensor, positions: Tensor) -> Tensor:
    """c_n = (1 - gamma^(n+1)) / (1 - gamma) for every head and position: [H, *positions.shape], float64."""
    g = gammas.reshape(-1, *([1] * positions.dim()))
    return (1.0 - torch.pow(g, positions.to(torch.float64) + 1.0)) / (1.0 - g)


class MultiScaleRetention(nn.Module):
    def __init__(self, config: RetNetConfig) -> None:
        super().__init__()
        d, dv_total = config.embed_dim, config.value_dim
        self.num_heads = config.num_heads
        self.head_dim = config.head_dim
        self.value_head_dim = config.value_head_dim
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, dv_total, bias=False)
        self.g_proj = nn.Linear(d, dv_total, bias=False)
        self.group_norm = nn.GroupNorm(config.num_heads, dv_total, eps=config.group_norm_eps)
        self.out_proj = nn.Linear(dv_total, d, bias=False)
        # Constants in float64; cast where used so float64 tests are exact and fp32 matches the engine's constants.
        self.register_buffer("theta", rotation_frequencies(config.head_dim, config.rope_base), persistent=False)
        self.register_buffer("gammas", decay_gammas(config.num_heads), persistent=False)
        # Position-only constants of forward_chunk (rotation tables, decay mask, scales), keyed by
        # (start, length, device, dtype): training recomputed them in float64 every layer of every step.
        self._tables: dict[tuple[int, int, torch.device, torch.dtype], dict[str, Tensor]] = {}

    # -- shared pieces ------------------------------------------------------------------------------------------
    def _project(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """x [B, T, d] -> q, k [B, H, T, d_k] (k pre-scaled by d_k^-0.5), v [B, H, T, d_v]."""
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        k = (self.k_proj(x) * self.head_dim**-0.5).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.num_heads, self.value_head_dim).transpose(1, 2)
        return q, k, v

    def _finish(self, x: Tensor, o: Tensor) -> Tensor:
        """o [B, H, T, d_v] -> GroupNorm per head, swish gate, out_proj -> [B, T, d]."""
        b, h, t, dv = o.shape
        o = self.group_norm(o.transpose(1, 2).reshape(b * t, h * dv)).view(b, t, h * dv)
        return self.out_proj(F.silu(self.g_proj(x)) * o)

    @staticmethod
    def _with_ones(v: Tensor) -> Tensor:
        """v' = [v, 1]: the extra column carries the decayed key sums (the row sums r)."""
        return torch.cat((v, torch.ones_like(v[..., :1])), dim=-1)

    @staticmethod
    def _normalise(out: Tensor) -> Tensor:
        """[o, r] -> o / max(|r|, 1)."""
        return out[..., :-1] / out[..., -1:].abs().clamp(min=1.0)

    @torch.no_grad()
    def _chunk_tables(self, start: int, c: int, device: torch.device, dtype: torch.dtype) -> dict[str, Tensor]:
        """The constants of a chunk at positions start..start+c-1, built in float64 and cast once to ``dtype``."""
        key = (start, c, device, dtype)
        tables = self._tables.get(key)
        if tables is not None:
            return tables
        g = self.gammas.to(device)  # [H]
        pos = torch.arange(start, start + c, dtype=torch.float64, device=device)
        cos2, sin2 = rotation_tables(pos, self.theta.to(device), dtype)
        row_scale = torch.rsqrt(decay_sums(g, pos))  # [H, C]: 1/sqrt(c_{p+i})
        i = torch.arange(c, dtype=torch.float64, device=device)
        diff = i[:, None] - i[None, :]
        zero = torch.zeros((), dtype=torch.float64, device=device)
        mask = torch.where(diff >= 0, torch.pow(g[:, None, None], diff.clamp(min=0)), zero)
        tables = {
            "cos2": cos2,
            "sin2": sin2,
            "mask": (mask * row_scale[:, :, None]).to(dtype),  # D~ [H, C, C]
            "cross_scale": (torch.pow(g[:, None], i[None, :] + 1.0) * row_scale).to(dtype),  # [H, C]
            "k_decay": torch.pow(g[:, None], (c - 1.0) - i[None, :]).to(dtype),  # gamma^(C-1-j) [H, C]
            "state_decay": torch.pow(g, float(c)).to(dtype),  # gamma^C [H]
        }
        # Bounded: chunked inference walks many starts; training reuses one (0, T) entry.
        if len(self._tables) >= 64:
            self._tables.clear()
        self._tables[key] = tables
        return tables

    # -- forms --------------------------------------------------------------------------------------------------
    def forward(self, x: Tensor) -> Tensor:
        """Parallel form over positions 0..T-1."""
        out, _ = self.forward_chunk(x, start=0, state=None, return_state=False)
        return out

    def forward_chunk(
        self, x: Tensor, start: int, state: Tensor | None, return_state: bool = True
    ) -> tuple[Tensor, Tensor | None]:
        """Chunkwise form: x [B, C, d] at absolute positions start..start+C-1, state Sigma_{start-1} (None = zeros).

        With start=0 and no state it is exactly the parallel form.
        """
        q, k, v = self._project(x)
        # The retention core runs in the projections' dtype, but never in reduced precision: autocast would put
        # the decay mask and the row-sum normalisation in bf16/fp16.
        with torch.autocast(device_type=x.device.type, enabled=False):
            dtype = torch.float32 if q.dtype in (torch.float16, torch.bfloat16) else q.dtype
            q, k, v = q.to(dtype), k.to(dtype), v.to(dtype)
            c = x.shape[1]
            t = self._chunk_tables(start, c, x.device, dtype)
            q = rotate_with(q, t["cos2"], t["sin2"])
            k = rotate_with(k, t["cos2"], t["sin2"])
            v1 = self._with_ones(v)
            out = ((q @ k.transpose(-1, -2)) * t["mask"]) @ v1  # [B, H, C, d_v+1]
            if state is not None:
                out = out + (q @ state.to(dtype)) * t["cross_scale"][None, :, :, None]
            o = self._normalise(out)
            new_state = None
            if return_state:
                new_state = (k * t["k_decay"][None, :, :, None]).transpose(-1, -2) @ v1  # [B, H, d_k, d_v+1]
                if state is not None:
                    new_state = new_state + state.to(dtype) * t["state_decay"][None, :, None, None]
        return self._finish(x, o.to(x.dtype)), new_state

    def forward_recurrent(self, x: Tensor, positions: Tensor, state: Tensor | None) -> tuple[Tensor, Tensor]:
        """Recurrent form: x [B, d] one token per sequence at positions [B] (may differ), state [B, H, d_k, d_v+1]."""
        q, k, v = self._project(x[:, None, :])  # [B, H, 1, *]
        with torch.autocast(device_type=x.device.type, enabled=False):
            dtype = torch.float32 if q.dtype in (torch.float16, torch.bfloat16) else q.dtype
            q, k, v = q.to(dtype), k.to(dtype), v.to(dtype)
            pos = positions.to(torch.float64).reshape(-1, 1, 1)  # broadcast over heads and the single step
            q = rotate(q, pos, self.theta)[:, :, 0]  # [B, H, d_k]
            k = rotate(k, pos, self.theta)[:, :, 0]
            v1 = self._with_ones(v[:, :, 0])  # [B, H, d_v+1]
            g = self.gammas.to(dtype)[None, :, None, None]
            update = k[..., :, None] * v1[..., None, :]
            new_state = update if state is None else g * state.to(dtype) + update
            scale = torch.rsqrt(decay_sums(self.gammas, positions.to(torch.float64))).T.to(dtype)  # [B, H]
            out = (q[..., None, :] @ new_state)[..., 0, :] * scale[..., None]
            o = self._normalise(out)  # [B, H, d_v]
        return self._finish(x[:, None, :], o[:, :, None, :].to(x.dtype))[:, 0], new_state


# ---------------------------------------------------------------------------------------------------------------
# FFN (pluggable)


class DenseFFN(nn.Module):
    """fc1 -> GELU (exact, erf) -> fc2."""

    def __init__(self, config: RetNetConfig) -> None:
        super().__init__()
        self.fc1 = nn.Linear(config.embed_dim, config.ffn_dim)
        self.fc2 = nn.Linear(config.ffn_dim, config.embed_dim)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.dropout(F.gelu(self.fc1(x))))

    def aux_loss(self) -> Tensor | None:
        """Auxiliary training loss of the FFN (an MoE's load balancing); dense has none."""
        return None


FFN_REGISTRY: dict[str, Callable[[RetNetConfig], nn.Module]] = {"dense": DenseFFN}


def build_ffn(config: RetNetConfig) -> nn.Module:
    # config.json key "ffn" (ADR 0002: "dense" | "moe"); "ffn_type" is the older spelling.
    kind = str(config.extra.get("ffn", config.extra.get("ffn_type", "dense")))
    if kind not in FFN_REGISTRY:
        raise ValueError(f"unknown ffn {kind!r}; known: {sorted(FFN_REGISTRY)}")
    return FFN_REGISTRY[kind](config)


# ---------------------------------------------------------------------------------------------------------------
# Blocks and the model


class RetNetBlock(nn.Module):
    def __init__(self, config: RetNetConfig, ffn: nn.Module | None = None) -> None:
        super().__init__()
        self.retention_norm = nn.LayerNorm(config.embed_dim, eps=config.layer_norm_eps)
        self.retention = MultiScaleRetention(config)
        self.ffn_norm = nn.LayerNorm(config.embed_dim, eps=config.layer_norm_eps)
        self.ffn = ffn if ffn is not None else build_ffn(config)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.dropout(self.retention(self.retention_norm(x)))
        return x + self.dropout(self.ffn(self.ffn_norm(x)))

    def forward_chunk(self, x: Tensor, start: int, state: Tensor | None) -> tuple[Tensor, Tensor]:
        r, new_state = self.retention.forward_chunk(self.retention_norm(x), start, state)
        x = x + r
        return x + self.ffn(self.ffn_norm(x)), new_state  # type: ignore[return-value]

    def forward_recurrent(self, x: Tensor, positions: Tensor, state: Tensor | None) -> tuple[Tensor, Tensor]:
        r, new_state = self.retention.forward_recurrent(self.retention_norm(x), positions, state)
        x = x + r
        return x + self.ffn(self.ffn_norm(x)), new_state


class RetNetModel(nn.Module):
    def __init__(self, config: RetNetConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        self.layers = nn.ModuleList(RetNetBlock(config) for _ in range(config.num_layers))
        self.final_norm = nn.LayerNorm(config.embed_dim, eps=config.layer_norm_eps)
        self.lm_head = nn.Linear(config.embed_dim, config.vocab_size, bias=False)
        self.reset_parameters()

    def reset_parameters(self, std: float = 0.02) -> None:
        """GPT-style init: N(0, std) for matrices and embeddings, zero biases, identity norms."""
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=std)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, (nn.LayerNorm, nn.GroupNorm)):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, input_ids: Tensor) -> Tensor:
        """Parallel form: input_ids [B, T] (positions 0..T-1) -> logits [B, T, V]."""
        x = self.embed(input_ids)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.final_norm(x))

    def aux_loss(self) -> Tensor | None:
        losses = [loss for layer in self.layers if (loss := getattr(layer.ffn, "aux_loss", lambda: None)()) is not None]
        return torch.stack(losses).sum() if losses else None

    def forward_chunk(
        self, input_ids: Tensor, start: int, states: list[Tensor] | None = None
    ) -> tuple[Tensor, list[Tensor]]:
        """Chunkwise form for one chunk: input_ids [B, C] at positions start.. -> logits [B, C, V], new states."""
        x = self.embed(input_ids)
        new_states = []
        for i, layer in enumerate(self.layers):
            x, s = layer.forward_chunk(x, start, None if states is None else states[i])
            new_states.append(s)
        return self.lm_head(self.final_norm(x)), new_states

    def forward_chunkwise(self, input_ids: Tensor, chunk_size: int) -> tuple[Tensor, list[Tensor]]:
        """Whole sequence chunk by chunk -> logits [B, T, V] and the final states."""
        states: list[Tensor] | None = None
        outs = []
        for start in range(0, input_ids.shape[1], chunk_size):
            logits, states = self.forward_chunk(input_ids[:, start : start + chunk_size], start, states)
            outs.append(logits)
        assert states is not None
        return torch.cat(outs, dim=1), states

    def forward_recurrent(
        self, input_ids: Tensor, positions: Tensor, states: list[Tensor] | None = None
    ) -> tuple[Tensor, list[Tensor]]:
        """Recurrent form: input_ids [B] at positions [B] -> logits [B, V], new states."""
        x = self.embed(input_ids)
        new_states = []
        for i, layer in enumerate(self.layers):
            x, s = layer.forward_recurrent(x, positions, None if states is None else states[i])
            new_states.append(s)
        return self.lm_head(self.final_norm(x)), new_states


def expected_tensor_shapes(config: RetNetConfig) -> dict[str, tuple[int, ...]]:
    """The ADR's table: every tensor name and shape of a dense RetNet."""
    d, v, dv, f = config.embed_dim, config.vocab_size, config.value_dim, config.ffn_dim
    shapes: dict[str, tuple[int, ...]] = {"embed.weight": (v, d)}
    for i in range(config.num_layers):
        p = f"layers.{i}."
        shapes |= {
            p + "retention_norm.weight": (d,),
            p + "retention_norm.bias": (d,),
            p + "retention.q_proj.weight": (d, d),
            p + "retention.k_proj.weight": (d, d),
            p + "retention.v_proj.weight": (dv, d),
            p + "retention.g_proj.weight": (dv, d),
            p + "retention.group_norm.weight": (dv,),
            p + "retention.group_norm.bias": (dv,),
            p + "retention.out_proj.weight": (d, dv),
            p + "ffn_norm.weight": (d,),
            p + "ffn_norm.bias": (d,),
            p + "ffn.fc1.weight": (f, d),
            p + "ffn.fc1.bias": (f,),
            p + "ffn.fc2.weight": (d, f),
            p + "ffn.fc2.bias": (d,),
        }
    shapes |= {"final_norm.weight": (d,), "final_norm.bias": (d,), "lm_head.weight": (v, d)}
    return shapes


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = [
    "DenseFFN",
    "FFN_REGISTRY",
    "MultiScaleRetention",
    "RetNetBlock",
    "RetNetConfig",
    "RetNetModel",
    "build_ffn",
    "decay_gammas",
    "decay_sums",
    "expected_tensor_shapes",
    "param_count",
    "rotate",
    "rotate_with",
    "rotation_frequencies",
    "rotation_tables",
]

# Registers the MoE FFN under "moe" (ADR 0002); imported last because moe.py builds on the classes above.
from . import moe as _moe  # noqa: E402,F401
