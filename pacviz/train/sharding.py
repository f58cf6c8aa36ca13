"""Data parallelism over local devices (and hosts): a 1-D mesh, the batch split along it.

Multi-host: start every process with the same command after ``jax.distributed.initialize()``
(``pacviz train --distributed``); each process loads its own slice of every batch and
``jax.make_array_from_process_local_data`` assembles the global batch. See README "Many GPUs".
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def data_mesh(devices: int | None = None) -> Mesh:
    """A mesh with one axis, ``"data"``, over ``devices`` local devices (all by default) of every host."""
    local = jax.local_devices()
    n = len(local) if devices is None else devices
    if not 1 <= n <= len(local):
        raise ValueError(f"devices must be between 1 and {len(local)} (the local devices here), got {devices}")
    if jax.process_count() == 1:
        return Mesh(np.array(local[:n]), ("data",))
    return Mesh(np.array(jax.devices()), ("data",))


def check_batch_size(batch_size: int, mesh: Mesh):
    """Each device gets an equal share of the batch."""
    n = mesh.devices.size
    if batch_size % n:
        raise ValueError(f"batch_size {batch_size} must be a multiple of the number of devices ({n}); "
                         f"use --batch-size {max(n, batch_size // n * n)} or --devices to use fewer")


def replicate(tree, mesh: Mesh):
    """Put a pytree (model and optimizer state) on every device of ``mesh``."""
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))


def shard_batch(local_batch, mesh: Mesh):
    """The global batch from this process's slice ``(B / processes, ...)``, split along ``"data"``."""
    sharding = NamedSharding(mesh, PartitionSpec("data"))
    return jax.make_array_from_process_local_data(sharding, np.asarray(local_batch))


def process_slice(batch, process_index: int | None = None, process_count: int | None = None):
    """This process's share of a global batch (the whole batch on one host)."""
    index = jax.process_index() if process_index is None else process_index
    count = jax.process_count() if process_count is None else process_count
    per = len(batch) // count
    return batch[index * per:(index + 1) * per]
