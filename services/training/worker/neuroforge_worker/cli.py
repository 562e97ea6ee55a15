"""Command line of the worker; the training service drives it through this protocol (docs/training/worker.md).

  python -m neuroforge_worker train --job job.json --out DIR [--resume] [--stop-after-steps N]
  python -m neuroforge_worker export-random --config config.json --seed N --out DIR

stdout carries only JSON lines, one event each ({"event": "started" | "progress" | "checkpoint" | "completed" |
"stopped" | "failed", ...}); human-readable logs go to stderr. Exit status: 0 completed, 1 failed,
2 usage error, 75 stopped (resumable with --resume).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, TextIO

EXIT_COMPLETED, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 75


class EventWriter:
    """Writes one JSON object per line and flushes, so the orchestrator sees each event at once."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        line = json.dumps(_finite(event), separators=(",", ":"))
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()


def _finite(value: Any) -> Any:
    """JSON has no NaN/Infinity: report them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuroforge_worker", description="NeuroForge PyTorch training worker")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="run a training job")
    train.add_argument("--job", required=True, help="job spec JSON file")
    train.add_argument("--out", required=True, help="output folder (checkpoints, model, lineage)")
    train.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    train.add_argument("--stop-after-steps", type=int, default=None, help="checkpoint and stop after N steps")
    export = sub.add_parser("export-random", help="write a randomly initialised model (parity tests)")
    export.add_argument("--config", required=True, help="model config.json (ADR 0001 keys)")
    export.add_argument("--seed", type=int, required=True)
    export.add_argument("--out", required=True)
    export.add_argument("--std", type=float, default=0.02, help="init std of matrices and embeddings")
    export.add_argument(
        "--plain-norms", action="store_true", help="keep norm weights at 1 and biases at 0 instead of randomising"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Only events go to the real stdout; anything else printed (libraries, warnings) goes to stderr.
    events = EventWriter(sys.stdout)
    sys.stdout = sys.stderr
    if args.command == "export-random":
        return _export_random(args, events)
    return _train(args, events)


def _train(args: argparse.Namespace, events: EventWriter) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        print(f"[neuroforge] signal {signum}: stopping after the current step", file=sys.stderr)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    job_id = None
    try:
        raw = json.loads(Path(args.job).read_text())
        job_id = raw.get("job_id") if isinstance(raw, dict) else None
        from .train import run_job  # imported here so usage errors do not pay for importing torch

        threads = os.environ.get("NEUROFORGE_TORCH_THREADS")
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        result = run_job(raw, args.out, events, resume=args.resume, stop_after_steps=args.stop_after_steps, stop_event=stop)
        return EXIT_STOPPED if result["event"] == "stopped" else EXIT_COMPLETED
    except Exception as e:  # noqa: BLE001 - every failure becomes a failed event for the orchestrator
        traceback.print_exc(file=sys.stderr)
        events({"event": "failed", "job_id": job_id, "error": f"{type(e).__name__}: {e}"})
        return EXIT_FAILED


def _export_random(args: argparse.Namespace, events: EventWriter) -> int:
    try:
        import torch

        from .model import RetNetConfig, RetNetModel
        from .train import export_model

        config = RetNetConfig.load(args.config)
        torch.manual_seed(args.seed)
        model = RetNetModel(config)
        model.reset_parameters(std=args.std)
        if not args.plain_norms:
            # Non-trivial norm parameters so a parity test also checks that they are wired up.
            with torch.no_grad():
                for name, p in model.named_parameters():
                    if "norm" in name:
                        p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
                    elif name.endswith("bias"):
                        p.copy_(0.02 * torch.randn_like(p))
        path = export_model(model, config, args.out)
        events({"event": "exported", "model_path": str(path), "config_path": str(Path(args.out) / "config.json")})
        return EXIT_COMPLETED
    except Exception as e:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        events({"event": "failed", "error": f"{type(e).__name__}: {e}"})
        return EXIT_FAILED
