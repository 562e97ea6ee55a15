"""Cross-language parity (ADR 0003): a multimodal model folder written by this worker, run by the engine's
MultimodalModel (ONNX graphs on onnxruntime-node), gives PyTorch's numbers within 1e-4 (fp32) — encoder tokens, the
in-graph log-mel, and the logits of prefill (from the media prefix) and two recurrent decode steps, for every fusion
strategy and every subset of modalities.

Needs Node 24 with the workspace's node_modules and a built @neuroforge/ml (the fixture runs `tsc -b`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from conftest import REPO_ROOT

from neuroforge_worker.model import RetNetConfig
from neuroforge_worker.multimodal import (
    FUSION_STRATEGIES,
    AudioConfig,
    MultimodalConfig,
    MultimodalModel,
    VisionConfig,
    export_multimodal,
    randomize_,
)

TOL = 1e-4
ENGINE_SCRIPT = Path(__file__).parent / "engine" / "run-multimodal.cjs"
SUBSETS = [["vision", "audio"], [], ["vision"], ["audio"]]


def tiny_config(fusion: str) -> MultimodalConfig:
    return MultimodalConfig(
        fusion=fusion,
        text=RetNetConfig(vocab_size=259, embed_dim=32, num_heads=4, num_layers=2, max_seq_len=128, ffn_dim=64),
        vision=VisionConfig(image_size=16, patch_size=4, embed_dim=24, num_heads=2, num_layers=1, mlp_dim=48),
        audio=AudioConfig(clip_samples=2048, n_fft=256, hop_length=128, n_mels=16, embed_dim=20, num_heads=2,
                          num_layers=1, mlp_dim=40),
    )


@pytest.fixture(scope="module")
def node_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{REPO_ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env["ONNXRUNTIME_NODE_INSTALL"] = "skip"
    tsc = shutil.which("tsc", path=env["PATH"])
    if tsc is None or shutil.which("node", path=env["PATH"]) is None:
        pytest.fail("node and tsc are needed: run `npm ci` at the repo root")
    build = subprocess.run([tsc, "-b", "libs/ml/tsconfig.lib.json"], cwd=REPO_ROOT, capture_output=True, text=True,
                           env=env, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    return env


@pytest.mark.parametrize("fusion", FUSION_STRATEGIES)
def test_engine_matches_pytorch(node_env: dict[str, str], tmp_path: Path, fusion: str) -> None:
    model = randomize_(MultimodalModel(tiny_config(fusion)), seed=3).eval()
    export_multimodal(model, tmp_path / "model")
    gen = torch.Generator().manual_seed(5)
    pixels = torch.randn(1, 3, 16, 16, generator=gen)
    t = torch.arange(2048, dtype=torch.float32) / 16000
    waveform = (0.4 * torch.sin(2 * torch.pi * 700 * t) + 0.1 * torch.randn(2048, generator=gen))[None]
    prompt = torch.randint(0, 259, (7,), generator=gen).tolist()
    nxt = [65, 66]
    request = {"modelDir": str(tmp_path / "model"), "pixels": pixels.flatten().tolist(),
               "waveform": waveform.flatten().tolist(), "prompt": prompt, "next": nxt, "cases": SUBSETS}
    run = subprocess.run(["node", str(ENGINE_SCRIPT)], input=json.dumps(request), capture_output=True, text=True,
                         cwd=REPO_ROOT, env=node_env, timeout=300)
    assert run.returncode == 0, run.stderr
    engine = json.loads(run.stdout)

    def diff(got: list, want: torch.Tensor) -> float:
        return (torch.tensor(got, dtype=torch.float32).reshape(want.shape) - want).abs().max().item()

    with torch.no_grad():
        tokens = model.encode(pixels, waveform)
        diffs = {
            "vision_tokens": diff(engine["vision_tokens"], tokens["vision"]),
            "audio_tokens": diff(engine["audio_tokens"], tokens["audio"]),
            "log_mel": diff(engine["log_mel"], model.audio.log_mel(waveform)),
        }
        ids = torch.tensor([prompt + nxt])
        for case in engine["cases"]:
            subset = case["subset"]
            logits = model(ids, {m: tokens[m] for m in subset})[0, len(prompt) - 1 :]  # prefill + 2 decode steps
            assert logits.abs().max() > 0.1
            expected_start = sum(16 if m == "vision" else 15 for m in subset) if fusion == "concat" else 0
            assert case["position"] == expected_start
            diffs["+".join(subset) or "text"] = diff(case["logits"], logits)
    print(f"{fusion}: max abs diff engine vs PyTorch {diffs}")
    assert all(d <= TOL for d in diffs.values()), diffs
