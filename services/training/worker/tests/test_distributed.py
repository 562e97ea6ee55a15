"""Data-parallel training (torch.distributed) through torchrun, on CPU with the gloo backend.

CUDA/NCCL with several GPUs cannot run here; the same code path (DDP, rank-sliced data, rank-0 events and
checkpoints, agreed stop) is exercised with two CPU processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Events, worker_env, write_json
from safetensors.torch import load_file

from neuroforge_worker.train import run_job


def test_two_process_ddp_matches_one_process_with_the_global_batch(base_job: dict[str, Any], tmp_path: Path) -> None:
    job = {**base_job, "max_steps": 3, "checkpoint_every": 2, "batch_size": 2, "device": "cpu"}
    env = worker_env() | {"GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}
    out = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "neuroforge_worker", "train", "--job", str(write_json(tmp_path / "job.json", job)),
         "--out", str(tmp_path / "ddp")],
        capture_output=True, text=True, env=env, timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [e["event"] for e in events].count("started") == 1  # rank 0 speaks for the job
    assert events[0]["world_size"] == 2
    ddp_losses = {e["step"]: e["loss"] for e in events if e["event"] == "progress"}

    single = Events()
    run_job({**job, "batch_size": 4}, tmp_path / "single", single)
    assert ddp_losses == pytest.approx(single.losses(), abs=1e-5)
    a, b = load_file(str(tmp_path / "ddp" / "model.safetensors")), load_file(str(tmp_path / "single" / "model.safetensors"))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-5
    progress = [e for e in events if e["event"] == "progress"]
    assert progress[-1]["tokens"] == 3 * 4 * 32  # tokens of both ranks
