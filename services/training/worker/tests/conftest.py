"""Shared fixtures: tiny models and corpora, one torch thread (the machine is shared), subprocess env."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

torch.set_num_threads(1)

WORKER_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = WORKER_DIR.parents[2]

CORPUS = (
    "The quick brown fox jumps over the lazy dog. "
    "A retentive network keeps a decayed summary of the past. "
    "NeuroForge trains small models on small data in its tests. "
) * 12


def tiny_model_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "vocab_size": 259,
        "embed_dim": 32,
        "num_heads": 4,
        "num_layers": 2,
        "max_seq_len": 64,
        "ffn_dim": 64,
        "tokenizer": "byte",
        "architecture": "retnet",
    }
    config.update(overrides)
    return config


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


@pytest.fixture
def base_job(corpus_file: Path) -> dict[str, Any]:
    return {
        "job_id": "test-job",
        "dataset": {"path": str(corpus_file), "validation_fraction": 0.1},
        "model": tiny_model_config(),
        "batch_size": 4,
        "learning_rate": 3e-3,
        "weight_decay": 0.01,
        "warmup_steps": 2,
        "max_steps": 8,
        "gradient_accumulation_steps": 1,
        "max_grad_norm": 1.0,
        "seq_len": 32,
        "seed": 7,
        "checkpoint_every": 4,
        "eval_batches": 2,
    }


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(WORKER_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    env["NEUROFORGE_TORCH_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def worker_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "neuroforge_worker", *args]


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


class Events:
    """Collects emitted events in process."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        self.items.append(event)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.items if e["event"] == kind]

    def losses(self) -> dict[int, float]:
        return {e["step"]: e["loss"] for e in self.of("progress")}
