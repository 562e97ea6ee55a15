"""The worker's multimodal training path: train a fusion model on the shapes-and-tones task, measure caption
accuracy on held-out samples, export the model folder the engine loads, and write the held-out set as PNG/WAV files.

    python -m neuroforge_worker.multimodal_train --fusion concat --out DIR [--steps 500] [--threads 1]

stdout carries JSON lines (``started``, ``progress``, ``completed``), like the text worker's protocol.
Batches hold one subset of modalities each (image only, audio only, both), cycling, so the concat prefix has one
length per batch; captions are ``[bos] bytes [eos]`` with the loss on every caption token.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from .model import RetNetConfig
from .multimodal import FUSION_STRATEGIES, AudioConfig, MultimodalConfig, MultimodalModel, VisionConfig, export_multimodal
from .synthetic.shapes_tones import SUBSETS, Sample, make_sample, pixels_of, waveform_of, write_set

BOS, EOS, PAD = 256, 257, 258


def synthetic_config(fusion: str) -> MultimodalConfig:
    return MultimodalConfig(
        fusion=fusion,
        text=RetNetConfig(vocab_size=259, embed_dim=64, num_heads=4, num_layers=2, max_seq_len=96, ffn_dim=128),
        vision=VisionConfig(image_size=32, patch_size=8, embed_dim=48, num_heads=2, num_layers=1, mlp_dim=96),
        audio=AudioConfig(clip_samples=4000, n_fft=256, hop_length=256, n_mels=24, embed_dim=48, num_heads=2,
                          num_layers=1, mlp_dim=96),
    )


@dataclass
class MultimodalJob:
    fusion: str = "concat"
    steps: int = 500
    batch_size: int = 32
    learning_rate: float = 3e-3
    warmup_steps: int = 30
    seed: int = 7
    heldout: int = 150
    threads: int = 1
    log_every: int = 25


def media_tensors(samples: list[Sample], config: MultimodalConfig) -> dict[str, torch.Tensor]:
    """Pixels / waveforms of a batch that shares one subset."""
    out: dict[str, torch.Tensor] = {}
    v, a = config.vision, config.audio
    if samples[0].image is not None and v is not None:
        out["pixels"] = torch.from_numpy(np.stack([pixels_of(s.image, v.mean, v.std) for s in samples]))  # type: ignore[arg-type]
    if samples[0].audio is not None and a is not None:
        out["waveform"] = torch.from_numpy(np.stack([waveform_of(s.audio, a.clip_samples) for s in samples]))  # type: ignore[arg-type]
    return out


def caption_batch(captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """inputs [B, T] = [bos] bytes (padded), targets [B, T] = bytes [eos] (-100 on padding)."""
    seqs = [[BOS, *c.encode("utf-8"), EOS] for c in captions]
    width = max(len(s) for s in seqs) - 1
    inputs = torch.full((len(seqs), width), PAD, dtype=torch.long)
    targets = torch.full((len(seqs), width), -100, dtype=torch.long)
    for i, s in enumerate(seqs):
        inputs[i, : len(s) - 1] = torch.tensor(s[:-1])
        targets[i, : len(s) - 1] = torch.tensor(s[1:])
    return inputs, targets


def _tokens(model: MultimodalModel, media: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return model.encode(media.get("pixels"), media.get("waveform"))


@torch.no_grad()
def greedy_captions(model: MultimodalModel, samples: list[Sample], max_len: int = 40) -> list[str]:
    """Greedy decoding from [bos] (full forward per step: tiny model, held-out scoring only)."""
    tokens = _tokens(model, media_tensors(samples, model.config))
    ids = torch.full((len(samples), 1), BOS, dtype=torch.long)
    done = torch.zeros(len(samples), dtype=torch.bool)
    for _ in range(max_len):
        nxt = model(ids, tokens)[:, -1].argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, EOS), nxt)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        done |= nxt == EOS
        if bool(done.all()):
            break
    out = []
    for row in ids[:, 1:].tolist():
        row = row[: row.index(EOS)] if EOS in row else row
        out.append(bytes(t for t in row if t < 256).decode("utf-8", errors="replace"))
    return out


def heldout_samples(job: MultimodalJob, config: MultimodalConfig) -> list[Sample]:
    rng = np.random.default_rng(job.seed + 1_000_003)  # disjoint stream from training
    a, v = config.audio, config.vision
    assert a is not None and v is not None
    return [make_sample(rng, v.image_size, a.clip_samples, a.sample_rate, SUBSETS[i % 3]) for i in range(job.heldout)]


def accuracy(model: MultimodalModel, samples: list[Sample]) -> dict[str, Any]:
    """Exact-match caption accuracy, overall and per subset (batched by subset)."""
    per: dict[str, list[bool]] = {}
    for subset in SUBSETS:
        group = [s for s in samples if s.subset == subset]
        if group:
            got = greedy_captions(model, group)
            per[subset] = [g == s.caption for g, s in zip(got, group)]
    hits = [h for v in per.values() for h in v]
    return {"accuracy": sum(hits) / len(hits), "per_subset": {k: sum(v) / len(v) for k, v in per.items()}, "samples": len(hits)}


def train_synthetic(job: MultimodalJob, out_dir: Path, emit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    torch.set_num_threads(job.threads)
    torch.manual_seed(job.seed)
    config = synthetic_config(job.fusion)
    model = MultimodalModel(config)
    a, v = config.audio, config.vision
    assert a is not None and v is not None
    rng = np.random.default_rng(job.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=job.learning_rate, weight_decay=0.01, betas=(0.9, 0.95))
    emit({"event": "started", "fusion": job.fusion, "max_steps": job.steps, "parameters": sum(p.numel() for p in model.parameters())})
    started = time.perf_counter()
    loss_value = math.nan
    for step in range(1, job.steps + 1):
        lr = job.learning_rate * min(1.0, step / job.warmup_steps) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / job.steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        subset = SUBSETS[step % 3]
        batch = [make_sample(rng, v.image_size, a.clip_samples, a.sample_rate, subset) for _ in range(job.batch_size)]
        inputs, targets = caption_batch([s.caption for s in batch])
        logits = model(inputs, _tokens(model, media_tensors(batch, config)))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss_value = float(loss.detach())
        if step % job.log_every == 0 or step == job.steps:
            emit({"event": "progress", "step": step, "max_steps": job.steps, "loss": loss_value, "lr": lr})
    train_seconds = time.perf_counter() - started
    model.eval()
    heldout = heldout_samples(job, config)
    scores = accuracy(model, heldout)
    export_multimodal(model, out_dir / "model")
    write_set(heldout, out_dir / "heldout", a.sample_rate)
    summary = {"event": "completed", "fusion": job.fusion, "steps": job.steps, "final_loss": loss_value,
               "train_seconds": round(train_seconds, 1), "threads": job.threads, "pytorch_heldout": scores,
               "model_path": str(out_dir / "model"), "heldout_manifest": str(out_dir / "heldout" / "manifest.jsonl")}
    emit(summary)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neuroforge_worker.multimodal_train", description=__doc__.splitlines()[0])
    parser.add_argument("--fusion", choices=FUSION_STRATEGIES, default="concat")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--steps", type=int, default=MultimodalJob.steps)
    parser.add_argument("--batch-size", type=int, default=MultimodalJob.batch_size)
    parser.add_argument("--heldout", type=int, default=MultimodalJob.heldout)
    parser.add_argument("--seed", type=int, default=MultimodalJob.seed)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    job = MultimodalJob(fusion=args.fusion, steps=args.steps, batch_size=args.batch_size, heldout=args.heldout,
                        seed=args.seed, threads=args.threads)

    def emit(event: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    try:
        train_synthetic(job, args.out, emit)
    except Exception as err:  # noqa: BLE001 - reported as an event, like the text worker
        emit({"event": "failed", "error": f"{type(err).__name__}: {err}"})
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
