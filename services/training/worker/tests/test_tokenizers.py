"""Byte-level and GPT-2 tokenizers: known ids, round trips, equality with the engine's tokenizer (js-tiktoken)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from neuroforge_worker.tokenizers import ByteTokenizer, GPT2Tokenizer, find_gpt2_rank_file, get_tokenizer, load_gpt2_ranks

SAMPLES = [
    "Hello world",
    "",
    " leading and trailing spaces  ",
    "tabs\tand\nnewlines\n\n  indented",
    "It's we'll they're I'd you've",
    "numbers 12345 and 3.14159, punctuation!?…",
    "emoji 🙂🚀👩‍💻 and flags 🇫🇷",
    "中文字符和日本語のテキスト、한국어",
    "mixed: naïve café Ωμέγα Привет",
    "<|endoftext|> appears as text",
    "code: def f(x):\n    return x ** 2  # square",
]


def test_byte_tokenizer_ids_and_specials() -> None:
    tok = ByteTokenizer()
    assert (tok.vocab_size, tok.bos_id, tok.eos_id, tok.pad_id) == (259, 256, 257, 258)
    assert tok.encode("Hé") == [72, 195, 169]
    assert tok.decode([256, *tok.encode("日本"), 257]) == "<|bos|>日本<|eos|>"
    for text in SAMPLES:
        assert tok.decode(tok.encode(text)) == text


def test_gpt2_known_ids() -> None:
    tok = get_tokenizer("gpt2")
    assert tok.encode("Hello world") == [15496, 995]
    assert tok.vocab_size == 50257
    assert tok.eos_id == 50256
    assert tok.decode([15496, 995]) == "Hello world"


def test_gpt2_round_trips_unicode() -> None:
    tok = get_tokenizer("gpt2")
    for text in SAMPLES:
        assert tok.decode(tok.encode(text)) == text


def test_gpt2_ranks_come_from_the_engines_package() -> None:
    path = find_gpt2_rank_file()
    assert "js-tiktoken" in str(path)
    ranks = load_gpt2_ranks(path)
    assert len(ranks) == 50256
    assert ranks[b"!"] == 0 and ranks[b"Hello"] == 15496


def test_gpt2_reads_a_plain_tiktoken_rank_file_too(tmp_path: Path) -> None:
    import base64

    ranks = load_gpt2_ranks(find_gpt2_rank_file())
    plain = tmp_path / "gpt2.tiktoken"
    plain.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    assert GPT2Tokenizer(plain).encode(SAMPLES[6]) == get_tokenizer("gpt2").encode(SAMPLES[6])


def _node() -> str | None:
    bin_dir = REPO_ROOT / "node_modules" / ".bin"
    return shutil.which("node", path=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def test_gpt2_ids_equal_the_engines_js_tiktoken() -> None:
    node = _node()
    if node is None or not (REPO_ROOT / "node_modules" / "js-tiktoken").is_dir():
        pytest.skip("node or js-tiktoken not installed")
    script = (
        "const { getEncoding } = require('js-tiktoken');"
        "const enc = getEncoding('gpt2');"
        "const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(texts.map((t) => enc.encode(t, [], []))));"
    )
    out = subprocess.run(
        [node, "-e", script], input=json.dumps(SAMPLES), capture_output=True, text=True, cwd=REPO_ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    engine_ids = json.loads(out.stdout)
    tok = get_tokenizer("gpt2")
    for text, ids in zip(SAMPLES, engine_ids, strict=True):
        assert tok.encode(text) == ids, text
