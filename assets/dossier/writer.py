"""The model pass of an import: each object built from the document, validated by its model, written by fact_save.

A re-import updates in place: each object is matched to one the parent already has (studies by registry id, sites
by hospital, ethics approvals by committee and reference; other kinds to an identical one, else by their place
among the parent's), saved only
if the document changes it, and the parent's children the document no longer lists are deleted. An identical
re-import therefore writes nothing: no new ids, no history entries, and the team's triage of the findings about
those objects stays.

The pass keeps going after a refusal so one attempt reports every problem: an object whose parent could not be
written is still checked by its model (without the parent), and the caller rolls the whole transaction back.
Values the schema already refused never reach a model, so a bad value is reported once, by the schema.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assets.dossier.errors import DossierProblem
from assets.dossier.fields import SKIP, document_keys, from_document
from assets.kinds import ASSET, FactKind, children_of, kind_of, listed_kinds, referred_kind
from assets.models import Asset, Hospital
from assets.models.common import VersionedFact
from assets.services import asset_id_of, fact_delete, fact_save, hospital_get_or_create, team_id_of
from assets.signals import announce

if TYPE_CHECKING:
    from teams.models import DealTeam, User


BATCH = 1_000  # rows per INSERT statement of a bulk write

# What a re-import matches an existing child by, within its parent; kinds not named here (and objects without a
# key) are matched by their place among the parent's children of that kind.
MATCH_KEYS: dict[str, tuple[str, ...]] = {
    "studies": ("nct_id", "chictr_id", "ctr_id", "other_registry_id"),  # the first registry id the study has
    "sites": ("hospital_id",),
    "ethics_approvals": ("committee", "reference_number"),
}


def counter(kind: FactKind, what: str = "") -> str:
    """The summary's name for what was written of a kind: the list's key for the facts under the asset
    (``ethics_approvals``), ``companies_created`` or ``hospitals_matched`` for what they refer to."""
    return f"{kind.model._meta.verbose_name_plural}_{what}" if what else kind.key


@dataclass
class DossierWriter:
    """Writes one document for one team; ``skip`` holds the paths of values the schema refused."""

    team: DealTeam
    user: User | None
    skip: frozenset[str]
    problems: list[DossierProblem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    named: dict[FactKind, dict[str, models.Model | None]] = field(default_factory=dict)

    def write(self, document: dict[str, Any]) -> tuple[Asset, bool]:
        """The asset (created or updated in place) and whether it is new; its children follow the document."""
        for kind in listed_kinds():
            self.named[kind] = self._listed(kind, document.get(kind.key))
        asset, created, saved = self._asset(_object(document.get(ASSET.key)))
        self._children(ASSET, document, "$", asset, parent_saved=saved)  # the asset's lists sit at the top
        return asset, created

    def _listed(self, kind: FactKind, documents: object) -> dict[str, models.Model | None]:
        """Matched by name within the team (case ignored), created if missing; an existing one is left as it is."""
        (key,) = kind.natural_key
        found: dict[str, models.Model | None] = {}
        for index, document in _items(documents):
            path = f"$.{kind.key}[{index}]"
            name = document.get(key)
            if not isinstance(name, str) or f"{path}.{key}" in self.skip:
                continue
            existing = kind.model._default_manager.filter(**{"team": self.team, f"{key}__iexact": name}).first()
            if existing is not None:
                self.counts[counter(kind, "matched")] += 1
                found[name] = existing
                continue
            obj = self._build(kind.model, document, path, team=self.team)
            saved = self._persist(obj, path, parent_saved=True, counted=counter(kind, "created"))
            found[name] = obj if saved else None
        return found

    def _asset(self, document: dict[str, Any]) -> tuple[Asset, bool, bool]:
        code = document.get("code")
        existing = None
        if isinstance(code, str) and code:
            existing = Asset.objects.select_for_update().filter(team=self.team, code=code).first()
        asset = existing or Asset(team=self.team)
        before = _values(ASSET, asset) if existing else None
        self._assign(asset, document, "$.asset")
        self._link(ASSET, asset, document, "$.asset")
        if before is not None and _values(ASSET, asset) == before:
            return asset, False, True  # unchanged: not saved, so no new version and no history entry
        saved = self._persist(asset, "$.asset", parent_saved=True)
        return asset, existing is None, saved

    def _children(
        self, kind: FactKind, document: dict[str, Any], path: str, parent: models.Model, *, parent_saved: bool
    ) -> None:
        """Each child kind's objects under their key: one object (or null) for a singular kind, else a list. The
        parent's children of that kind the document no longer has are deleted."""
        for child in children_of(kind):
            value, where = document.get(child.key), f"{path}.{child.key}"
            bulk = not child.singular and not children_of(child)  # a list of facts with nothing under them
            stored: list[VersionedFact] = []
            if parent.pk is not None:  # a stored parent, even one refused this time: its children are matched
                # The model's own order: what "its place among the parent's" means for a kind without a key.
                ordering = [*(str(name) for name in child.model._meta.ordering or ()), "pk"]
                children = child.model._default_manager.filter(**{child.parent_field: parent}).order_by(*ordering)
                # Written in bulk, they are locked here at once, as fact_save locks each row it updates.
                stored = list(children.select_for_update() if bulk and parent_saved else children)
            matcher = StoredChildren(child, stored)
            if child.singular:
                items = [(where, value)] if isinstance(value, dict) else []
            else:
                items = [(f"{where}[{index}]", item) for index, item in _items(value)]
            if bulk:
                self._leaf_list(child, items, parent, parent_saved=parent_saved, stored=matcher)
            else:
                for item_path, item in items:
                    self._fact(child, item, item_path, parent, parent_saved=parent_saved, stored=matcher)
            for gone in matcher.left() if parent_saved else []:  # what the document no longer lists
                fact_delete(instance=gone, user=self.user)

    def _leaf_list(
        self,
        kind: FactKind,
        items: list[tuple[str, dict[str, Any]]],
        parent: models.Model,
        *,
        parent_saved: bool,
        stored: StoredChildren,
    ) -> None:
        """A list of facts with nothing under them (milestones, royalty tiers...), matched and validated one by one
        as ``_fact`` does, then written together: new ones inserted, changed ones updated in place with a new
        version, each with its history entry, in a few statements however long the list."""
        created: list[VersionedFact] = []
        changed: list[VersionedFact] = []
        for path, document in items:
            instance = kind.build(parent)
            self._assign(instance, document, path)
            linked = self._link(kind, instance, document, path)
            match = stored.take(instance) if linked else None
            if match is not None and _values(kind, match) == _values(kind, instance):
                self.counts[counter(kind)] += 1  # the same as stored: left alone
                continue
            if match is not None:
                for name in _compared(kind):
                    setattr(match, name, getattr(instance, name))
                match.version += 1  # the row is locked (see _children): this is the stored version's successor
                setattr(match, kind.parent_field, parent)  # the parent in hand: validation need not look it up
                instance = match
            if not (parent_saved and linked):
                self._check(instance, path)
            elif self._valid(instance, path):
                (changed if instance.pk is not None else created).append(instance)
                self.counts[counter(kind)] += 1
        if created or changed:
            self._bulk_write(kind, created, changed)

    def _valid(self, instance: VersionedFact, path: str) -> bool:
        """The validation fact_save runs (the model's full_clean), its errors reported at their paths."""
        try:
            instance.full_clean()
        except ValidationError as error:
            self._report(error, path, type(instance))
            return False
        return True

    def _bulk_write(self, kind: FactKind, created: list[VersionedFact], changed: list[VersionedFact]) -> None:
        model = kind.model
        if created:
            bulk_create_with_history(created, model, batch_size=BATCH, default_user=self.user)
        if changed:
            now = timezone.now()
            for instance in changed:
                instance.updated_at = now  # what auto_now does on save(); bulk_update does not call it
            # One UPDATE per row: Django's bulk_update builds a CASE per field over the rows, which costs more in
            # Python than the statements it saves. The history follows in bulk, as bulk_update_with_history writes it.
            names = [*_compared(kind), "version", "updated_at"]
            rows = model._base_manager.all()
            for instance in changed:
                rows.filter(pk=instance.pk).update(**{name: getattr(instance, name) for name in names})
            model.history.bulk_history_create(changed, batch_size=BATCH, update=True, default_user=self.user)
        sample = (created or changed)[0]
        team_id, asset_id = team_id_of(sample), asset_id_of(sample)
        if team_id is not None:  # as fact_save tells the findings, once for the list (joined to the import's batch)
            announce(sender=model, team_id=team_id, asset_ids={asset_id} if asset_id else set())

    def _fact(
        self,
        kind: FactKind,
        document: dict[str, Any],
        path: str,
        parent: models.Model,
        *,
        parent_saved: bool,
        stored: StoredChildren,
    ) -> None:
        instance = kind.build(parent)
        self._assign(instance, document, path)
        linked = self._link(kind, instance, document, path)
        match = stored.take(instance) if linked else None
        if match is not None and _values(kind, match) == _values(kind, instance):
            self.counts[counter(kind)] += 1  # the same as stored: left alone
            self._children(kind, document, path, match, parent_saved=True)
            return
        if match is not None:  # the stored object, changed in place: same id, a new version, one history entry
            for name in _compared(kind):
                setattr(match, name, getattr(instance, name))
            instance = match
        saved = self._persist(instance, path, parent_saved=parent_saved and linked, counted=counter(kind))
        self._children(kind, document, path, instance, parent_saved=saved)

    def _link(self, kind: FactKind, instance: models.Model, document: dict[str, Any], path: str) -> bool:
        """Each reference resolved: a listed object by name, a hospital in the shared directory. False when a
        reference the model requires could not be (the object is then only checked, never written)."""
        linked = True
        for reference in kind.references:
            model_field = kind.model_field(reference.name)
            target_kind = referred_kind(kind, reference.name)
            value = document.get(reference.name)
            if target_kind in listed_kinds():
                target = self.named.get(target_kind, {}).get(value) if isinstance(value, str) else None
            else:
                target = self._hospital(_object(value), f"{path}.{reference.name}")
            if target is not None or model_field.null:
                setattr(instance, reference.name, target)
            else:
                linked = False
        return linked

    def _hospital(self, document: dict[str, Any], path: str) -> Hospital | None:
        """Matched by name and city in the shared directory; the document's facts are used only for a new entry."""
        facts = self._present(Hospital, document, path)
        name_en, city = facts.pop("name_en", ""), facts.pop("city", "")
        try:
            hospital, created = hospital_get_or_create(name_en=name_en, city=city, user=self.user, **facts)
        except ValidationError as error:
            self._report(error, path, Hospital)
            return None
        except IntegrityError as error:
            self.problems.append(DossierProblem(path, f"the database refused this hospital: {error}"))
            return None
        self.counts[counter(kind_of(Hospital), "created" if created else "matched")] += 1
        return hospital

    def _build[F: VersionedFact](self, model: type[F], document: dict[str, Any], path: str, **links: Any) -> F:
        instance = model(**links)
        self._assign(instance, document, path)
        return instance

    def _assign(self, instance: models.Model, document: dict[str, Any], path: str) -> None:
        """Every field from the document; an absent (or refused) one gets the model's default, as on a new row."""
        model = type(instance)
        present = self._present(model, document, path)
        for name in kind_of(model).field_names:
            if name in present:
                setattr(instance, name, present[name])
            else:
                setattr(instance, name, kind_of(model).model_field(name).get_default())

    def _present(self, model: type[models.Model], document: dict[str, Any], path: str) -> dict[str, Any]:
        """The document's values for the model's fields, leaving out those the schema refused."""
        values = {}
        for name in kind_of(model).field_names:
            if name in document and f"{path}.{name}" not in self.skip:
                value = from_document(model, name, document[name])
                if value is not SKIP:
                    values[name] = value
        return values

    def _persist(self, instance: VersionedFact, path: str, *, parent_saved: bool, counted: str = "") -> bool:
        """Write through fact_save (validation and history); without a written parent, only validate."""
        if not parent_saved:
            self._check(instance, path)
            return False
        try:
            fact_save(instance=instance, user=self.user)
        except ValidationError as error:
            self._report(error, path, type(instance))
            return False
        except IntegrityError as error:
            self.problems.append(DossierProblem(path, f"the database refused this object: {error}"))
            return False
        if counted:
            self.counts[counted] += 1
        return True

    def _check(self, instance: models.Model, path: str) -> None:
        """The model's own rules, leaving out links to parents that were never written (reported elsewhere)."""
        links = [f.name for f in instance._meta.fields if f.is_relation]
        try:
            instance.full_clean(exclude=links, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            self._report(error, path, type(instance))

    def _report(self, error: ValidationError, path: str, model: type[models.Model]) -> None:
        """Django's field names become JSON paths under the object; anything else is reported at the object."""
        keys = set(document_keys(model))
        messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for name, texts in messages.items():
            where = f"{path}.{name}" if name in keys else path
            if not self._refused_by_schema(where):
                self.problems.extend(DossierProblem(where, text) for text in texts)

    def _refused_by_schema(self, path: str) -> bool:
        """The schema already spoke about this value or an object holding it (e.g. a missing ``$.asset``)."""
        ends = [index for index, char in enumerate(path) if char in ".["]
        return any(prefix in self.skip for prefix in [path, *(path[:end] for end in ends)])


def _compared(kind: FactKind) -> list[str]:
    """What a document sets on an object: its fields and the ids of what it refers to."""
    return [*kind.field_names, *(kind.model_field(reference.name).attname for reference in kind.references)]


def _values(kind: FactKind, instance: models.Model) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in _compared(kind)}


class StoredChildren:
    """A parent's stored children of one kind, each taken at most once by the document's objects: the one with the
    same key, or (for a kind or an object without a key) an identical one, else the first left in the export's order.
    Indexed, so matching a list of thousands costs a dictionary look-up per object, not a scan of the list."""

    def __init__(self, kind: FactKind, stored: list[VersionedFact]) -> None:
        self.kind, self.names = kind, MATCH_KEYS.get(kind.key, ())
        self.order = stored
        self.taken: set[int] = set()
        self.by_key: dict[tuple[Any, ...], list[VersionedFact]] = {}
        self.by_values: dict[tuple[Any, ...], list[VersionedFact]] = {}
        self.keyless: list[VersionedFact] = []
        for candidate in stored:
            key = _key(candidate, self.names)
            if key:
                self.by_key.setdefault(key, []).append(candidate)
            else:
                self.keyless.append(candidate)
                self.by_values.setdefault(_fingerprint(_values(kind, candidate)), []).append(candidate)
        self.next_keyless = 0

    def take(self, instance: models.Model) -> VersionedFact | None:
        key = _key(instance, self.names)
        if key:
            match = self._first_free(self.by_key.get(key, []))
        else:
            values = _values(self.kind, instance)
            same = [c for c in self.by_values.get(_fingerprint(values), []) if _values(self.kind, c) == values]
            match = self._first_free(same) or self._first_keyless()
        if match is not None:
            self.taken.add(id(match))
        return match

    def left(self) -> list[VersionedFact]:
        return [candidate for candidate in self.order if id(candidate) not in self.taken]

    def _first_free(self, candidates: list[VersionedFact]) -> VersionedFact | None:
        return next((candidate for candidate in candidates if id(candidate) not in self.taken), None)

    def _first_keyless(self) -> VersionedFact | None:
        while self.next_keyless < len(self.keyless) and id(self.keyless[self.next_keyless]) in self.taken:
            self.next_keyless += 1
        return self.keyless[self.next_keyless] if self.next_keyless < len(self.keyless) else None


def _fingerprint(values: dict[str, Any]) -> tuple[Any, ...]:
    """A hashable stand-in for an object's values, equal whenever the values are (Decimal("1.0") == Decimal("1.00"));
    a look-up by it is confirmed by comparing the values themselves."""
    return tuple(_hashable(value) for value in values.values())


def _hashable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize() if value.is_finite() else str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _key(instance: models.Model, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The matching key; for studies the first registry id set. Empty when the object (or its kind) has none."""
    values = [getattr(instance, name) for name in names]
    if names == MATCH_KEYS["studies"]:
        return next(((value,) for value in values if value), ())
    return tuple(values) if any(values) else ()


def _items(value: object) -> list[tuple[int, dict[str, Any]]]:
    """The objects of a document list with their indexes; anything else the schema has already reported."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
