"""The worker's process protocol: JSON-line events on stdout, exit codes, SIGTERM stop, export-random."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import tiny_model_config, worker_cmd, worker_env, write_json

from neuroforge_worker.train import load_model_dir


def parse_events(stdout: str) -> list[dict[str, Any]]:
    # Every stdout line must be a JSON event: the orchestrator parses nothing else.
    return [json.loads(line) for line in stdout.splitlines()]


def test_train_emits_json_line_events_and_exits_zero(base_job: dict[str, Any], tmp_path: Path) -> None:
    job = write_json(tmp_path / "job.json", {**base_job, "max_steps": 3, "checkpoint_every": 2})
    out = subprocess.run(
        worker_cmd("train", "--job", str(job), "--out", str(tmp_path / "out")),
        capture_output=True, text=True, env=worker_env(), timeout=120,
    )
    assert out.returncode == 0, out.stderr
    events = parse_events(out.stdout)
    kinds = [e["event"] for e in events]
    assert kinds == ["started", "progress", "progress", "checkpoint", "progress", "completed"]
    progress = events[1]
    for key in ("step", "loss", "lr", "tokens_per_second", "eta_seconds", "grad_norm", "tokens"):
        assert key in progress, key
    assert progress["job_id"] == "test-job" and progress["step"] == 1
    assert events[-1]["step"] == 3 and Path(events[-1]["model_path"]).is_file()


def test_failure_is_a_failed_event_and_exit_one(base_job: dict[str, Any], tmp_path: Path) -> None:
    job = write_json(tmp_path / "job.json", {**base_job, "dataset": str(tmp_path / "missing.txt")})
    out = subprocess.run(
        worker_cmd("train", "--job", str(job), "--out", str(tmp_path / "out")),
        capture_output=True, text=True, env=worker_env(), timeout=120,
    )
    assert out.returncode == 1
    events = parse_events(out.stdout)
    assert events[-1]["event"] == "failed" and "missing.txt" in events[-1]["error"]
    assert events[-1]["job_id"] == "test-job"


def test_sigterm_stops_within_a_step_with_a_checkpoint_then_resumes(base_job: dict[str, Any], tmp_path: Path) -> None:
    job = write_json(tmp_path / "job.json", {**base_job, "max_steps": 100000, "checkpoint_every": 0})
    out_dir = tmp_path / "out"
    proc = subprocess.Popen(
        worker_cmd("train", "--job", str(job), "--out", str(out_dir)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=worker_env(),
    )
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if json.loads(line)["event"] == "progress":
                break
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rest, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    events = parse_events("".join(lines) + rest)
    assert proc.returncode == 75, stderr
    stopped = events[-1]
    assert stopped["event"] == "stopped", events[-3:]
    assert took < 10
    last_step = max(e["step"] for e in events if e["event"] == "progress")
    assert stopped["step"] == last_step
    checkpoint = Path(stopped["checkpoint"])
    assert json.loads((checkpoint / "checkpoint.json").read_text())["step"] == last_step

    resumed = subprocess.run(
        worker_cmd("train", "--job", str(job), "--out", str(out_dir), "--resume", "--stop-after-steps", "1"),
        capture_output=True, text=True, env=worker_env(), timeout=120,
    )
    again = parse_events(resumed.stdout)
    assert again[0]["event"] == "started" and again[0]["step"] == last_step
    assert [e["step"] for e in again if e["event"] == "progress"] == [last_step + 1]
    assert again[-1]["event"] == "stopped" and resumed.returncode == 75


def test_export_random_writes_a_loadable_deterministic_model(tmp_path: Path) -> None:
    config = write_json(tmp_path / "config.json", tiny_model_config())
    for name in ("a", "b"):
        out = subprocess.run(
            worker_cmd("export-random", "--config", str(config), "--seed", "11", "--out", str(tmp_path / name)),
            capture_output=True, text=True, env=worker_env(), timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert parse_events(out.stdout)[-1]["event"] == "exported"
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()
    model = load_model_dir(tmp_path / "a")
    norm = model.layers[0].retention_norm.weight
    assert not bool((norm == 1).all())  # norms randomised so parity checks them too
