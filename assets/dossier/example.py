"""``example.json``, the dossier published beside the schema, kept to the registry's fields.

An example written by hand names the fields that were there when it was written. Brought to the registry here, it
holds every field of every kind (an absent one with the value an import would store, its model's default) and none
that the registry no longer lists, which is what importing it and exporting it again writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assets.dossier.fields import to_document
from assets.kinds import ASSET, FactKind, children_of, listed_kinds, referred_kind

EXAMPLE_PATH = Path(__file__).with_name("example.json")

Document = dict[str, Any]


def example_from_kinds(document: Document) -> Document:
    """The example with each object holding exactly its kind's keys, in the registry's words."""
    result: Document = {key: document[key] for key in ("format", "version") if key in document}
    for kind in listed_kinds():
        result[kind.key] = [_object(kind, obj) for obj in document.get(kind.key) or []]
    result[ASSET.key] = _object(ASSET, document.get(ASSET.key) or {})
    result |= _children(ASSET, document)  # the asset's children sit at the top, beside it
    return result


def _object(kind: FactKind, obj: Document) -> Document:
    result = {
        name: obj[name] if name in obj else to_document(kind.model, name, kind.model_field(name).get_default())
        for name in kind.field_names
    }
    for reference in kind.references:
        value = obj.get(reference.name)
        target = referred_kind(kind, reference.name)
        if target not in listed_kinds() and isinstance(value, dict):  # written out whole (a hospital)
            result[reference.name] = _object(target, value)
        else:
            result[reference.name] = value
    if kind is not ASSET:
        result |= _children(kind, obj)
    return result


def _children(kind: FactKind, obj: Document) -> Document:
    result: Document = {}
    for child in children_of(kind):
        value = obj.get(child.key)
        if child.singular:
            result[child.key] = _object(child, value) if isinstance(value, dict) else None
        else:
            result[child.key] = [_object(child, item) for item in value or []]
    return result
