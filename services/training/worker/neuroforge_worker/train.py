"""The training flow: job spec -> data -> model -> optimiser loop -> checkpoints -> export.

forward, next-token cross-entropy, backward (gradient accumulation), gradient-norm clipping, AdamW (no decay on
norms and biases), linear warmup + cosine schedule, mixed precision where supported, optional LoRA, checkpoints
every N steps and exact resume (weights, optimiser, scheduler, scaler, RNG and data position are restored),
DDP when launched by torchrun with several processes, a held-out evaluation every ``eval_every`` steps. Progress
goes out through ``emit`` as JSON-able dicts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import random
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from . import __version__
from .data import BlockSampler, DatasetSpec, PackedDataset, micro_batch
from .lora import apply_lora, check_lora_dropout, has_lora, merged_state_dict
from .model import RetNetConfig, RetNetModel, param_count
from .tokenizers import get_tokenizer

Emit = Callable[[dict[str, Any]], None]
CHECKPOINT_FORMAT = 1

# ---------------------------------------------------------------------------------------------------------------
# Job spec


@dataclass
class JobSpec:
    """A training job. Keys mirror the ``training`` config section; ``model`` is the ADR config for from-scratch
    training, ``init_from`` a model folder (model.safetensors + config.json) to start from (required for LoRA)."""

    dataset: DatasetSpec
    job_id: str = "local"
    model: dict[str, Any] | None = None
    init_from: str | None = None
    batch_size: int = 8
    learning_rate: float = 3e-4
    weight_decay: float = 0.01
    warmup_steps: int = 100
    max_steps: int = 1000
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 1.0
    use_lora: bool = False
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0  # dropout on the LoRA branch input, training mode only
    use_fp16: bool = False
    use_bf16: bool | None = None  # None: on where CUDA supports bf16; CPU autocast is opt-in (slower without AMX)
    seq_len: int = 128
    seed: int = 42
    checkpoint_every: int = 100
    eval_every: int = 0  # steps between held-out evaluations ("evaluated" events); 0: only the final one
    keep_checkpoints: int = 2
    min_lr_ratio: float = 0.1
    adam_beta1: float = 0.9
    adam_beta2: float = 0.95
    adam_eps: float = 1e-8
    log_every: int = 1
    eval_batches: int = 8
    device: str = "auto"  # "auto" | "cpu" | "cuda"
    num_threads: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobSpec:
        data = dict(raw)
        # Accept the config file's shape too: {"training": {...}, "model": {...}, "dataset": ...}.
        if isinstance(data.get("training"), dict):
            data = {**data.pop("training"), **data}
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"job spec: unknown keys {unknown}; allowed: {sorted(known)}")
        if "dataset" not in data:
            raise ValueError("job spec: 'dataset' is required (a path or {path, format, text_field, validation_fraction})")
        data["dataset"] = DatasetSpec.from_dict(data["dataset"])
        spec = cls(**data)
        spec.validate()
        return spec

    def validate(self) -> None:
        positive = (
            "batch_size",
            "max_steps",
            "gradient_accumulation_steps",
            "seq_len",
            "lora_rank",
            "log_every",
            "keep_checkpoints",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"job spec: {name} must be a positive integer, got {value!r}")
        for name in ("warmup_steps", "checkpoint_every", "eval_every", "eval_batches"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"job spec: {name} must be a non-negative integer, got {value!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"job spec: learning_rate must be > 0, got {self.learning_rate}")
        if self.weight_decay < 0 or self.max_grad_norm < 0:
            raise ValueError("job spec: weight_decay and max_grad_norm must be >= 0")
        try:
            check_lora_dropout(self.lora_dropout)
        except ValueError as e:
            raise ValueError(f"job spec: {e}") from None
        if not 0 <= self.min_lr_ratio <= 1:
            raise ValueError(f"job spec: min_lr_ratio must be in [0, 1], got {self.min_lr_ratio}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"job spec: device must be 'auto', 'cpu' or 'cuda', got {self.device!r}")
        if self.model is None and self.init_from is None:
            raise ValueError("job spec: give 'model' (config for from-scratch training) or 'init_from' (a model folder)")
        if self.use_lora and self.init_from is None:
            raise ValueError("job spec: use_lora needs 'init_from' (the base model folder)")

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out.pop("extra")
        return out

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Pieces with their own tests


def lr_factor(step: int, warmup_steps: int, max_steps: int, min_lr_ratio: float) -> float:
    """Multiplier of the peak learning rate for optimiser step ``step`` (1-based).

    Linear warmup to 1 over ``warmup_steps``, then cosine from 1 down to ``min_lr_ratio`` at ``max_steps``.
    """
    if warmup_steps > 0 and step <= warmup_steps:
        return step / warmup_steps
    if max_steps <= warmup_steps:
        return 1.0
    progress = min(1.0, (step - warmup_steps) / (max_steps - warmup_steps))
    return min_lr_ratio + (1.0 - min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on matrices (and embeddings); none on norms and biases (1-D tensors). Trainable only."""
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        if p.requires_grad:
            (decay if p.dim() >= 2 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # glibc mallopt parameters (malloc.h)


def keep_freed_memory_for_reuse() -> bool:
    """Makes glibc keep freed blocks in the heap instead of returning them to the kernel (CPU training).

    Every step allocates and frees the same large tensors (logits [B*T, V], the embedding and LM-head gradients,
    hundreds of MB). glibc serves blocks over 32 MB with a fresh mmap and unmaps them on free, so each step paid
    ~150k page faults (kernel page zeroing, ~0.3 s of system CPU on the bench model). With mmap off and no heap
    trimming the blocks are reused. Cost: the process keeps its peak heap. Linux/glibc only; returns whether it
    applied. NEUROFORGE_KEEP_HEAP=0 turns it off.
    """
    if os.environ.get("NEUROFORGE_KEEP_HEAP", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))  # int arg: 2 GiB
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False


def fused_adamw_supported(device: torch.device) -> bool:
    """AdamW's fused kernel (one pass over param, grad and both moments) exists for CPU and CUDA; elsewhere the
    per-tensor loop runs. Same update rule: on the bench model it is several times faster than the loop on CPU."""
    return device.type in ("cpu", "cuda")


def lm_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean next-token cross-entropy (targets are already shifted), computed in fp32."""
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))


def model_config_for(job: JobSpec) -> RetNetConfig:
    if job.init_from is not None:
        config = RetNetConfig.load(Path(job.init_from) / "config.json")
    else:
        assert job.model is not None
        data = dict(job.model)
        tokenizer = get_tokenizer(data.get("tokenizer", "byte"))
        data.setdefault("tokenizer", tokenizer.name)
        data.setdefault("vocab_size", tokenizer.vocab_size)
        data.setdefault("max_seq_len", job.seq_len)
        config = RetNetConfig.from_dict(data)
    if job.seq_len > config.max_seq_len:
        raise ValueError(f"job spec: seq_len {job.seq_len} exceeds the model's max_seq_len {config.max_seq_len}")
    tokenizer = get_tokenizer(config.tokenizer)
    if config.vocab_size < tokenizer.vocab_size:
        raise ValueError(f"model vocab_size {config.vocab_size} < tokenizer {config.tokenizer} vocab {tokenizer.vocab_size}")
    return config


def load_model_dir(path: str | Path, device: torch.device | str = "cpu") -> RetNetModel:
    path = Path(path)
    model = RetNetModel(RetNetConfig.load(path / "config.json"))
    model.load_state_dict(load_file(str(path / "model.safetensors"), device=str(device)), strict=True)
    return model


def export_model(model: nn.Module, config: RetNetConfig, out_dir: str | Path) -> Path:
    """Writes the ADR model folder: model.safetensors (fp32, ADR names, LoRA merged), config.json, SHA256SUMS."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = merged_state_dict(model) if has_lora(model) else {k: v.detach() for k, v in model.state_dict().items()}
    tensors = {k: v.to(device="cpu", dtype=torch.float32).contiguous() for k, v in state.items()}
    # One metadata key only: safetensors writes the metadata map in hash order, so several keys would make
    # the bytes (and the sha256 the engine verifies) differ between identical exports. config.json names
    # the architecture.
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    write_checksums(out, ("config.json", "model.safetensors"))
    return out / "model.safetensors"


def write_checksums(folder: Path, names: tuple[str, ...]) -> Path:
    """SHA256SUMS in sha256sum format; the engine verifies it before parsing (ADR 0001, model folder)."""
    from .data import file_sha256

    lines = "".join(f"{file_sha256(folder / name)}  {name}\n" for name in names)
    (folder / "SHA256SUMS").write_text(lines)
    return folder / "SHA256SUMS"


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints


def checkpoint_dirs(out_dir: str | Path) -> list[Path]:
    """Complete checkpoints, oldest first (an unfinished one has no checkpoint.json and is ignored)."""
    root = Path(out_dir) / "checkpoints"
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.name.startswith("step-") and (p / "checkpoint.json").is_file()]
    return sorted(found, key=lambda p: int(p.name.split("-")[1]))


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    found = checkpoint_dirs(out_dir)
    return found[-1] if found else None


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass
class Progress:
    step: int = 0
    data_position: int = 0
    tokens_seen: int = 0
    last_loss: float | None = None


# ---------------------------------------------------------------------------------------------------------------
# Devices and distribution


@dataclass
class Runtime:
    device: torch.device
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def setup_runtime(job: JobSpec) -> Runtime:
    """cuda when present (or asked), else cpu; torch.distributed when torchrun started several processes."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    want_cuda = job.device == "cuda" or (job.device == "auto" and torch.cuda.is_available())
    if job.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("job spec: device 'cuda' requested but CUDA is not available")
    if world_size > 1:
        import torch.distributed as dist

        rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
        if want_cuda:
            torch.cuda.set_device(local_rank)
            device = torch.device("cuda", local_rank)
        else:
            device = torch.device("cpu")
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if want_cuda else "gloo")
        return Runtime(device, rank, world_size, local_rank)
    return Runtime(torch.device("cuda" if want_cuda else "cpu"))


def precision_for(job: JobSpec, device: torch.device) -> tuple[torch.dtype | None, bool]:
    """(autocast dtype or None for fp32, use GradScaler)."""
    if job.use_fp16:
        if device.type == "cuda":
            return torch.float16, True
        print("[neuroforge] use_fp16 needs CUDA; training in fp32 on cpu", file=sys.stderr)
        return None, False
    use_bf16 = job.use_bf16
    if use_bf16 is None:
        use_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    return (torch.bfloat16, False) if use_bf16 else (None, False)


# ---------------------------------------------------------------------------------------------------------------
# The trainer


class StopRequested(Exception):
    pass


class Trainer:
    def __init__(
        self,
        job: JobSpec,
        out_dir: str | Path,
        emit: Emit,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.job = job
        self.out_dir = Path(out_dir)
        self.emit_fn = emit
        self.stop_event = stop_event or threading.Event()
        self.rt = setup_runtime(job)
        if self.rt.device.type == "cpu":
            keep_freed_memory_for_reuse()
        if job.num_threads:
            torch.set_num_threads(job.num_threads)
        self.config = model_config_for(job)
        self.tokenizer = get_tokenizer(self.config.tokenizer)
        self.dataset = PackedDataset.build(job.dataset, self.tokenizer, job.seq_len, job.seed)
        self.sampler = BlockSampler(len(self.dataset.train), job.seed)

        torch.manual_seed(job.seed)
        random.seed(job.seed)
        if job.init_from is not None:
            model = load_model_dir(job.init_from)
        else:
            model = RetNetModel(self.config)
        self.lora_modules = (
            apply_lora(model, job.lora_rank, job.lora_alpha, dropout=job.lora_dropout) if job.use_lora else []
        )
        self.model = model.to(self.rt.device)
        self.model.train()
        self.train_model: nn.Module = self.model
        if self.rt.distributed:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.rt.local_rank] if self.rt.device.type == "cuda" else None
            self.train_model = DistributedDataParallel(self.model, device_ids=ids)

        self.optimizer = torch.optim.AdamW(
            parameter_groups(self.model, job.weight_decay),
            lr=job.learning_rate,
            betas=(job.adam_beta1, job.adam_beta2),
            eps=job.adam_eps,
            fused=fused_adamw_supported(self.rt.device),
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda i: lr_factor(i + 1, job.warmup_steps, job.max_steps, job.min_lr_ratio)
        )
        self.autocast_dtype, use_scaler = precision_for(job, self.rt.device)
        self.scaler = torch.amp.GradScaler(self.rt.device.type, enabled=use_scaler)
        self.progress = Progress()
        # Held-out losses of this run's periodic evaluations, (step, loss), for the lineage file.
        self.evaluations: list[tuple[int, float]] = []

    # -- events -------------------------------------------------------------------------------------------------
    def emit(self, event: str, **fields: Any) -> None:
        if self.rt.is_main:
            self.emit_fn({"event": event, "job_id": self.job.job_id, **fields})

    # -- checkpoints --------------------------------------------------------------------------------------------
    def save_checkpoint(self) -> Path | None:
        step = self.progress.step
        root = self.out_dir / "checkpoints"
        final = root / f"step-{step:08d}"
        if self.rt.is_main and not (final / "checkpoint.json").is_file():
            tmp = root / f".tmp-step-{step:08d}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            save_file(
                {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()},
                str(tmp / "model.safetensors"),
            )
            torch.save(
                {
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "scaler": self.scaler.state_dict(),
                    "rng": rng_state(),
                },
                tmp / "training_state.pt",
            )
            meta = {
                "format": CHECKPOINT_FORMAT,
                "step": step,
                "data_position": self.progress.data_position,
                "tokens_seen": self.progress.tokens_seen,
                "loss": self.progress.last_loss,
                "job_fingerprint": self.job.fingerprint(),
                "lora": bool(self.lora_modules),
                "evaluations": [[s, v] for s, v in self.evaluations],
                "saved_at": time.time(),
            }
            # checkpoint.json is written last: its presence marks a complete checkpoint.
            (tmp / "checkpoint.json").write_text(json.dumps(meta, indent=2) + "\n")
            shutil.rmtree(final, ignore_errors=True)
            tmp.rename(final)
            for old in checkpoint_dirs(self.out_dir)[: -self.job.keep_checkpoints]:
                shutil.rmtree(old, ignore_errors=True)
            self.emit("checkpoint", step=step, path=str(final), data_position=self.progress.data_position)
        self._barrier()
        return final

    def load_checkpoint(self, path: Path) -> None:
        meta = json.loads((path / "checkpoint.json").read_text())
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"checkpoint {path}: unsupported format {meta.get('format')}")
        if meta.get("job_fingerprint") != self.job.fingerprint():
            print(f"[neuroforge] warning: job spec differs from the one that wrote {path}", file=sys.stderr)
        self.model.load_state_dict(load_file(str(path / "model.safetensors"), device=str(self.rt.device)), strict=True)
        state = torch.load(path / "training_state.pt", map_location=self.rt.device, weights_only=False)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"])
        self.progress = Progress(meta["step"], meta["data_position"], meta["tokens_seen"], meta["loss"])
        self.evaluations = [(int(s), float(v)) for s, v in meta.get("evaluations", [])]

    def _barrier(self) -> None:
        if self.rt.distributed:
            import torch.distributed as dist

            dist.barrier()

    def _stop_requested(self) -> bool:
        stop = self.stop_event.is_set()
        if self.rt.distributed:
            # Every rank must leave the loop at the same step, or the next collective deadlocks.
            import torch.distributed as dist

            flag = torch.tensor([1.0 if stop else 0.0], device=self.rt.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop = bool(flag.item() > 0)
        return stop

    # -- evaluation ---------------------------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> float | None:
        blocks = self.dataset.validation[: self.job.eval_batches * self.job.batch_size]
        if len(blocks) == 0:
            return None
        self.model.eval()
        total, count = 0.0, 0
        for start in range(0, len(blocks), self.job.batch_size):
            batch = blocks[start : start + self.job.batch_size].to(self.rt.device)
            with self._autocast():
                logits = self.model(batch[:, :-1])
            loss = lm_loss(logits, batch[:, 1:])
            total += loss.item() * batch.shape[0]
            count += batch.shape[0]
        self.model.train()
        return total / count

    def evaluate_and_report(self, step: int) -> float | None:
        """The periodic evaluation: held-out loss after optimiser step ``step``, emitted as an "evaluated" event.

        Without a held-out split (validation_fraction 0, or a dataset of one block) there is nothing to report.
        """
        loss = self.evaluate()
        if loss is None:
            return None
        self.evaluations.append((step, loss))
        blocks = min(len(self.dataset.validation), self.job.eval_batches * self.job.batch_size)
        self.emit("evaluated", step=step, max_steps=self.job.max_steps, eval_loss=loss, eval_blocks=blocks)
        return loss

    def _autocast(self) -> Any:
        if self.autocast_dtype is None:
            return torch.autocast(device_type=self.rt.device.type, enabled=False)
        return torch.autocast(device_type=self.rt.device.type, dtype=self.autocast_dtype)

    # -- one optimiser step -------------------------------------------------------------------------------------
    def train_step(self) -> tuple[float, float, float, int]:
        """Runs one optimiser step (all micro-batches); returns (loss, grad_norm, lr, tokens).

        Raises StopRequested between micro-batches when a stop was asked for: the partial step is dropped and
        the data position is left at the step's start, so the checkpoint written next resumes exactly.
        """
        job, accum = self.job, self.job.gradient_accumulation_steps
        self.optimizer.zero_grad(set_to_none=True)
        position = self.progress.data_position
        losses = []
        tokens = 0
        for micro in range(accum):
            if micro > 0 and self._stop_requested():
                self.optimizer.zero_grad(set_to_none=True)
                raise StopRequested
            inputs, targets, position = micro_batch(
                self.dataset, self.sampler, position, job.batch_size, self.rt.rank, self.rt.world_size
            )
            inputs, targets = inputs.to(self.rt.device), targets.to(self.rt.device)
            last = micro == accum - 1
            sync = self.train_model.no_sync() if (self.rt.distributed and not last) else _null()
            with sync:
                with self._autocast():
                    logits = self.train_model(inputs)
                loss = lm_loss(logits, targets)
                aux = self.model.aux_loss()
                total = loss if aux is None else loss + aux
                self.scaler.scale(total / accum).backward()
            losses.append(loss.detach())
            tokens += inputs.numel() * self.rt.world_size
        self.scaler.unscale_(self.optimizer)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        max_norm = job.max_grad_norm if job.max_grad_norm > 0 else float("inf")
        grad_norm = torch.nn.utils.clip_grad_norm_(trainable, max_norm)
        lr = self.optimizer.param_groups[0]["lr"]
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        mean_loss = torch.stack(losses).mean()
        if self.rt.distributed:
            import torch.distributed as dist

            dist.all_reduce(mean_loss, op=dist.ReduceOp.SUM)
            mean_loss = mean_loss / self.rt.world_size
        self.progress = Progress(
            self.progress.step + 1, position, self.progress.tokens_seen + tokens, float(mean_loss.item())
        )
        return self.progress.last_loss or 0.0, float(grad_norm.item()), lr, tokens

    # -- the loop -----------------------------------------------------------------------------------------------
    def run(self, resume: bool = False, stop_after_steps: int | None = None) -> dict[str, Any]:
        """Trains to max_steps (or until stopped); returns the final event's fields."""
        job = self.job
        resumed_from = None
        if resume:
            ckpt = latest_checkpoint(self.out_dir)
            if ckpt is not None:
                self.load_checkpoint(ckpt)
                resumed_from = str(ckpt)
        self.emit(
            "started",
            step=self.progress.step,
            max_steps=job.max_steps,
            resumed_from=resumed_from,
            device=str(self.rt.device),
            world_size=self.rt.world_size,
            precision=str(self.autocast_dtype).replace("torch.", "") if self.autocast_dtype else "float32",
            parameters=param_count(self.model),
            trainable_parameters=sum(p.numel() for p in self.model.parameters() if p.requires_grad),
            train_blocks=len(self.dataset.train),
            validation_blocks=len(self.dataset.validation),
            dataset_sha256=self.dataset.sha256,
        )
        steps_this_run = 0
        step_times: list[float] = []
        stopped = False
        while self.progress.step < job.max_steps:
            if self._stop_requested() or (stop_after_steps is not None and steps_this_run >= stop_after_steps):
                stopped = True
                break
            started = time.perf_counter()
            try:
                loss, grad_norm, lr, tokens = self.train_step()
            except StopRequested:
                stopped = True
                break
            if not math.isfinite(loss):
                raise FloatingPointError(f"loss is {loss} at step {self.progress.step}")
            elapsed = time.perf_counter() - started
            step_times = (step_times + [elapsed])[-20:]
            steps_this_run += 1
            step = self.progress.step
            if step % job.log_every == 0 or step == job.max_steps:
                avg = sum(step_times) / len(step_times)
                self.emit(
                    "progress",
                    step=step,
                    max_steps=job.max_steps,
                    loss=loss,
                    lr=lr,
                    grad_norm=grad_norm,
                    tokens=self.progress.tokens_seen,
                    tokens_per_second=tokens / elapsed if elapsed > 0 else None,
                    eta_seconds=avg * (job.max_steps - step),
                )
            if job.eval_every and step % job.eval_every == 0:
                self.evaluate_and_report(step)
            if job.checkpoint_every and step % job.checkpoint_every == 0 and step < job.max_steps:
                self.save_checkpoint()
        if stopped:
            path = self.save_checkpoint() if self.progress.step > 0 else None
            result = {"step": self.progress.step, "checkpoint": str(path) if path else None}
            self.emit("stopped", **result)
            return {"event": "stopped", **result}
        # The final held-out loss; an evaluation at the last step already computed it on the same weights.
        if self.evaluations and self.evaluations[-1][0] == self.progress.step:
            val_loss: float | None = self.evaluations[-1][1]
        else:
            val_loss = self.evaluate()
        result = self.finish(val_loss)
        self.emit("completed", **result)
        return {"event": "completed", **result}

    def finish(self, val_loss: float | None) -> dict[str, Any]:
        weights = None
        if self.rt.is_main:
            weights = export_model(self.model, self.config, self.out_dir)
            lineage = {
                "job_id": self.job.job_id,
                "worker_version": __version__,
                "torch_version": torch.__version__,
                "dataset": {
                    "path": self.job.dataset.path,
                    "sha256": self.dataset.sha256,
                    "tokens": self.dataset.num_tokens,
                    "documents": self.dataset.num_documents,
                    "train_blocks": len(self.dataset.train),
                    "validation_blocks": len(self.dataset.validation),
                },
                "steps": self.progress.step,
                "tokens_seen": self.progress.tokens_seen,
                "final_loss": self.progress.last_loss,
                "validation_loss": val_loss,
                "evaluations": [{"step": s, "eval_loss": v} for s, v in self.evaluations],
                "lora": {
                    "rank": self.job.lora_rank,
                    "alpha": self.job.lora_alpha,
                    "dropout": self.job.lora_dropout,
                    "modules": self.lora_modules,
                    "merged": True,
                }
                if self.lora_modules
                else None,
                "init_from": self.job.init_from,
                "device": str(self.rt.device),
                "world_size": self.rt.world_size,
                "job": self.job.to_dict(),
            }
            (self.out_dir / "training.json").write_text(json.dumps(lineage, indent=2) + "\n")
        self._barrier()
        return {
            "step": self.progress.step,
            "final_loss": self.progress.last_loss,
            "validation_loss": val_loss,
            "tokens": self.progress.tokens_seen,
            "model_path": str(weights) if weights else None,
            "output_dir": str(self.out_dir),
            "dataset_sha256": self.dataset.sha256,
        }


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def run_job(
    job: JobSpec | dict[str, Any],
    out_dir: str | Path,
    emit: Emit,
    resume: bool = False,
    stop_after_steps: int | None = None,
    stop_event: threading.Event | None = None,
) -> dict[str, Any]:
    spec = job if isinstance(job, JobSpec) else JobSpec.from_dict(job)
    trainer = Trainer(spec, out_dir, emit, stop_event)
    try:
        return trainer.run(resume=resume, stop_after_steps=stop_after_steps)
    finally:
        if trainer.rt.distributed:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
