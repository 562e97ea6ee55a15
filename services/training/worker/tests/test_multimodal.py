"""The multimodal training path: config round trip, state-dict names = the engine's tensor names, the ONNX mel
filterbank conventions, shapes-and-tones files that decode to the training tensors, and loss that falls."""

from __future__ import annotations

import json
import wave
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from neuroforge_worker.multimodal import FUSION_STRATEGIES, MultimodalConfig, MultimodalModel, mel_filterbank
from neuroforge_worker.multimodal_train import MultimodalJob, caption_batch, synthetic_config, train_synthetic
from neuroforge_worker.synthetic.shapes_tones import make_sample, png_bytes, waveform_of, wav_bytes


def test_config_round_trips_through_json() -> None:
    config = synthetic_config("gated")
    again = MultimodalConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again.to_dict() == config.to_dict()
    assert config.to_dict()["architecture"] == "multimodal"
    with pytest.raises(ValueError, match="fusion must be one of"):
        MultimodalConfig.from_dict({**config.to_dict(), "fusion": "sum"})


@pytest.mark.parametrize("fusion", FUSION_STRATEGIES)
def test_state_dict_names_follow_the_adr(fusion: str) -> None:
    names = set(MultimodalModel(synthetic_config(fusion)).state_dict())
    assert {"text.embed.weight", "text.lm_head.weight", "vision.patch_embed.weight", "vision.pos_embed",
            "vision.layers.0.attn.qkv.weight", "audio.input_proj.weight", "audio.final_norm.bias"} <= names
    expected = {
        "concat": {"fusion.vision.proj.weight", "fusion.audio.proj.bias"},
        "cross_attention": {"fusion.vision.q_proj.weight", "fusion.audio.k_proj.weight", "fusion.final_norm.weight"},
        "gated": {"fusion.vision.gate.weight", "fusion.audio.proj.weight", "fusion.final_norm.bias"},
        "hierarchical": {"fusion.vision.v_proj.weight", "fusion.joint.audio.proj.weight", "fusion.joint.attn.out_proj.bias"},
    }[fusion]
    assert expected <= names
    assert not any(n.endswith(("window", "mel", "theta", "gammas")) for n in names)  # derived buffers stay out


def test_mel_filterbank_follows_onnx_conventions() -> None:
    fb = mel_filterbank(4, 64, 16000, 0.0, 8000.0)
    assert fb.shape == (33, 4)
    assert torch.all(fb.max(dim=0).values == 1.0)
    assert fb[:4, 0].tolist() == [0.0, 1.0, 0.5, 0.0]  # bins floor(65 f / 16000): left 0, centre 1, right 3


def test_synthetic_files_decode_to_the_training_tensors(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    s = make_sample(rng, 32, 4000, 16000, "both")
    assert s.caption.count(" and ") == 1 and s.caption.endswith("tone")
    png = png_bytes(s.image)
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(32, 1 + 32 * 3)
    assert np.array_equal(rows[:, 1:].reshape(32, 32, 3), s.image)
    (tmp_path / "t.wav").write_bytes(wav_bytes(s.audio, 16000))
    with wave.open(str(tmp_path / "t.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert np.array_equal(waveform_of(samples, 4000), waveform_of(s.audio, 4000))


def test_caption_batch_shifts_and_masks_padding() -> None:
    inputs, targets = caption_batch(["ab", "a"])
    assert inputs.tolist() == [[256, 97, 98], [256, 97, 258]]
    assert targets.tolist() == [[97, 98, 257], [97, 257, -100]]


def test_training_lowers_the_loss_and_exports_a_loadable_folder(tmp_path: Path) -> None:
    events: list[dict] = []
    summary = train_synthetic(MultimodalJob(fusion="cross_attention", steps=30, batch_size=8, warmup_steps=3, heldout=6, log_every=6),
                              tmp_path, events.append)
    losses = [e["loss"] for e in events if e["event"] == "progress"]
    assert losses[-1] < losses[0] * 0.7, losses
    assert (tmp_path / "model" / "SHA256SUMS").is_file()
    assert len((tmp_path / "heldout" / "manifest.jsonl").read_text().splitlines()) == 6
    assert 0.0 <= summary["pytorch_heldout"]["accuracy"] <= 1.0
