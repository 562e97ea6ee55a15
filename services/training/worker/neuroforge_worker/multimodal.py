"""Multimodal fusion exactly as ADR 0003 defines it, weight for weight with the engine (libs/ml/src/multimodal).

A RetNet text model (ADR 0001, under ``text.``), a vision encoder (patch embedding + pre-LN transformer, under
``vision.``), an audio encoder (STFT -> log-mel with ONNX's MelWeightMatrix conventions -> pre-LN transformer, under
``audio.``) and one fusion strategy (under ``fusion.``):

* ``concat``          projected modality tokens are a prefix of the RetNet's input (vision, then audio, then text);
* ``cross_attention`` h + sum_m present_m * CrossAttn_m(h, tokens_m) on the RetNet's final-normed hidden states;
* ``gated``           h + sum_m present_m * sigmoid(W [h; f_m] + b) * f_m, f_m = proj_m(mean of tokens_m);
* ``hierarchical``    pairwise cross-attention per modality, then one joint cross-attention over all present tokens.

Late-fusion strategies end with ``fusion.final_norm`` and the text model's ``lm_head``. ``state_dict()`` names are
the engine's tensor names, so an exported folder loads in ``MultimodalModel.load`` unchanged.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from .model import RetNetConfig, RetNetModel

FUSION_STRATEGIES = ("concat", "cross_attention", "gated", "hierarchical")
MODALITIES = ("vision", "audio")
MASKED = -1e9  # additive attention bias of an absent modality's tokens (as the engine)

# ---------------------------------------------------------------------------------------------------------------
# Config


@dataclass
class VisionConfig:
    image_size: int
    patch_size: int
    embed_dim: int
    num_heads: int
    num_layers: int
    mlp_dim: int
    mean: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    std: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    layer_norm_eps: float = 1e-5

    @property
    def num_tokens(self) -> int:
        return (self.image_size // self.patch_size) ** 2


@dataclass
class AudioConfig:
    clip_samples: int
    n_fft: int
    hop_length: int
    n_mels: int
    embed_dim: int
    num_heads: int
    num_layers: int
    mlp_dim: int
    sample_rate: int = 16000
    f_min: float = 0.0
    f_max: float | None = None
    mel_floor: float = 1e-5
    layer_norm_eps: float = 1e-5

    @property
    def num_tokens(self) -> int:
        return (self.clip_samples - self.n_fft) // self.hop_length + 1

    @property
    def upper_hz(self) -> float:
        return self.f_max if self.f_max is not None else self.sample_rate / 2


@dataclass
class MultimodalConfig:
    fusion: str
    text: RetNetConfig
    vision: VisionConfig | None = None
    audio: AudioConfig | None = None
    fusion_heads: int | None = None
    architecture: str = "multimodal"

    def __post_init__(self) -> None:
        if self.fusion not in FUSION_STRATEGIES:
            raise ValueError(f"fusion must be one of {FUSION_STRATEGIES}, got {self.fusion!r}")
        if self.vision is None and self.audio is None:
            raise ValueError("a multimodal model needs vision, audio or both")
        if self.text.embed_dim % self.heads != 0:
            raise ValueError(f"text.embed_dim {self.text.embed_dim} must be divisible by fusion_heads {self.heads}")

    @property
    def heads(self) -> int:
        return self.fusion_heads or self.text.num_heads

    @property
    def modalities(self) -> list[str]:
        return [m for m in MODALITIES if getattr(self, m) is not None]

    def modality_dim(self, m: str) -> int:
        return getattr(self, m).embed_dim

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MultimodalConfig:
        return cls(
            fusion=data["fusion"],
            text=RetNetConfig.from_dict(data["text"]),
            vision=VisionConfig(**data["vision"]) if data.get("vision") else None,
            audio=AudioConfig(**data["audio"]) if data.get("audio") else None,
            fusion_heads=data.get("fusion_heads"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"architecture": "multimodal", "fusion": self.fusion, "text": self.text.to_dict()}
        if self.fusion_heads is not None:
            out["fusion_heads"] = self.fusion_heads
        for m in MODALITIES:
            cfg = getattr(self, m)
            if cfg is not None:
                out[m] = {k: v for k, v in asdict(cfg).items() if v is not None}
        return out


# ---------------------------------------------------------------------------------------------------------------
# Log-mel (ONNX conventions: periodic Hann, no centre padding, |X|^2, MelWeightMatrix, log(mel + floor))


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, f_min: float, f_max: float) -> Tensor:
    """ONNX MelWeightMatrix [n_fft/2 + 1, n_mels]: HTK mel, N+2 points spaced by (mel(hi) - mel(lo)) / (N+2),
    bins floor((n_fft + 1) * f / sample_rate), unit-peak triangles (float64)."""
    import numpy as np

    def to_mel(hz: float) -> float:
        return 2595.0 * math.log10(1.0 + hz / 700.0)

    low = to_mel(float(np.float32(f_min)))
    step = (to_mel(float(np.float32(f_max))) - low) / (n_mels + 2)
    points = [math.floor((n_fft + 1) * (700.0 * (10 ** ((low + step * i) / 2595.0) - 1.0)) / sample_rate) for i in range(n_mels + 2)]
    out = torch.zeros(n_fft // 2 + 1, n_mels, dtype=torch.float64)
    for m in range(n_mels):
        lo, c, hi = points[m], points[m + 1], points[m + 2]
        if c == lo:
            out[c, m] = 1.0
        else:
            for j in range(lo, c + 1):
                out[j, m] = (j - lo) / (c - lo)
        for j in range(c, hi):
            out[j, m] = (hi - j) / (hi - c)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Encoders


def _split_heads(x: Tensor, heads: int) -> Tensor:
    b, n, d = x.shape
    return x.view(b, n, heads, d // heads).transpose(1, 2)


def _merge_heads(o: Tensor) -> Tensor:
    b, h, n, dh = o.shape
    return o.transpose(1, 2).reshape(b, n, h * dh)


def _attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | None = None) -> Tensor:
    scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(q.shape[-1]))
    if bias is not None:
        scores = scores + bias
    return torch.softmax(scores, dim=-1) @ v


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        o = _attend(_split_heads(q, self.heads), _split_heads(k, self.heads), _split_heads(v, self.heads))
        return self.out_proj(_merge_heads(o))


class MLP(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class EncoderLayer(nn.Module):
    """Pre-LN: x + SelfAttn(LN1 x), then + MLP(LN2 x); bidirectional."""

    def __init__(self, dim: int, heads: int, mlp: int, eps: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = MLP(dim, mlp)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionEncoder(nn.Module):
    """pixels [B, 3, S, S] (normalised) -> tokens [B, (S/p)^2, D]."""

    def __init__(self, c: VisionConfig) -> None:
        super().__init__()
        self.patch_embed = nn.Conv2d(3, c.embed_dim, kernel_size=c.patch_size, stride=c.patch_size)
        self.pos_embed = nn.Parameter(torch.randn(c.num_tokens, c.embed_dim) * 0.02)
        self.layers = nn.ModuleList(EncoderLayer(c.embed_dim, c.num_heads, c.mlp_dim, c.layer_norm_eps) for _ in range(c.num_layers))
        self.final_norm = nn.LayerNorm(c.embed_dim, eps=c.layer_norm_eps)

    def forward(self, pixels: Tensor) -> Tensor:
        x = self.patch_embed(pixels).flatten(2).transpose(1, 2) + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        return self.final_norm(x)


class AudioEncoder(nn.Module):
    """waveform [B, clip_samples] -> log-mel [B, T, n_mels] -> tokens [B, T, D]."""

    def __init__(self, c: AudioConfig) -> None:
        super().__init__()
        self.config = c
        self.input_proj = nn.Linear(c.n_mels, c.embed_dim)
        self.pos_embed = nn.Parameter(torch.randn(c.num_tokens, c.embed_dim) * 0.02)
        self.layers = nn.ModuleList(EncoderLayer(c.embed_dim, c.num_heads, c.mlp_dim, c.layer_norm_eps) for _ in range(c.num_layers))
        self.final_norm = nn.LayerNorm(c.embed_dim, eps=c.layer_norm_eps)
        window = torch.hann_window(c.n_fft, periodic=True, dtype=torch.float64).to(torch.float32)
        self.register_buffer("window", window, persistent=False)
        mel = mel_filterbank(c.n_mels, c.n_fft, c.sample_rate, c.f_min, c.upper_hz).to(torch.float32)
        self.register_buffer("mel", mel, persistent=False)

    def log_mel(self, waveform: Tensor) -> Tensor:
        c = self.config
        spec = torch.stft(waveform, c.n_fft, hop_length=c.hop_length, window=self.window, center=False,
                          onesided=True, return_complex=True)  # [B, F, T]
        power = spec.real.square() + spec.imag.square()
        return torch.log(power.transpose(1, 2) @ self.mel + c.mel_floor)  # [B, T, n_mels]

    def forward(self, waveform: Tensor) -> Tensor:
        x = self.input_proj(self.log_mel(waveform)) + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        return self.final_norm(x)


# ---------------------------------------------------------------------------------------------------------------
# Fusion


class CrossAttention(nn.Module):
    """Delta of text hidden states h [B, N, d] attending to a memory [B, M, Dm]."""

    def __init__(self, d: int, mem_dim: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm = nn.LayerNorm(d, eps=eps)
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(mem_dim, d)
        self.v_proj = nn.Linear(mem_dim, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, h: Tensor, mem: Tensor, bias: Tensor | None = None) -> Tensor:
        q = _split_heads(self.q_proj(self.norm(h)), self.heads)
        k = _split_heads(self.k_proj(mem), self.heads)
        v = _split_heads(self.v_proj(mem), self.heads)
        return self.out_proj(_merge_heads(_attend(q, k, v, bias)))


def _build_fusion(c: MultimodalConfig) -> nn.ModuleDict:
    d, heads, eps = c.text.embed_dim, c.heads, c.text.layer_norm_eps
    mods = c.modalities
    f = nn.ModuleDict()
    if c.fusion == "concat":
        for m in mods:
            f[m] = nn.ModuleDict({"proj": nn.Linear(c.modality_dim(m), d)})
        return f
    if c.fusion in ("cross_attention", "hierarchical"):
        for m in mods:
            f[m] = CrossAttention(d, c.modality_dim(m), heads, eps)
    if c.fusion == "gated":
        for m in mods:
            f[m] = nn.ModuleDict({"proj": nn.Linear(c.modality_dim(m), d), "gate": nn.Linear(2 * d, d)})
    if c.fusion == "hierarchical":
        joint = nn.ModuleDict({m: nn.ModuleDict({"proj": nn.Linear(c.modality_dim(m), d)}) for m in mods})
        joint["attn"] = CrossAttention(d, d, heads, eps)
        f["joint"] = joint
    f["final_norm"] = nn.LayerNorm(d, eps=eps)
    return f


class MultimodalModel(nn.Module):
    def __init__(self, config: MultimodalConfig) -> None:
        super().__init__()
        self.config = config
        self.text = RetNetModel(config.text)
        if config.vision is not None:
            self.vision = VisionEncoder(config.vision)
        if config.audio is not None:
            self.audio = AudioEncoder(config.audio)
        self.fusion = _build_fusion(config)

    def encode(self, pixels: Tensor | None = None, waveform: Tensor | None = None) -> dict[str, Tensor]:
        """Modality tokens of the inputs given."""
        out: dict[str, Tensor] = {}
        if pixels is not None:
            out["vision"] = self.vision(pixels)
        if waveform is not None:
            out["audio"] = self.audio(waveform)
        return out

    def forward(
        self,
        input_ids: Tensor,
        tokens: dict[str, Tensor] | None = None,
        present: dict[str, Tensor] | None = None,
    ) -> Tensor:
        """Logits [B, T, V] of the text positions, conditioned on modality tokens.

        concat: every modality in ``tokens`` is a prefix for the whole batch (group batches by subset).
        late fusion: ``present[m]`` [B] flags which sequences have modality m (default: all that are in ``tokens``);
        missing modalities get zero tokens and flag 0, as the engine feeds them.
        """
        tokens = tokens or {}
        if self.config.fusion == "concat":
            return self._forward_concat(input_ids, tokens)
        b = input_ids.shape[0]
        mems: dict[str, tuple[Tensor, Tensor]] = {}
        for m in self.config.modalities:
            if m in tokens:
                flag = present[m] if present and m in present else torch.ones(b, dtype=tokens[m].dtype, device=input_ids.device)
                mems[m] = (tokens[m], flag)
            else:
                n, dim = getattr(self.config, m).num_tokens, self.config.modality_dim(m)
                mems[m] = (torch.zeros(b, n, dim, device=input_ids.device), torch.zeros(b, device=input_ids.device))
        x = self.text.embed(input_ids)
        for layer in self.text.layers:
            x = layer(x)
        h = self.text.final_norm(x)
        return self.text.lm_head(self.fusion["final_norm"](self.fuse(h, mems)))

    def _forward_concat(self, input_ids: Tensor, tokens: dict[str, Tensor]) -> Tensor:
        prefix = [self.fusion[m]["proj"](tokens[m]) for m in self.config.modalities if m in tokens]
        x = self.text.embed(input_ids)
        p = sum(t.shape[1] for t in prefix)
        if prefix:
            x = torch.cat([*prefix, x], dim=1)
        for layer in self.text.layers:
            x = layer(x)
        return self.text.lm_head(self.text.final_norm(x))[:, p:]

    def fuse(self, h: Tensor, mems: dict[str, tuple[Tensor, Tensor]]) -> Tensor:
        """Late fusion of final-normed hidden states h [B, T, d] with (tokens, presence) per modality."""
        f, fusion = self.fusion, self.config.fusion
        flags = {m: flag.reshape(-1, 1, 1) for m, (_, flag) in mems.items()}
        if fusion == "cross_attention":
            return h + sum(f[m](h, mem) * flags[m] for m, (mem, _) in mems.items())
        if fusion == "gated":
            out = h
            for m, (mem, _) in mems.items():
                feat = f[m]["proj"](mem.mean(dim=1, keepdim=True)).expand_as(h)
                gate = torch.sigmoid(f[m]["gate"](torch.cat([h, feat], dim=-1)))
                out = out + gate * feat * flags[m]
            return out
        # hierarchical: pairwise, then all present tokens at once
        pairwise = h + sum(f[m](h, mem) * flags[m] for m, (mem, _) in mems.items())
        joint = torch.cat([f["joint"][m]["proj"](mem) for m, (mem, _) in mems.items()], dim=1)
        bias = torch.cat(
            [((flags[m].reshape(-1, 1, 1, 1) - 1.0) * -MASKED).expand(-1, 1, 1, mem.shape[1]) for m, (mem, _) in mems.items()],
            dim=-1,
        )
        any_present = torch.stack([flags[m] for m in mems]).amax(dim=0)
        return pairwise + f["joint"]["attn"](pairwise, joint, bias) * any_present


# ---------------------------------------------------------------------------------------------------------------
# Model folders


def randomize_(model: MultimodalModel, seed: int) -> MultimodalModel:
    """Every tensor non-trivial (norms 1 + N(0, 0.1^2), biases N(0, 0.1^2), matrices N(0, 1/fan_in),
    embeddings and positions N(0, 0.5^2)), so a wrongly wired tensor changes the output (parity tests)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.1 * noise)
            elif name == "text.embed.weight" or name.endswith("pos_embed"):
                p.copy_(0.5 * noise)
            else:
                p.copy_(noise / math.sqrt(max(1, p[0].numel())))
    return model


def export_multimodal(model: MultimodalModel, out_dir: str | Path) -> Path:
    """Writes config.json, model.safetensors (fp32, the engine's names) and SHA256SUMS."""
    from .train import write_checksums

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(device="cpu", dtype=torch.float32).contiguous() for k, v in model.state_dict().items()}
    # One metadata key only: safetensors writes the metadata map in hash order, so several keys would make
    # the bytes (and the sha256 the engine verifies) differ between identical exports. config.json names
    # the architecture.
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(model.config.to_dict(), indent=2) + "\n")
    write_checksums(out, ("config.json", "model.safetensors"))
    return out


def load_multimodal(path: str | Path) -> MultimodalModel:
    path = Path(path)
    model = MultimodalModel(MultimodalConfig.from_dict(json.loads((path / "config.json").read_text())))
    model.load_state_dict(load_file(str(path / "model.safetensors")), strict=True)
    return model


__all__ = [
    "AudioConfig",
    "AudioEncoder",
    "CrossAttention",
    "FUSION_STRATEGIES",
    "MultimodalConfig",
    "MultimodalModel",
    "VisionConfig",
    "VisionEncoder",
    "export_multimodal",
    "load_multimodal",
    "mel_filterbank",
    "randomize_",
]
