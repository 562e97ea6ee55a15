"""Datasets: plain text (documents separated by blank lines) or JSONL (``{"text": ...}``), tokenized, packed
into fixed-length blocks, split.

Everything is a pure function of (file bytes, tokenizer, seq_len, seed): the held-out split and the order in
which training blocks are visited. The order is addressed by a position (the count of samples consumed), so a
resumed run that restores the position sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from .tokenizers import Tokenizer


@dataclass(frozen=True)
class DatasetSpec:
    path: str
    format: str = "auto"  # "auto" | "text" | "jsonl"
    text_field: str = "text"
    validation_fraction: float = 0.1

    @classmethod
    def from_dict(cls, data: dict | str) -> DatasetSpec:
        if isinstance(data, str):
            return cls(path=data)
        unknown = set(data) - {"path", "format", "text_field", "validation_fraction"}
        if unknown:
            raise ValueError(f"dataset: unknown keys {sorted(unknown)}")
        spec = cls(**data)
        if spec.format not in ("auto", "text", "jsonl"):
            raise ValueError(f"dataset.format must be 'auto', 'text' or 'jsonl', got {spec.format!r}")
        if not 0.0 <= spec.validation_fraction < 1.0:
            raise ValueError(f"dataset.validation_fraction must be in [0, 1), got {spec.validation_fraction}")
        return spec

    def resolved_format(self) -> str:
        if self.format != "auto":
            return self.format
        return "jsonl" if Path(self.path).suffix.lower() in (".jsonl", ".ndjson") else "text"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# A blank line: a line break, optional whitespace, a line break. Any run of them separates two documents.
_BLANK_LINES = re.compile(r"\r?\n(?:[ \t\f\v]*\r?\n)+")
# The file's first and last line breaks (and blank lines there) frame the text; they belong to no document.
_EDGES = re.compile(r"^(?:[ \t\f\v]*\r?\n)+|(?:\r?\n[ \t\f\v]*)+$")


def split_text_documents(text: str) -> list[str]:
    """Plain text -> documents: separated by one or more blank lines (lines empty or holding only whitespace).

    Each document keeps its inner line breaks and is otherwise as written; the line break that ends its last
    line is the separator's (or the file's) and is dropped, and parts that are only whitespace are no documents.
    """
    return [doc for doc in _BLANK_LINES.split(_EDGES.sub("", text)) if doc.strip()]


def load_documents(spec: DatasetSpec) -> list[str]:
    """A text file holds documents separated by blank lines; a JSONL file one per line (its ``text_field``)."""
    path = Path(spec.path)
    if spec.resolved_format() == "text":
        return split_text_documents(path.read_text(encoding="utf-8"))
    docs = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {e.msg}") from e
            if not isinstance(record, dict) or not isinstance(record.get(spec.text_field), str):
                raise ValueError(f"{path}:{lineno}: expected an object with a string field {spec.text_field!r}")
            docs.append(record[spec.text_field])
    return docs


def tokenize_documents(docs: list[str], tokenizer: Tokenizer) -> list[int]:
    """Concatenates documents as [bos] ids [eos] (bos only where the tokenizer has one)."""
    ids: list[int] = []
    for doc in docs:
        if tokenizer.bos_id is not None:
            ids.append(tokenizer.bos_id)
        ids.extend(tokenizer.encode(doc))
        ids.append(tokenizer.eos_id)
    return ids


def pack_blocks(ids: list[int], seq_len: int) -> Tensor:
    """Blocks of seq_len + 1 tokens (inputs + next-token targets) with stride seq_len: [N, seq_len + 1]."""
    tokens = torch.tensor(ids, dtype=torch.long)
    n = (len(ids) - 1) // seq_len
    if n <= 0:
        return torch.empty((0, seq_len + 1), dtype=torch.long)
    return tokens.unfold(0, seq_len + 1, seq_len)[:n].clone()


@dataclass
class PackedDataset:
    train: Tensor  # [N_train, seq_len + 1]
    validation: Tensor  # [N_val, seq_len + 1]
    sha256: str
    num_tokens: int
    num_documents: int

    @classmethod
    def build(cls, spec: DatasetSpec, tokenizer: Tokenizer, seq_len: int, seed: int) -> PackedDataset:
        if not Path(spec.path).is_file():
            raise FileNotFoundError(f"dataset file not found: {spec.path}")
        docs = load_documents(spec)
        ids = tokenize_documents(docs, tokenizer)
        blocks = pack_blocks(ids, seq_len)
        n = blocks.shape[0]
        # Held-out blocks are a seeded random subset, so the split does not depend on file order.
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        n_val = 0
        if spec.validation_fraction > 0 and n >= 2:
            n_val = min(n - 1, max(1, round(n * spec.validation_fraction)))
        val_idx, train_idx = perm[:n_val].sort().values, perm[n_val:].sort().values
        if len(train_idx) == 0:
            raise ValueError(
                f"dataset {spec.path} has {len(ids)} tokens: too few for one block of seq_len={seq_len} + 1"
            )
        return cls(blocks[train_idx], blocks[val_idx], file_sha256(spec.path), len(ids), len(docs))


class BlockSampler:
    """Deterministic, position-addressed order over training blocks.

    Sample number i (0, 1, 2, ...) is block perm_e[i mod N] with e = i // N and perm_e a permutation seeded by
    (seed, e): every epoch is reshuffled, and any position can be resumed without replaying the past.
    """

    def __init__(self, num_blocks: int, seed: int) -> None:
        self.num_blocks = num_blocks
        self.seed = seed
        self._epoch = -1
        self._perm = torch.empty(0, dtype=torch.long)

    def _permutation(self, epoch: int) -> Tensor:
        if epoch != self._epoch:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._perm = torch.randperm(self.num_blocks, generator=gen)
            self._epoch = epoch
        return self._perm

    def indices(self, position: int, count: int) -> list[int]:
        out = []
        for i in range(position, position + count):
            out.append(int(self._permutation(i // self.num_blocks)[i % self.num_blocks]))
        return out


def micro_batch(
    dataset: PackedDataset, sampler: BlockSampler, position: int, batch_size: int, rank: int = 0, world_size: int = 1
) -> tuple[Tensor, Tensor, int]:
    """The micro-batch at ``position``: (inputs [B, T], targets [B, T], next position).

    With several data-parallel ranks one micro-batch spans batch_size * world_size samples; rank r takes the
    r-th slice, so the global order does not depend on the number of ranks.
    """
    idx = sampler.indices(position, batch_size * world_size)[rank * batch_size : (rank + 1) * batch_size]
    blocks = dataset.train[idx]
    return blocks[:, :-1], blocks[:, 1:], position + batch_size * world_size
