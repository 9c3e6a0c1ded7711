""".npz archives read with their sizes checked first: no pickles, no deflate bombs, no lying headers.

``np.load`` trusts an archive: a member's .npy header may promise any shape (numpy
allocates it before reading), and a 2 MB deflated member may inflate to gigabytes.
Here every member's header is read first and its size checked against the zip's
declared size and the dataset budget before a byte of data is allocated.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from typing import Iterable

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import read_user_file, size_text
from cnn_explorer.core.io.limits import MAX_DATASET_BYTES


def _member_header(member, where: str, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(member)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = reader(member)
    except (ValueError, EOFError, SyntaxError, TypeError, OSError, zipfile.BadZipFile):
        raise CnnExplorerError(f"{where}: array {name!r} is not a valid .npy member (its header is damaged)") from None
    if dtype.hasobject:
        raise CnnExplorerError(f"{where}: not a readable .npz file (array {name!r} holds Python objects; "
                               "pickled data is never loaded)")
    return shape, fortran, dtype


def read_npz(path: Path, what: str, names: Iterable[str], optional: Iterable[str] = (),
             budget: int = MAX_DATASET_BYTES) -> dict[str, np.ndarray]:
    """The arrays ``names`` (all required) and ``optional`` (when present) of the .npz at ``path``.

    CnnExplorerError "<path>: ..." for a missing array, a damaged archive, an object array, or arrays
    whose headers promise more than the archive holds or more than ``budget`` bytes together.
    """
    path = Path(path)
    where = str(path)
    names, optional = list(names), list(optional)
    data = read_user_file(path, what)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise CnnExplorerError(f"{where}: not a readable .npz file (not a zip archive)") from None
    with archive:
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
        missing = [n for n in names if n not in members]
        if missing:
            raise CnnExplorerError(f"{where}: an .npz {what} needs arrays {', '.join(map(repr, names))}; "
                                   f"missing {sorted(missing)}")
        wanted = names + [n for n in optional if n in members]
        plans, total = {}, 0
        for name in wanted:
            info = members[name]
            with archive.open(info) as member:
                shape, fortran, dtype = _member_header(member, where, name)
                header = member.tell()
            need = math.prod(shape) * dtype.itemsize
            if need > info.file_size - header:
                raise CnnExplorerError(f"{where}: array {name!r} is truncated (its header promises "
                                       f"{size_text(need)}, the archive holds {size_text(info.file_size - header)})")
            total += need
            if total > budget:
                raise CnnExplorerError(f"{where}: its arrays need {size_text(total)} in memory; "
                                       f"the limit is {size_text(budget)}")
            plans[name] = (info, shape, fortran, dtype, header)
        arrays = {}
        for name, (info, shape, fortran, dtype, header) in plans.items():
            arr = np.empty(math.prod(shape), dtype=dtype)
            view = memoryview(arr).cast("B")
            try:
                with archive.open(info) as member:
                    member.read(header)
                    done = 0
                    while done < len(view):
                        n = member.readinto(view[done:])
                        if not n:
                            raise EOFError("it ends early")
                        done += n
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise CnnExplorerError(f"{where}: array {name!r} is damaged ({' '.join(str(exc).split())[:80]})") from None
            arrays[name] = arr.reshape(shape, order="F" if fortran else "C")
    return arrays
