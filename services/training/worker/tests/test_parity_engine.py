"""Cross-language parity (ADR 0001): a model folder written by this worker, run by the engine's ONNX graphs
(libs/ml RetNetModel on onnxruntime-node), gives the same logits as PyTorch: max abs diff <= 1e-4 in fp32.

Needs Node 24 with the workspace's node_modules and a built @neuroforge/ml (dist/); the test builds it with
`tsc -b` (incremental, a no-op after the test command's build phase).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from conftest import REPO_ROOT, tiny_model_config, worker_cmd, worker_env, write_json

from neuroforge_worker.train import load_model_dir

TOL = 1e-4
ENGINE_SCRIPT = Path(__file__).parent / "engine" / "run-engine.cjs"


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{REPO_ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env["ONNXRUNTIME_NODE_INSTALL"] = "skip"
    return env


@pytest.fixture(scope="module")
def engine_ready() -> dict[str, str]:
    env = _node_env()
    node, tsc = shutil.which("node", path=env["PATH"]), shutil.which("tsc", path=env["PATH"])
    if node is None or tsc is None or not (REPO_ROOT / "libs" / "ml" / "src" / "retnet" / "model.ts").is_file():
        pytest.fail("the engine (libs/ml RetNetModel), node and tsc are needed: run `npm ci` at the repo root")
    build = subprocess.run(
        [tsc, "-b", "libs/ml/tsconfig.lib.json"], cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return env


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("byte-2-layer", {}),
        ("gpt2-vocab-odd-shapes", {"vocab_size": 50257, "tokenizer": "gpt2", "embed_dim": 24, "num_heads": 3,
                                   "num_layers": 1, "ffn_dim": 40, "value_factor": 1, "rope_base": 500.0}),
        # ADR 0002: every block's FFN is a Mixture of Experts (sparse dispatch in the engine's graphs).
        ("moe-4-experts-top-2", {"ffn": "moe", "num_experts": 4, "top_k": 2, "expert_ffn_dim": 24}),
    ],
)
def test_engine_logits_equal_pytorch(engine_ready: dict[str, str], tmp_path: Path, name: str, overrides: dict) -> None:
    config = write_json(tmp_path / "config.json", tiny_model_config(**overrides))
    model_dir = tmp_path / "model"
    export = subprocess.run(
        worker_cmd("export-random", "--config", str(config), "--seed", "3", "--out", str(model_dir), "--std", "0.2"),
        capture_output=True, text=True, env=worker_env(), timeout=300,
    )
    assert export.returncode == 0, export.stderr

    vocab = json.loads(config.read_text())["vocab_size"]
    gen = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, vocab, (11,), generator=gen).tolist()
    continuation = torch.randint(0, vocab, (6,), generator=gen).tolist()
    batch = [torch.randint(0, vocab, (n,), generator=gen).tolist() for n in (4, 9)]
    request = {"modelDir": str(model_dir), "chunkSize": 4, "prompt": prompt, "continuation": continuation, "batch": batch}
    run = subprocess.run(
        ["node", str(ENGINE_SCRIPT)], input=json.dumps(request), capture_output=True, text=True,
        cwd=REPO_ROOT, env=engine_ready, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    engine = json.loads(run.stdout)
    assert engine["vocabSize"] == vocab

    model = load_model_dir(model_dir).eval()
    with torch.no_grad():
        want_prompt = model(torch.tensor([prompt]))[0, -1]
        want_continued = model(torch.tensor([prompt + continuation]))[0, -1]
        want_decode = torch.stack([model(torch.tensor([seq]))[0, -1] for seq in batch])
    assert want_prompt.abs().max() > 0.1  # logits of a real size, so the tolerance means something

    def diff(got: list[float], want: torch.Tensor) -> float:
        return (torch.tensor(got, dtype=torch.float32).reshape(want.shape) - want).abs().max().item()

    diffs = {
        "parallel": diff(engine["parallel"], want_prompt),
        "chunkwise": diff(engine["chunkwise"], want_prompt),
        "continued": diff(engine["continued"], want_continued),
        "decode": diff(engine["decode"], want_decode),
    }
    print(f"{name}: max abs logit diff engine vs PyTorch {diffs}")
    assert all(d <= TOL for d in diffs.values()), diffs
