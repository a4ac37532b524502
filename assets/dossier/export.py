"""An asset with everything under it as one JSON document, the same bytes every time for the same facts.

No database ids leave: the asset goes by its code, companies by name, hospitals by English name and city with their
public directory facts. Lists are sorted by what they say (never by primary key), so an asset imported into another
team exports exactly as the original did. The shape is the registry's (``assets.kinds``): each kind's fields, its
references, and its children under their keys; the asset's children sit at the top of the document beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from assets.dossier.fields import FORMAT, VERSION, values_of
from assets.kinds import ASSET, FactKind, children_of, kind_of, listed_kinds
from assets.models import Asset

Document = dict[str, Any]
Location = tuple[type[models.Model], int]


def dossier_export(*, asset: Asset) -> Document:
    """The asset's dossier. The caller has already checked that whoever asked may see the asset."""
    return _Dossier(asset).document


def dossier_export_located(*, asset: Asset) -> tuple[Document, dict[Location, str]]:
    """The asset's dossier, and the JSON path in it of each object under the asset: ``(model, pk) -> path``."""
    dossier = _Dossier(asset)
    return dossier.document, dossier.locations()


def dossier_dumps(document: Document) -> str:
    """The one way a dossier is written out: sorted keys, real characters (西安, not \\u897f), a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass
class _Node:
    """One object of the dossier: its own values and references, and its children as the document lists them."""

    obj: models.Model
    own: Document
    children: list[tuple[FactKind, _Node | list[_Node] | None]] = field(default_factory=list)

    @property
    def document(self) -> Document:
        return self.own | self.children_document

    @property
    def children_document(self) -> Document:
        return {kind.key: _documents(nodes) for kind, nodes in self.children}


class _Dossier:
    """Reads the asset's objects kind by kind (a fixed number of queries) and builds the document's tree."""

    def __init__(self, asset: Asset) -> None:
        self.named: dict[FactKind, dict[str, models.Model]] = {}  # objects referred to by name, listed at the top
        self.root = _Node(asset, self._own(ASSET, asset))
        for child in children_of(ASSET):
            self.root.children.append((child, self._children(child, asset)))
        listed = {
            kind.key: _ordered(kind, [_Node(obj, self._own(kind, obj)) for obj in self.named.get(kind, {}).values()])
            for kind in listed_kinds()
        }
        self.document: Document = {
            "format": FORMAT,
            "version": VERSION,
            **{key: _documents(nodes) for key, nodes in listed.items()},
            ASSET.key: self.root.own,
            **self.root.children_document,
        }

    def locations(self) -> dict[Location, str]:
        located: dict[Location, str] = {}
        _locate(located, self.root, "$")
        return located

    def _children(self, kind: FactKind, parent: models.Model) -> _Node | list[_Node] | None:
        objects = kind.model._default_manager.filter(**{kind.parent_field: parent})
        select, prefetch = _relations(kind)
        if select:  # select_related() with no names would join every link
            objects = objects.select_related(*select)
        objects = objects.prefetch_related(*prefetch)
        if kind.singular:
            obj = objects.first()
            return self._node(kind, obj) if obj is not None else None
        return _ordered(kind, [self._node(kind, obj) for obj in objects])

    def _node(self, kind: FactKind, obj: models.Model) -> _Node:
        node = _Node(obj, self._own(kind, obj))
        for child in children_of(kind):
            if child.singular:
                related = _one_to_one(obj, child.accessor)
                node.children.append((child, self._node(child, related) if related is not None else None))
            else:
                related_objects = getattr(obj, child.accessor).all()
                node.children.append((child, _ordered(child, [self._node(child, o) for o in related_objects])))
        return node

    def _own(self, kind: FactKind, obj: models.Model) -> Document:
        """The object's fields, and its references: a listed kind by name (and noted for the top-level list), any
        other written out whole."""
        own = values_of(obj)
        for reference in kind.references:
            target = getattr(obj, reference.name)
            if target is None:
                own[reference.name] = None
                continue
            target_kind = kind_of(type(target))
            if target_kind in listed_kinds():
                (name_field,) = target_kind.natural_key
                name = getattr(target, name_field)
                self.named.setdefault(target_kind, {})[name] = target
                own[reference.name] = name
            else:
                own[reference.name] = self._node(target_kind, target).document
        return own


def _relations(kind: FactKind) -> tuple[list[str], list[str]]:
    """What to read with a kind's objects: single-valued links joined in, lists (and what hangs under them)
    prefetched."""
    select = [reference.name for reference in kind.references]
    prefetch: list[str] = []
    for child in children_of(kind):
        (select if child.singular else prefetch).append(child.accessor)
        below_select, below_prefetch = _relations(child)
        prefetch += [f"{child.accessor}__{path}" for path in [*below_select, *below_prefetch]]
    return select, prefetch


def _one_to_one(obj: models.Model, accessor: str) -> models.Model | None:
    try:
        return getattr(obj, accessor)
    except ObjectDoesNotExist:  # a missing reverse one-to-one raises rather than giving None
        return None


def _ordered(kind: FactKind, nodes: Iterable[_Node]) -> list[_Node]:
    """Sorted by meaning; ties (two identical-looking rows) broken by their full content, never by primary key."""
    return sorted(
        nodes,
        key=lambda node: (
            kind.sort_key(node.document),
            json.dumps(node.document, sort_keys=True, ensure_ascii=False),
        ),
    )


def _documents(nodes: _Node | list[_Node] | None) -> Document | list[Document] | None:
    if nodes is None:
        return None
    if isinstance(nodes, list):
        return [node.document for node in nodes]
    return nodes.document


def _locate(located: dict[Location, str], node: _Node, path: str) -> None:
    for kind, nodes in node.children:
        where = f"{path}.{kind.key}"  # from the asset ("$"): its children sit at the top, beside it
        if isinstance(nodes, list):
            for index, child in enumerate(nodes):
                located[(kind.model, child.obj.pk)] = f"{where}[{index}]"
                _locate(located, child, f"{where}[{index}]")
        elif nodes is not None:
            located[(kind.model, nodes.obj.pk)] = where
            _locate(located, nodes, where)
