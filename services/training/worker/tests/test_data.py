"""Datasets: formats, packing, held-out split and the deterministic, resumable order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from neuroforge_worker.data import (
    BlockSampler,
    DatasetSpec,
    PackedDataset,
    load_documents,
    micro_batch,
    pack_blocks,
    split_text_documents,
)
from neuroforge_worker.tokenizers import ByteTokenizer


def test_pack_blocks_shares_the_boundary_token_between_inputs_and_targets() -> None:
    blocks = pack_blocks(list(range(10)), seq_len=3)
    assert blocks.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert pack_blocks([1, 2], seq_len=3).shape == (0, 4)


def test_jsonl_documents_are_tokenized_with_bos_and_eos(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps({"text": t}) for t in ["ab", "c"]) + "\n\n")
    ds = PackedDataset.build(DatasetSpec(str(path), validation_fraction=0.0), ByteTokenizer(), seq_len=6, seed=0)
    assert ds.num_documents == 2
    assert ds.train.tolist() == [[256, 97, 98, 257, 256, 99, 257]]


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        PackedDataset.build(DatasetSpec(str(path)), ByteTokenizer(), seq_len=4, seed=0)


def test_split_is_deterministic_and_disjoint(corpus_file: Path) -> None:
    spec = DatasetSpec(str(corpus_file), validation_fraction=0.2)
    a = PackedDataset.build(spec, ByteTokenizer(), seq_len=16, seed=3)
    b = PackedDataset.build(spec, ByteTokenizer(), seq_len=16, seed=3)
    c = PackedDataset.build(spec, ByteTokenizer(), seq_len=16, seed=4)
    assert torch.equal(a.train, b.train) and torch.equal(a.validation, b.validation)
    assert not torch.equal(a.validation, c.validation)
    total = len(a.train) + len(a.validation)
    assert len(a.validation) == round(total * 0.2)
    train_rows = {tuple(r) for r in a.train.tolist()}
    assert not any(tuple(r) in train_rows for r in a.validation.tolist())
    assert len(a.sha256) == 64


def test_too_small_dataset_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("hi")
    with pytest.raises(ValueError, match="too few"):
        PackedDataset.build(DatasetSpec(str(path)), ByteTokenizer(), seq_len=64, seed=0)


def test_sampler_visits_every_block_once_per_epoch_and_reshuffles() -> None:
    sampler = BlockSampler(10, seed=1)
    first, second = sampler.indices(0, 10), sampler.indices(10, 10)
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second


def test_sampler_order_is_addressable_by_position() -> None:
    whole = BlockSampler(7, seed=5).indices(0, 30)
    fresh = BlockSampler(7, seed=5)
    assert fresh.indices(12, 18) == whole[12:]


def test_data_parallel_ranks_split_one_global_order(corpus_file: Path) -> None:
    ds = PackedDataset.build(DatasetSpec(str(corpus_file)), ByteTokenizer(), seq_len=16, seed=0)
    single, _, pos = micro_batch(ds, BlockSampler(len(ds.train), 0), 0, batch_size=4)
    r0, _, pos0 = micro_batch(ds, BlockSampler(len(ds.train), 0), 0, batch_size=2, rank=0, world_size=2)
    r1, _, _ = micro_batch(ds, BlockSampler(len(ds.train), 0), 0, batch_size=2, rank=1, world_size=2)
    assert torch.equal(torch.cat([r0, r1]), single)
    assert pos == pos0 == 4


def test_text_documents_are_separated_by_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "docs.txt"
    # Two documents (the second spans two lines) split by a blank line, a third after a run of blank lines
    # (one holding only spaces); the leading and trailing blank lines start no document.
    path.write_text("\n\nab\n\nc\nd\n\n  \n\t\ne\n\n", encoding="utf-8")
    assert load_documents(DatasetSpec(str(path))) == ["ab", "c\nd", "e"]
    # Each document is delimited as JSONL documents are: [bos] ids [eos].
    ds = PackedDataset.build(DatasetSpec(str(path), validation_fraction=0.0), ByteTokenizer(), seq_len=11, seed=0)
    assert ds.num_documents == 3
    bos, eos, nl = 256, 257, 10
    assert ds.train.tolist() == [[bos, 97, 98, eos, bos, 99, nl, 100, eos, bos, 101, eos]]


def test_text_without_blank_lines_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("line one\nline two\r\nline three\n", encoding="utf-8")
    # Read with universal newlines (as before documents were split): CRLF arrives as LF.
    assert load_documents(DatasetSpec(str(path))) == ["line one\nline two\nline three"]


def test_text_split_handles_crlf_blank_lines() -> None:
    assert split_text_documents("a\r\n\r\nb\r\n \r\n\r\nc") == ["a", "b", "c"]
    assert split_text_documents("\n \n\t\n") == []
