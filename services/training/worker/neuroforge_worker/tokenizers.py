"""The two tokenizers the engine uses, with the same ids.

* ``byte``: ids 0-255 are the UTF-8 bytes, ``<|bos|>`` = 256, ``<|eos|>`` = 257, ``<|pad|>`` = 258 (vocab 259).
* ``gpt2``: GPT-2 BPE (vocab 50257, ``<|endoftext|>`` = 50256). The merge ranks are read from the rank file that
  the engine's own tokenizer package (js-tiktoken) ships, so both sides use the same table and nothing is fetched
  from the network. ``tiktoken`` does the encoding from those explicit ranks.
"""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
GPT2_VOCAB_SIZE = 50257
GPT2_EOT = 50256
RANKS_ENV = "NEUROFORGE_GPT2_RANKS"
_RANK_FILE_CANDIDATES = ("node_modules/js-tiktoken/dist/ranks/gpt2.cjs", "node_modules/js-tiktoken/dist/ranks/gpt2.js")


class Tokenizer(Protocol):
    name: str
    vocab_size: int
    eos_id: int
    bos_id: int | None
    pad_id: int | None

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...


class ByteTokenizer:
    name = "byte"
    vocab_size = 259
    bos_id = 256
    eos_id = 257
    pad_id = 258
    _specials = {256: "<|bos|>", 257: "<|eos|>", 258: "<|pad|>"}

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, ids: list[int]) -> str:
        out = bytearray()
        parts: list[str] = []
        for i in ids:
            if i < 256:
                out.append(i)
            else:
                parts.append(out.decode("utf-8", errors="replace"))
                out = bytearray()
                parts.append(self._specials[i])
        parts.append(out.decode("utf-8", errors="replace"))
        return "".join(parts)


def find_gpt2_rank_file(start: Path | None = None) -> Path:
    """The GPT-2 rank file: $NEUROFORGE_GPT2_RANKS, else js-tiktoken's in the nearest node_modules upwards."""
    env = os.environ.get(RANKS_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise FileNotFoundError(f"{RANKS_ENV}={env} does not name a file")
        return path
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        for candidate in _RANK_FILE_CANDIDATES:
            path = folder / candidate
            if path.is_file():
                return path
    raise FileNotFoundError(
        f"GPT-2 ranks not found: set {RANKS_ENV} to js-tiktoken's dist/ranks/gpt2.cjs "
        "(or a plain tiktoken '<base64 token> <rank>' file)"
    )


def load_gpt2_ranks(path: Path) -> dict[bytes, int]:
    """Parses js-tiktoken's compressed rank module or a tiktoken ``.tiktoken`` file into {token bytes: rank}."""
    text = path.read_text(encoding="utf-8")
    stripped = text.strip()
    if stripped.startswith(("module.exports", "export default", "{")):
        body = stripped[stripped.index("{") : stripped.rindex("}") + 1]
        data = json.loads(body)
        ranks: dict[bytes, int] = {}
        # js-tiktoken's format: lines of "<prefix> <offset> <b64 token> <b64 token> ...", ranks offset, offset+1, ...
        for line in data["bpe_ranks"].split("\n"):
            if not line:
                continue
            _, offset, *tokens = line.split(" ")
            for i, token in enumerate(tokens):
                ranks[base64.b64decode(token)] = int(offset) + i
        return ranks
    ranks = {}
    for line in text.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


class GPT2Tokenizer:
    name = "gpt2"
    vocab_size = GPT2_VOCAB_SIZE
    eos_id = GPT2_EOT
    bos_id = None
    pad_id = None

    def __init__(self, rank_file: Path | None = None) -> None:
        import tiktoken

        ranks = load_gpt2_ranks(rank_file or find_gpt2_rank_file())
        if len(ranks) != GPT2_EOT:
            raise ValueError(f"expected {GPT2_EOT} GPT-2 merge ranks, found {len(ranks)}")
        self._enc = tiktoken.Encoding(
            name="gpt2",
            pat_str=GPT2_PATTERN,
            mergeable_ranks=ranks,
            special_tokens={"<|endoftext|>": GPT2_EOT},
            explicit_n_vocab=GPT2_VOCAB_SIZE,
        )

    def encode(self, text: str) -> list[int]:
        # Training text that happens to contain '<|endoftext|>' is encoded as ordinary text instead of failing;
        # documents are separated by the eos id the data pipeline appends.
        return self._enc.encode(text, disallowed_special=())

    def decode(self, ids: list[int]) -> str:
        return self._enc.decode(ids)


@lru_cache(maxsize=4)
def get_tokenizer(name: str) -> Tokenizer:
    if name == "byte":
        return ByteTokenizer()
    if name == "gpt2":
        return GPT2Tokenizer()
    raise ValueError(f"unknown tokenizer {name!r}; known: 'byte', 'gpt2'")
