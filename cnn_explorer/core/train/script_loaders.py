'''The data loader of an exported training script, one per dataset format core/datasets reads.

Each text defines ``load_data(path) -> (images, labels, test_images, test_labels)``:
NHWC uint8 (0..255) or float32 (0..1) images and int64 labels; the test pair is
None when the source has no test set of its own (the script then splits one off).
They read the files the way core/datasets does (IDX gzipped or raw; CIFAR
python batches without running pickled code, or binary batches; class
sub-folders of images through Pillow), in a few readable lines each.
'''

from __future__ import annotations

NPZ = '''
def load_data(path: str):
    """An .npz with ``images`` (N, H, W[, C]) uint8 0..255 or float 0..1 and ``labels`` (N,)."""
    if not Path(path).is_file():
        raise ScriptError(f"data: {path} not found (pass --data FILE.npz)")
    with np.load(path, allow_pickle=False) as archive:
        missing = {"images", "labels"} - set(archive.files)
        if missing:
            raise ScriptError(f"{path}: an .npz dataset needs arrays 'images' and 'labels'; "
                              f"missing {sorted(missing)}")
        x, y = archive["images"], archive["labels"]
    if x.ndim == 3:
        x = x[..., None]  # (N, H, W) -> (N, H, W, 1)
    if x.dtype != np.uint8:
        x = x.astype(np.float32)
        if x.size and (not np.isfinite(x).all() or x.min() < 0 or x.max() > 1):
            raise ScriptError(f"{path}: float images must lie in 0..1")
    if not np.issubdtype(y.dtype, np.integer):
        raise ScriptError(f"{path}: labels must be integers, got {y.dtype}")
    return x, y.astype(np.int64), None, None
'''

IDX = '''
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """The array in an IDX file (MNIST's format), gzipped or not."""
    raw = path.read_bytes()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\\x00\\x00" or raw[2] not in IDX_TYPES or raw[3] == 0:
        raise ScriptError(f"{path.name}: not an IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - 4 - 4 * ndim != expected:
        raise ScriptError(f"{path.name}: truncated or damaged ({len(raw)} bytes, {dims} array)")
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def find_idx(folder: Path, part: str, kind: str) -> Path | None:
    """The folder's *train*/*t10k* (or *test*) images-idx3 / labels-idx1 file, gzipped or not."""
    names = {"train": r"train", "test": r"(t10k|test)"}[part]
    pattern = re.compile(rf"(^|[-_.]){names}[-_.].*{kind}.*idx\\d-ubyte(\\.gz)?$", re.IGNORECASE)
    found = sorted(p for p in folder.iterdir() if p.is_file() and pattern.search(p.name))
    return found[0] if found else None


def load_data(path: str):
    """A folder of IDX files: train-images/-labels, and t10k-images/-labels as the test set."""
    folder = Path(path)
    if not folder.is_dir():
        raise ScriptError(f"data: {path} is not a folder (pass --data FOLDER with the IDX files)")
    arrays = {}
    for part in ("train", "test"):
        images, labels = find_idx(folder, part, "images"), find_idx(folder, part, "labels")
        if images is None or labels is None:
            continue
        x = read_idx(images)
        if x.dtype != np.uint8:
            raise ScriptError(f"{images.name}: images must be unsigned bytes")
        x = x[..., None] if x.ndim == 3 else x  # (N, H, W) -> (N, H, W, 1)
        if EMNIST:
            x = np.ascontiguousarray(x.transpose(0, 2, 1, 3))  # EMNIST stores images transposed
        arrays[part] = (x, read_idx(labels).astype(np.int64))
    if "train" not in arrays:
        raise ScriptError(f"{folder}: no train-images-idx3-ubyte / train-labels-idx1-ubyte files")
    if LABEL_MAP:
        lut = np.full(max(LABEL_MAP) + 1, -1, dtype=np.int64)
        lut[list(LABEL_MAP)] = np.arange(len(LABEL_MAP))
        arrays = {k: (x, lut[np.clip(y, 0, len(lut) - 1)]) for k, (x, y) in arrays.items()}
    test = arrays.get("test", (None, None))
    return (*arrays["train"], *test)
'''

CIFAR = '''
class NumpyOnlyUnpickler(pickle.Unpickler):
    """Reads CIFAR's pickled batches without running any code: only numpy arrays may be rebuilt."""

    # numpy's array rebuilding, and the text encoding Python 3 pickles bytes with: nothing else
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy._core.multiarray", "_reconstruct"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise ScriptError(f"refused to unpickle {module}.{name}: a CIFAR batch holds arrays")
        return super().find_class(module, name)


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch (python or binary) as (N, 32, 32, 3) uint8 images and (N,) labels."""
    if path.suffix == ".bin":
        records = np.fromfile(path, dtype=np.uint8)
        if records.size == 0 or records.size % 3073:
            raise ScriptError(f"{path.name}: not whole CIFAR-10 records of 3073 bytes")
        records = records.reshape(-1, 3073)
        images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        return images, records[:, 0].astype(np.int64)
    with open(path, "rb") as fh:
        batch = NumpyOnlyUnpickler(fh, encoding="bytes").load()
    data = batch.get(b"data", batch.get("data"))
    labels = batch.get(b"labels", batch.get("labels"))
    if not isinstance(data, np.ndarray) or labels is None or data.shape[1:] != (3072,):
        raise ScriptError(f"{path.name}: not a CIFAR-10 batch")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()  # planes R, G, B -> HWC
    return images, np.asarray(labels, dtype=np.int64)


def load_data(path: str):
    """A CIFAR-10 folder (python or binary version): data_batch_*, and test_batch to test."""
    folder = Path(path)
    if not folder.is_dir():
        raise ScriptError(f"data: {path} is not a folder (--data FOLDER with CIFAR-10 batches)")
    for sub in ("cifar-10-batches-py", "cifar-10-batches-bin"):
        if (folder / sub).is_dir():
            folder = folder / sub
            break
    batches = sorted(p for p in folder.glob("data_batch_*") if p.suffix in ("", ".bin"))
    python = [p for p in batches if p.suffix == ""]
    batches = python or batches
    if not batches:
        raise ScriptError(f"{folder}: no data_batch_1 .. data_batch_5 files")
    parts = [read_batch(p) for p in batches]
    x, y = np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])
    tests = [folder / "test_batch"] if python else [folder / "test_batch.bin"]
    test = read_batch(tests[0]) if tests[0].is_file() else (None, None)
    return x, y, *test
'''

FOLDER = '''
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
                  ".pgm", ".ppm", ".pbm"}


def read_picture(path: Path) -> np.ndarray:
    """One picture, upright (EXIF), transparency on white: (H, W, C) uint8 at the model's size."""
    height, width, channels = INPUT_SHAPE
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            im = im.convert("RGBA")
            background = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(background, im)
        im = im.convert("L" if channels == 1 else "RGB")
        if im.size != (width, height):
            im = im.resize((width, height), Image.Resampling.LANCZOS)
        arr = np.asarray(im, dtype=np.uint8)
    return arr[..., None] if channels == 1 else arr


def load_data(path: str):
    """A folder with one sub-folder of images per class (the sorted sub-folder names)."""
    folder = Path(path)
    if not folder.is_dir():
        raise ScriptError(f"data: {path} is not a folder (--data FOLDER: one sub-folder a class)")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if classes != CLASS_NAMES:
        raise ScriptError(f"{folder}: class folders {classes} differ from the model's classes "
                          f"{CLASS_NAMES}")
    images, labels = [], []
    for label, name in enumerate(classes):
        for file in sorted((folder / name).iterdir()):
            picture = file.suffix.lower() in IMAGE_SUFFIXES and not file.name.startswith(".")
            if file.is_file() and picture:
                images.append(read_picture(file))
                labels.append(label)
    if not images:
        raise ScriptError(f"{folder}: no images in the class folders")
    return np.stack(images), np.array(labels, dtype=np.int64), None, None
'''

#: format -> (standard-library modules, third-party import lines, the loader's text)
LOADERS = {
    "npz": ((), (), NPZ),
    "idx": (("gzip", "re"), (), IDX),
    "cifar": (("pickle",), (), CIFAR),
    "folder": ((), ("from PIL import Image, ImageOps",), FOLDER),
}
