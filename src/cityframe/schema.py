"""JSON Schema (draft-07, which editors understand) for each city file, generated from the models."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .data.models import FILE_MODELS


def _draft07(node: Any) -> Any:
    """Rewrite pydantic's 2020-12 ``$defs`` references into draft-07 ``definitions``."""
    if isinstance(node, dict):
        out = {("definitions" if k == "$defs" else k): _draft07(v) for k, v in node.items()}
        if isinstance(out.get("$ref"), str):
            out["$ref"] = out["$ref"].replace("#/$defs/", "#/definitions/")
        return out
    if isinstance(node, list):
        return [_draft07(v) for v in node]
    return node


def schema_for(file: str) -> dict[str, Any]:
    """The JSON Schema of one city file."""
    schema = _draft07(FILE_MODELS[file].model_json_schema(mode="validation"))
    return {"$schema": "http://json-schema.org/draft-07/schema#", "$id": schema_name(file), **schema}


def schema_name(file: str) -> str:
    """``city.yaml`` -> ``city.schema.json``."""
    return file.removesuffix(".yaml") + ".schema.json"


def write_schemas(out: Path, *, overwrite: bool = True) -> list[Path]:
    """Write one schema per city file into ``out``; with ``overwrite=False`` keep files that exist."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file in FILE_MODELS:
        target = out / schema_name(file)
        if target.exists() and not overwrite:
            continue
        text = json.dumps(schema_for(file), indent=2, sort_keys=True) + "\n"
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        written.append(target)
    return written
