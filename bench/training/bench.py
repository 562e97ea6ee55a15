"""Training throughput of the bench RetNet (6 layers, d=512, 8 heads, GPT-2 vocabulary 50257) on this machine's CPU
with the training worker's own model and loss, and its model FLOP utilisation: achieved model FLOP/s over the
fp32 matmul FLOP/s torch reaches here, measured in the same run (same threads).

Run: npm run bench:training  (prints a table and JSON; writes docs/benchmarks/training.json)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import torch

from neuroforge_worker.model import RetNetConfig, RetNetModel
from neuroforge_worker.train import fused_adamw_supported, keep_freed_memory_for_reuse, lm_loss, parameter_groups

ROOT = Path(__file__).resolve().parents[2]
SEQ, BATCH, WARMUP, STEPS = int(os.environ.get("NF_BENCH_SEQ", 128)), int(os.environ.get("NF_BENCH_BATCH", 4)), 2, 5


def matmul_peak(n: int = 1024, repeats: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def model_flops_per_token(model: RetNetModel, config: RetNetConfig, seq: int) -> float:
    # 6 FLOPs per matmul weight per token (forward 2, backward 4) over every Linear (lm_head included; the embedding
    # is a lookup), plus retention's token-token products: q·kᵀ (d) and scores·v (value_dim) per position pair,
    # causal (half the pairs), times 3 for forward + backward.
    matmul = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    retention = 3 * 2 * (config.embed_dim + config.value_dim) * (seq / 2) * config.num_layers
    return 6 * matmul + retention


def main() -> None:
    keep_heap = keep_freed_memory_for_reuse()  # as the worker's Trainer does on CPU
    torch.manual_seed(0)
    config = RetNetConfig(vocab_size=50257, embed_dim=512, num_heads=8, num_layers=6, max_seq_len=SEQ, ffn_dim=2048, tokenizer="gpt2")
    model = RetNetModel(config)
    # The worker's optimiser exactly as the Trainer builds it (fused AdamW where the device has the kernel).
    fused = fused_adamw_supported(torch.device("cpu"))
    optimizer = torch.optim.AdamW(parameter_groups(model, 0.01), lr=3e-4, betas=(0.9, 0.95), fused=fused)
    data = torch.randint(0, config.vocab_size, (BATCH, SEQ + 1))
    # The machine is shared: the peak is measured before and after the training steps and the higher one is
    # kept, so a burst of load during one measurement cannot inflate the ratio.
    peak_before = matmul_peak()
    times = []
    for step in range(WARMUP + STEPS):
        t = time.perf_counter()
        loss = lm_loss(model(data[:, :-1]), data[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step >= WARMUP:
            times.append(time.perf_counter() - t)
    step_s = sorted(times)[len(times) // 2]
    tokens_per_s = BATCH * SEQ / step_s
    achieved = tokens_per_s * model_flops_per_token(model, config, SEQ)
    peak = max(peak_before, matmul_peak())
    result = {
        "benchmark": "training",
        "model": {"layers": 6, "embed_dim": 512, "heads": 8, "vocab": 50257, "ffn_dim": 2048,
                  "parameters": sum(p.numel() for p in model.parameters())},
        "batch": BATCH, "seq_len": SEQ, "threads": torch.get_num_threads(), "torch": torch.__version__,
        "median_step_s": step_s, "tokens_per_s": tokens_per_s,
        "model_flops_per_token": model_flops_per_token(model, config, SEQ),
        "achieved_flops_per_s": achieved, "matmul_peak_flops_per_s": peak, "mfu_vs_matmul_peak": achieved / peak,
        "goal_mfu": 0.40, "fused_adamw": fused, "keep_heap": keep_heap, "load_average_1m": os.getloadavg()[0],
    }
    print(f"{'tokens/s':>12} {'GFLOP/s':>10} {'matmul peak':>12} {'MFU':>6}")
    print(f"{tokens_per_s:12.1f} {achieved / 1e9:10.1f} {peak / 1e9:12.1f} {achieved / peak:6.1%}")
    print(json.dumps(result))
    if "--write" in sys.argv:
        (ROOT / "docs/benchmarks/training.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
