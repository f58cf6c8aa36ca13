"""Datasets for PAC flows: uint8 images, channels last (N, H, W, C), with their number of levels.

    from pacviz.data import load_dataset, BatchIterator
    train = load_dataset("photos")                    # embedded; no download, no network
    for batch in BatchIterator(train, 64, seed=0):    # uint8 (64, 32, 32, 3), endless
        ...

"photos" (and its 16×16 "photos16") and "digits" ship inside pacviz; "cifar10", "imagenet32" and "imagenet64" are read
from a folder you name (`root=`), which `download` fills where a network allows.
"""

from .batching import BatchIterator, evaluation_images
from .checksum import file_digest, verify_checksum
from .cifar10 import load_cifar10
from .dataset import DATASETS, SPLITS, Dataset
from .digits import load_digits
from .download import download, fetch_file
from .imagenet import load_imagenet
from .layout import nhwc_to_planes, planes_to_nhwc
from .load import load_dataset
from .paths import default_root
from .photos import load_photo_crops, load_photos, photo_credits

__all__ = [
    "DATASETS",
    "SPLITS",
    "BatchIterator",
    "Dataset",
    "default_root",
    "download",
    "evaluation_images",
    "fetch_file",
    "file_digest",
    "load_cifar10",
    "load_dataset",
    "load_digits",
    "load_imagenet",
    "load_photo_crops",
    "load_photos",
    "nhwc_to_planes",
    "photo_credits",
    "planes_to_nhwc",
    "verify_checksum",
]
