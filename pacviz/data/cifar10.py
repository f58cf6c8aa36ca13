"""CIFAR-10 from the official python tarball, or from the folder it unpacks to.

Accepted in `root`: `cifar-10-python.tar.gz`, or the folder `cifar-10-batches-py/`, or
`root` being that folder. Batches are pickled dicts: b"data" (N, 3072) uint8 holding the
R, G, B planes, each 32×32 row-major; b"labels" N ints in 0..9.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .dataset import Dataset, check_split
from .download import CIFAR10_FILE
from .layout import planes_to_nhwc
from .paths import missing_files_error

FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCHES = ("test_batch",)
HOWTO = (
    "Get it with pacviz.data.download('cifar10', folder) or from "
    "https://www.cs.toronto.edu/~kriz/cifar.html (CIFAR-10 python version)."
)


def load_cifar10(root: str | Path, split: str = "train") -> Dataset:
    """CIFAR-10 `split` from `root`: images uint8 (N, 32, 32, 3), labels (N,) in 0..9."""
    root = Path(root).expanduser()
    names = TRAIN_BATCHES if check_split(split) == "train" else TEST_BATCHES
    batches = _read_batches(root, names)
    data = np.concatenate([np.asarray(batches[n][b"data"], np.uint8) for n in names])
    labels = np.concatenate([np.asarray(batches[n][b"labels"], np.int64) for n in names])
    images = np.ascontiguousarray(planes_to_nhwc(data, 32))
    return Dataset("cifar10", split, images, num_levels=256, labels=labels)


def _read_batches(root: Path, names: tuple[str, ...]) -> dict[str, dict]:
    """The unpickled batch dicts `names`, from the extracted folder if there, else the tarball."""
    for folder in (root / FOLDER, root):
        if (folder / names[0]).is_file():
            missing = [n for n in names if not (folder / n).is_file()]
            if missing:
                raise missing_files_error("CIFAR-10", folder, missing, HOWTO)
            return {n: _read_batch((folder / n).read_bytes(), folder / n) for n in names}
    tarball = root / CIFAR10_FILE
    if not tarball.is_file():
        expected = [CIFAR10_FILE, f"or {FOLDER}/ holding " + ", ".join(TRAIN_BATCHES + TEST_BATCHES)]
        raise missing_files_error("CIFAR-10", root, expected, HOWTO)
    found = {}
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar:  # one pass: seeking backwards in a .gz means decompressing again
                name = Path(member.name).name
                if name in names and member.isfile():
                    found[name] = _read_batch(tar.extractfile(member).read(), tarball / member.name)
    except (tarfile.TarError, OSError, EOFError) as err:
        raise ValueError(f"{tarball} is not a readable gzip tarball ({type(err).__name__}: {err}); download it again "
                         f"(delete the file first). {HOWTO}") from None
    missing = [f"{FOLDER}/{n}" for n in names if n not in found]
    if missing:
        raise missing_files_error(f"CIFAR-10 (inside {CIFAR10_FILE})", root, missing, HOWTO)
    return found


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles only what a CIFAR batch holds (dicts, lists, numpy arrays): a pickle can
    otherwise run any code, and these files come from outside."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 pickles bytes at protocol 2
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR-10 batch refers to {module}.{name}, which is not allowed")
        return super().find_class(module, name)


def _read_batch(raw: bytes, where: Path) -> dict:
    """One batch dict, or a ValueError naming the file when it is not a CIFAR-10 batch."""
    try:
        batch = _unpickle(raw)
    except Exception as err:  # pickle raises many kinds on garbage
        raise ValueError(f"{where} is not a CIFAR-10 python batch ({type(err).__name__}: {str(err)[:120]}); "
                         f"replace the dataset files. {HOWTO}") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{where} is not a CIFAR-10 python batch (no b'data' / b'labels'); replace the dataset "
                         f"files. {HOWTO}")
    return batch


def _unpickle(raw: bytes) -> dict:
    # encoding="bytes": the batches were pickled by Python 2, their keys are byte strings
    return _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
