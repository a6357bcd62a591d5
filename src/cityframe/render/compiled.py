"""Templates compiled once: Jinja's bytecode kept in memory for the process and on disk across processes.

Jinja compiles every template again for each new ``Environment`` (about 0.4 s for one city's 49 templates).
A bytecode cache keys each template by its name and the checksum of its source, so an edited template or
override is compiled afresh. What the source checksum does not cover is how the environment compiles (the
sandbox, autoescaping, whitespace options, extensions), which lives in :mod:`cityframe.render.templates`: the
disk cache's folder is named after that module's source and Jinja's and Python's versions, so a change there
never loads code compiled the old way. The disk cache is in the user's cache folder (``platformdirs``; set
``CITYFRAME_CACHE_DIR`` to move it, or to an empty string to turn it off); a folder that cannot be written only
costs the compile.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import jinja2

from ..data.project import cache_dir

_MEMORY: dict[str, bytes] = {}


def cache_folder() -> Path | None:
    """The disk cache for this cityframe and Jinja, or None when turned off (``CITYFRAME_CACHE_DIR=``)."""
    base = cache_dir("jinja")
    if base is None:
        return None
    from . import templates

    how = hashlib.sha256(Path(templates.__file__).read_bytes())
    how.update(f"{jinja2.__version__} {sys.version}".encode())
    return base / how.hexdigest()[:16]


class CompiledTemplates(jinja2.BytecodeCache):
    """A process-wide memory cache in front of a disk cache (see the module docstring)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill ``bucket`` from memory or disk; Jinja discards it if the source's checksum differs."""
        data = _MEMORY.get(bucket.key)
        if data is None and self.folder is not None:
            with contextlib.suppress(OSError):
                data = (self.folder / f"{bucket.key}.cache").read_bytes()
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a fresh compile in memory and, best effort and atomically, on disk."""
        data = bucket.bytecode_to_string()
        _MEMORY[bucket.key] = data
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{bucket.key}.")
            try:
                with os.fdopen(descriptor, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, self.folder / f"{bucket.key}.cache")
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise


def bytecode_cache() -> CompiledTemplates:
    """The cache an environment uses."""
    return CompiledTemplates(cache_folder())
