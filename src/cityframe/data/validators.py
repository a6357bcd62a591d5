"""pydantic's validators for the city files, built once per installation instead of once per process.

Building a model's validator means generating its core schema: about 70-80 ms for the six file models at every
``cityframe check``, plus about 35 ms for pydantic to look for plugins, on a command that takes about 0.3 s in
all. The core schema is a plain structure that refers to the model classes and validator functions by name, so
it pickles; a ``SchemaValidator`` built from it validates exactly as the model's own (it is what pydantic builds
it from). The pickles live in the user's cache folder (``platformdirs``; ``CITYFRAME_CACHE_DIR`` moves it, an
empty value turns it off), in a folder named after the source of every module of this stage and the pydantic,
pydantic-core and Python versions, so a change to the models can never reuse an old schema. A missing,
unreadable or foreign entry is rebuilt the ordinary way: the cache changes the time a check takes, never its
verdict. The cache is the user's own, as trusted as Python's ``__pycache__`` beside the code.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core
from pydantic import BaseModel

from .project import cache_dir

_STAGE = Path(__file__).resolve().parent
_BUILT: dict[type[BaseModel], Any] = {}


def cache_folder() -> Path | None:
    """Where this installation's validators are kept, or None when the cache is turned off."""
    base = cache_dir("validators")
    if base is None:
        return None
    key = hashlib.sha256(f"{pydantic.VERSION} {pydantic_core.__version__} {sys.version}".encode())
    for module in sorted(_STAGE.glob("*.py")):
        key.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return base / key.hexdigest()[:20]


def _core_config(model: type[BaseModel]) -> Any:
    from pydantic._internal._config import ConfigWrapper

    return ConfigWrapper(model.model_config, check=False).core_config(title=model.__name__)


def validate(model: type[BaseModel], data: object) -> BaseModel:
    """``model.model_validate(data)``, with the validator from the cache when there is one.

    Raises :class:`pydantic.ValidationError` exactly as ``model_validate`` does.
    """
    validator = _BUILT.get(model)
    if validator is None:
        validator = _from_cache(model)
    if validator is None:
        validated = model.model_validate(data)  # builds the validator the ordinary way
        _BUILT[model] = model.__pydantic_validator__
        _store(model)
        return validated
    _BUILT[model] = validator
    return validator.validate_python(data)


def _entry(model: type[BaseModel]) -> Path | None:
    folder = cache_folder()
    return folder / f"{model.__module__}.{model.__qualname__}.pickle" if folder is not None else None


def _from_cache(model: type[BaseModel]) -> Any:
    entry = _entry(model)
    if entry is None:
        return None
    try:
        schema, config = pickle.loads(entry.read_bytes())
        return pydantic_core.SchemaValidator(schema, config)
    except Exception:
        return None


def _store(model: type[BaseModel]) -> None:
    entry = _entry(model)
    if entry is None:
        return
    with contextlib.suppress(Exception):  # a schema that does not pickle, a folder that cannot be written
        data = pickle.dumps((model.__pydantic_core_schema__, _core_config(model)))
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, entry)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
