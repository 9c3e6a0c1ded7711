'''The text of an exported training script: the parts every script shares (see ``script_export``).

Placeholders are ``@NAME@`` tokens (never braces: the script's own f-strings use
those). ``HEAD`` opens the script, the model's ``build_model`` (codegen) and one
data loader (``script_loaders``) follow, then ``BODY``: split, normalisation,
augmentation, torchrun set-up, training, evaluation and saving in CNN
Explorer's safetensors + JSON format (``checkpoints.save_model``, byte for byte);
``script_cli.CLI`` closes it with the options and ``main``.
'''

from __future__ import annotations

HEAD = '''#!/usr/bin/env python3
"""@TITLE@

A standalone PyTorch training script exported by CNN Explorer: the model, the
data loading, the recipe, evaluation and saving are all here; it needs torch,
numpy and safetensors@PILLOW@, and no CNN Explorer.

Run it:
    python @SCRIPT@                         # train with the settings below
    python @SCRIPT@ --epochs 20 --lr 3e-4   # any setting can be overridden
    python @SCRIPT@ --help                  # every option
    torchrun --nproc_per_node 4 @SCRIPT@    # 4 processes (GPUs) on one machine

Under torchrun each process trains on its own share of every batch
(DistributedDataParallel with a DistributedSampler); only rank 0 prints and
saves. The result is MODEL.safetensors + MODEL.json, the format CNN Explorer
opens: its Classify page, `cnn-explorer classify` and `cnn-explorer evaluate`.
@DATA_NOTE@"""

from __future__ import annotations

@IMPORTS@

# --------------------------------------------------------------------------- settings
# The recipe as exported from CNN Explorer; each one is a command-line option.
@SETTINGS@

# The model's description in CNN Explorer's format, saved beside the weights so that
# the app can rebuild the model.
SPEC = @SPEC@
CLASS_NAMES = [str(name) for name in SPEC["class_names"]]
INPUT_SHAPE = tuple(SPEC["input_shape"])  # (height, width, channels)


class ScriptError(Exception):
    """A problem with the data or the options: reported as one line, exit code 2."""


# --------------------------------------------------------------------------- model
@MODEL@

# --------------------------------------------------------------------------- data
'''

BODY = '''

def check_images(x: np.ndarray, y: np.ndarray, where: str) -> None:
    """Fail clearly when images or labels do not fit the model."""
    if x.ndim != 4 or tuple(x.shape[1:]) != INPUT_SHAPE:
        raise ScriptError(f"{where}: images are {tuple(x.shape[1:])} (height, width, channels); "
                          f"the model takes {INPUT_SHAPE}")
    if y.shape != (x.shape[0],):
        raise ScriptError(f"{where}: {x.shape[0]} images but {y.shape[0]} labels")
    if y.size and (y.min() < 0 or y.max() >= len(CLASS_NAMES)):
        raise ScriptError(f"{where}: labels must be 0..{len(CLASS_NAMES) - 1} "
                          f"({len(CLASS_NAMES)} classes), got {int(y.min())}..{int(y.max())}")


def split_indices(labels: np.ndarray, fractions, seed: int) -> list[np.ndarray]:
    """Stratified split: each class divided in the given proportions, each part shuffled."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    bounds = np.cumsum(fractions) / sum(fractions)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        ends = np.round(bounds * members.size).astype(int)
        for k, (start, end) in enumerate(zip([0, *ends[:-1]], ends)):
            parts[k].append(members[start:end])
    return [rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts]


def make_splits(train_x, train_y, test_x, test_y, split, seed):
    """{"train"|"val"|"test": (images, labels)}; a source's own test set is kept."""
    if test_x is None:
        tr, va, te = split_indices(train_y, split, seed)
        test_x, test_y = train_x[te], train_y[te]
    else:
        tr, va = split_indices(train_y, split[:2], seed)
    return {"train": (train_x[tr], train_y[tr]), "val": (train_x[va], train_y[va]),
            "test": (test_x, test_y)}


def channel_stats(x: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of (N, H, W, C) images on the 0..1 scale (flat channel: std 1)."""
    c = x.shape[-1]
    total, total_sq, count = np.zeros(c), np.zeros(c), 0
    for start in range(0, x.shape[0], 4096):
        part = x[start:start + 4096].reshape(-1, c).astype(np.float64)
        if x.dtype == np.uint8:
            part /= 255.0
        total += part.sum(axis=0)
        total_sq += np.square(part).sum(axis=0)
        count += part.shape[0]
    if count == 0:
        return [0.0] * c, [1.0] * c
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - np.square(mean), 0.0))
    std = np.where(std < 1e-6, 1.0, std)
    return [float(m) for m in mean], [float(s) for s in std]


class Images:
    """One split in memory as (N, C, H, W) tensors; ``batch(idx)``: floats 0..1 on ``device``."""

    def __init__(self, x: np.ndarray, y: np.ndarray, device: torch.device) -> None:
        # uint8 0..255 or float 0..1, as stored
        self.x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        self.y = torch.from_numpy(y.astype(np.int64))
        self.device = device

    def __len__(self) -> int:
        return len(self.y)

    def batch(self, idx) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.x[idx].to(self.device, non_blocking=True)
        x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
        return x, self.y[idx].to(self.device, non_blocking=True)


def augment(x: torch.Tensor, shift: float, rotate: float, scale: float, elastic: float,
            generator) -> torch.Tensor:
    """Each image randomly shifted (pixels), rotated (degrees), zoomed (1 +- scale) and, with
    elastic (alpha, pixels) above 0, elastically distorted as Simard et al. 2003 describe.

    Pixels brought in from outside repeat the border, the background of most images.
    """
    n, _, h, w = x.shape
    r = torch.rand(n, 4, generator=generator).to(x.device) * 2 - 1
    angle = r[:, 0] * math.radians(rotate)
    zoom = 1 + r[:, 1] * scale
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    # theta maps output to input positions in [-1, 1] coordinates; h/w keep rotations rigid
    theta = torch.stack([
        torch.stack([cos, -sin * (h / w), r[:, 2] * (2 * shift / w)], dim=1),
        torch.stack([sin * (w / h), cos, r[:, 3] * (2 * shift / h)], dim=1),
    ], dim=1)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (N, H, W, 2)
    if elastic > 0:
        # a displacement uniform in -1..1 at every pixel, smoothed by a Gaussian of a few pixels
        # (zeros outside the image), scaled by alpha pixels, added to the grid
        noise = torch.rand(n, 2, h, w, generator=generator) * 2 - 1
        smooth = gaussian_matrix(h) @ noise @ gaussian_matrix(w).T
        # (N, H, W, 2): alpha pixels, in grid_sample's units (2 / side a pixel)
        field = smooth.permute(0, 2, 3, 1) * torch.tensor([2.0 * elastic / w, 2.0 * elastic / h])
        grid = grid + field.to(device=x.device, dtype=grid.dtype)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def gaussian_matrix(size: int, sigma: float = @ELASTIC_SIGMA@) -> torch.Tensor:
    """(size, size): row i is the normalised Gaussian centred on i, cut at the image's edges."""
    taps = torch.arange(size, dtype=torch.float32)
    distance = taps.view(-1, 1) - taps.view(1, -1)
    radius = max(1, math.ceil(3 * sigma))
    weights = torch.exp(-0.5 * (distance / sigma) ** 2) * (distance.abs() <= radius)
    full = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2)
    return weights / full.sum()


# --------------------------------------------------------------------------- torchrun
def setup_distributed(device_name: str) -> tuple[int, int, torch.device]:
    """(rank, world size, device). Under torchrun (WORLD_SIZE > 1) joins the process group:
    NCCL with one GPU a process, else gloo on the CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device_name == "auto":
        device_name = "cuda" if torch.cuda.is_available() else (
            "mps" if torch.backends.mps.is_available() and world == 1 else "cpu")
    if device_name == "cuda" and not torch.cuda.is_available():
        raise ScriptError("device: CUDA is not available here (use --device cpu)")
    if device_name == "mps" and not torch.backends.mps.is_available():
        raise ScriptError("device: MPS is not available here (use --device cpu)")
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    if device_name == "cuda" and local_world > torch.cuda.device_count():
        raise ScriptError(f"{local_world} processes on this machine but "
                          f"{torch.cuda.device_count()} GPU(s): start one process a GPU "
                          "(torchrun --nproc_per_node), or pass --device cpu")
    device = torch.device("cuda", local) if device_name == "cuda" else torch.device(device_name)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def all_sum(values: list[float], device: torch.device) -> list[float]:
    """The sum of each value over every process (itself alone without torchrun)."""
    if not dist.is_initialized():
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


# --------------------------------------------------------------------------- evaluation
@torch.no_grad()
def evaluate(model, data: Images, mean, std, rank: int, world: int, batch_size: int = 500):
    """(loss, accuracy) over every image of ``data``; each process takes every world-th image."""
    model.eval()
    loss_sum, correct, count = 0.0, 0.0, 0.0
    mine = torch.arange(rank, len(data), world)
    for start in range(0, len(mine), batch_size):
        x, y = data.batch(mine[start:start + batch_size])
        logits = model((x - mean) / std)
        loss_sum += float(F.cross_entropy(logits, y, reduction="sum"))
        correct += float((logits.argmax(1) == y).sum())
        count += len(y)
    model.train()
    loss_sum, correct, count = all_sum([loss_sum, correct, count], data.device)
    return (loss_sum / count, correct / count) if count else (math.nan, math.nan)


# --------------------------------------------------------------------------- saving
def model_paths(path: str) -> tuple[Path, Path]:
    """(weights, description) for MODEL, MODEL.json, MODEL.safetensors or a folder."""
    p = Path(path).expanduser()
    if p.is_dir():
        return p / "model.safetensors", p / "model.json"
    if p.suffix in (".safetensors", ".json"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".safetensors"), p.with_name(p.name + ".json")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_model(path: str, model: nn.Module, mean, std, history: list[dict]) -> Path:
    """Write MODEL.safetensors and MODEL.json as CNN Explorer does; each file is complete before it
    replaces an old one, so a crash never leaves half a model. Returns the JSON path."""
    from safetensors.torch import save_file

    weights, description = model_paths(path)
    weights.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    tmp_weights = weights.with_name(f".{weights.name}.{os.getpid()}.tmp")
    tmp_description = description.with_name(f".{description.name}.{os.getpid()}.tmp")
    try:
        save_file(tensors, str(tmp_weights), metadata={"format": "pt"})
        meta = {
            "format": "cnn-explorer-model",
            "format_version": 1,
            "spec": SPEC,
            "class_names": CLASS_NAMES,
            "mean": [float(m) for m in mean],
            "std": [float(s) for s in std],
            "history": history,
            "weights": weights.name,
            "weights_sha256": sha256(tmp_weights),
        }
        text = json.dumps(meta, indent=1, allow_nan=False) + "\\n"
        tmp_description.write_text(text, encoding="utf-8")
        os.replace(tmp_weights, weights)
        os.replace(tmp_description, description)
    finally:
        tmp_weights.unlink(missing_ok=True)
        tmp_description.unlink(missing_ok=True)
    return description


@torch.no_grad()
def save_predictions(path: str, model, data: Images, raw: np.ndarray, mean, std,
                     count: int = 16) -> None:
    """The first ``count`` images of ``data`` (as stored), with the model's probabilities and
    predicted classes, in an .npz file."""
    model.eval()
    x, _ = data.batch(torch.arange(min(count, len(data))))
    probabilities = model((x - mean) / std).softmax(dim=1).cpu().numpy()
    np.savez(path, images=raw[:len(x)], probabilities=probabilities,
             predictions=probabilities.argmax(1), class_names=np.array(CLASS_NAMES))


# --------------------------------------------------------------------------- training
def make_optimizer(args, params):
    if args.optimizer == "sgd":
        return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, nesterov=args.nesterov,
                               weight_decay=args.weight_decay)
    if args.optimizer == "adam":
        return torch.optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    return torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)


def clean(value: float):
    """A JSON-ready number: NaN and infinities become None."""
    return value if math.isfinite(value) else None


def shown(value: float, style: str) -> str:
    """A number for the log; "n/a" for NaN (no validation images)."""
    return format(value, style) if math.isfinite(value) else "n/a"


def train(args) -> int:
    rank, world, device = setup_distributed(args.device)
    say = print if rank == 0 else (lambda *a, **k: None)
    train_x, train_y, test_x, test_y = load_data(args.data)
    check_images(train_x, train_y, args.data)
    if test_x is not None:
        check_images(test_x, test_y, args.data)
    splits = make_splits(train_x, train_y, test_x, test_y, args.split, args.seed)
    mean, std = channel_stats(splits["train"][0])
    data = {name: Images(x, y, device) for name, (x, y) in splits.items()}
    n_train = len(data["train"])
    if n_train == 0:
        raise ScriptError(f"{args.data}: no training images after the split {args.split}")
    # every process sees the same seeded shuffle and takes its own share (drop_last: equal shares)
    sampler = DistributedSampler(range(n_train), num_replicas=world, rank=rank, shuffle=True,
                                 seed=args.seed, drop_last=True)
    if len(sampler) == 0:
        raise ScriptError(f"{world} processes for {n_train} training images: use fewer processes")
    batch = min(args.batch_size, len(sampler))
    # the last partial batch is dropped: BatchNorm cannot train on a single image
    steps_per_epoch = len(sampler) // batch
    mean_t = torch.tensor(mean, device=device).view(1, -1, 1, 1)
    std_t = torch.tensor(std, device=device).view(1, -1, 1, 1)

    torch.manual_seed(args.seed)  # the same initial weights in every process
    model = build_model().to(device)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model.to(memory_format=memory_format)
    net = model
    if world > 1:
        ids = [device.index] if device.type == "cuda" else None
        net = DistributedDataParallel(model, device_ids=ids)
    optimizer = make_optimizer(args, net.parameters())
    scheduler = None
    if args.schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                                        total_steps=steps_per_epoch * args.epochs)
    torch.manual_seed(args.seed + rank)  # dropout differs between processes
    augment_generator = torch.Generator().manual_seed(args.seed + 1 + rank)

    params = sum(p.numel() for p in model.parameters())
    sizes = " / ".join(f"{len(data[s])} {s}" for s in ("train", "val", "test"))
    say(f"training {SPEC.get('name') or 'the model'} ({params:,} parameters) on {sizes} images, "
        f"{world} process{'es' if world > 1 else ''} on {device.type}", flush=True)
    history: list[dict] = []
    start = time.perf_counter()
    net.train()
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler))
        loss_sum, correct, seen = 0.0, 0.0, 0.0
        for i in range(steps_per_epoch):
            x, y = data["train"].batch(order[i * batch:(i + 1) * batch])  # (B, C, H, W) 0..1
            if args.augment:
                x = augment(x, args.augment_shift, args.augment_rotate, args.augment_scale,
                            args.augment_elastic, augment_generator)
            x = ((x - mean_t) / std_t).contiguous(memory_format=memory_format)
            logits = net(x)
            loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
            if not torch.isfinite(loss):
                raise ScriptError(f"training diverged at epoch {epoch} (the loss is "
                                  f"{loss.item()}): lower the learning rate")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            loss_sum += loss.item() * len(y)
            correct += float((logits.argmax(1) == y).sum())
            seen += len(y)
        loss_sum, correct, seen = all_sum([loss_sum, correct, seen], device)
        val_loss, val_accuracy = evaluate(model, data["val"], mean_t, std_t, rank, world)
        # an epoch's line in the saved history, as CNN Explorer records it
        record = {"epoch": epoch, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                  "val_loss": val_loss, "val_accuracy": val_accuracy,
                  "elapsed_s": time.perf_counter() - start, "images": int(seen), "fresh": False}
        history.append({k: clean(v) if isinstance(v, float) else v for k, v in record.items()})
        say(f"epoch {epoch}/{args.epochs}: loss {record['train_loss']:.4f}, "
            f"train accuracy {record['train_accuracy']:.2%}, val loss {shown(val_loss, '.4f')}, "
            f"val accuracy {shown(val_accuracy, '.2%')}, {record['elapsed_s']:.1f} s", flush=True)

    if len(data["test"]):
        test_loss, test_accuracy = evaluate(model, data["test"], mean_t, std_t, rank, world)
        say(f"test accuracy: {test_accuracy:.2%} (loss {test_loss:.4f}, "
            f"{len(data['test'])} images)")
    if rank == 0:
        model.to(memory_format=torch.contiguous_format)
        saved = save_model(args.output, model, mean, std, history)
        say(f"saved {saved.with_suffix('.safetensors')} and {saved}")
        if args.predictions:
            name = next(s for s in ("test", "val", "train") if len(data[s]))
            save_predictions(args.predictions, model, data[name], splits[name][0], mean_t, std_t)
            say(f"saved predictions for the first {name} images to {args.predictions}")
    if dist.is_initialized():
        dist.barrier()  # nobody leaves before rank 0 has saved
        if rank == 0 and world > 1:
            # gloo: a rank still finishing the barrier aborts if a peer
            # closes its connections under it; rank 0 closes last
            time.sleep(0.5)
        dist.destroy_process_group()
    return 0


'''
