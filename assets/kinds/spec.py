"""What the registry says about one kind of fact, and what follows from it for the modules that serve the kind.

A kind is its model, where it sits (its parent, its key in the dossier), its fields in document order, the objects
of other kinds it refers to, and how people edit it. Labels are the model's verbose names; everything else a form,
the dossier, its schema or the history needs is read from here, so adding a field is one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.utils.text import capfirst

from assets import services
from assets.models import Asset, Study
from assets.models.common import VersionedFact

if TYPE_CHECKING:
    from assets.forms import FactForm, StudySiteForm
    from teams.models import User

Document = dict[str, Any]

# The JSON shape of a list of texts kept as a registry gives them (conditions, interventions...).
TEXT_LIST: Mapping[str, Any] = {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class Field:
    """One model field of a kind: carried by its dossier object and, when ``edited``, typed into its form."""

    name: str
    edited: bool = True  # False: set by the code or a registry import, never typed in
    description: str = ""  # the schema's words for the value's form, where the model's help text does not say it
    schema: Mapping[str, Any] | None = None  # the shape of a JSONField's value, which the model cannot say


@dataclass(frozen=True)
class Reference:
    """A foreign key to an object of another kind, under the same key in the dossier. A kind listed once at the top
    of the dossier (companies) is referred to by its natural key; any other (a hospital) is written out whole."""

    name: str
    description: str = ""  # what the referred-to object is to this one ("the originator"), for the schema


def save_plain(form: FactForm, user: User) -> VersionedFact:
    return services.fact_save(instance=form.instance, user=user, expected_version=form.expected_version)


def save_study(form: FactForm, user: User) -> VersionedFact:
    return services.study_save(
        study=form.instance,
        funding_company_name=form.cleaned_data["funding_company_name"],
        user=user,
        expected_version=form.expected_version,
    )


def save_site(form: FactForm, user: User) -> VersionedFact:
    return services.study_site_save(
        site=form.instance,
        hospital=cast("StudySiteForm", form).hospital_facts(),
        user=user,
        expected_version=form.expected_version,
    )


@dataclass(frozen=True, eq=False)
class FactKind:
    """One kind of fact. ``fields`` takes a plain name for a plain field, a ``Field`` where there is more to say."""

    slug: str  # URL names (``site_edit``), the id parameter (``site_id``) and finding subjects (``site:12``)
    plural: str  # URL segment
    model: type[VersionedFact]
    document: str  # the name of its object in the dossier schema's definitions (``study_site``)
    description: str  # what one object is, for readers of the dossier schema
    fields: tuple[Field | str, ...]  # in document order, which is also the order of its form
    key: str = ""  # where its objects sit in the dossier: under the parent, or at the top for a parentless kind
    parent: FactKind | None = None
    references: tuple[Reference, ...] = ()
    natural_key: tuple[str, ...] = ()  # what an import matches an existing object by
    order: tuple[str, ...] | Callable[[Document], tuple[Any, ...]] = ()  # how a list of them is sorted in the dossier
    tab: str = ""  # the asset page tab that lists it; none: not edited inline under an asset
    save: Callable[[FactForm, User], VersionedFact] = save_plain
    describe: Callable[[Any], str] | None = None  # its name in a history, read off a history record (else ``str``)
    describe_reads: tuple[str, ...] = ()  # the relations ``describe`` reads, fetched with the history records

    def __repr__(self) -> str:
        return f"<FactKind {self.slug}>"

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def inline(self) -> bool:
        """Edited inline under an asset (the generic create / edit / delete / history views); the asset itself,
        companies and hospitals have pages or services of their own."""
        return bool(self.tab)

    @cached_property
    def field_specs(self) -> tuple[Field, ...]:
        """``fields`` with each plain name as the plain ``Field`` it stands for."""
        return tuple(field if isinstance(field, Field) else Field(field) for field in self.fields)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.field_specs)

    @property
    def form_fields(self) -> list[str]:
        return [field.name for field in self.field_specs if field.edited]

    def model_field(self, name: str) -> models.Field[Any, Any]:
        """The model's own field (or foreign key) of that name: what the registry lists, never a reverse relation."""
        return cast("models.Field[Any, Any]", self.model._meta.get_field(name))

    def label(self, name: str) -> str:
        """What people read for a field or reference: the model's verbose name, capitalised as a form shows it."""
        return capfirst(str(self.model_field(name).verbose_name))

    @property
    def labels(self) -> dict[str, str]:
        return {name: self.label(name) for name in (*self.field_names, *(ref.name for ref in self.references))}

    @property
    def parent_kind(self) -> FactKind:
        """The kind it hangs under; only the asset, companies and hospitals hang under none."""
        if self.parent is None:
            raise LookupError(f"{self.slug} has no parent kind")
        return self.parent

    @property
    def parent_model(self) -> type[VersionedFact]:
        return self.parent_kind.model

    @cached_property
    def parent_field(self) -> str:
        """The model's link to its parent (``study_site`` for an ethics approval)."""
        return self._parent_link.name

    @cached_property
    def accessor(self) -> str:
        """The parent's attribute that reaches these objects (``ethics_approvals``)."""
        relation = self._parent_link.remote_field
        if relation is None:
            raise LookupError(f"{self.slug} has no link to its parent")
        return str(relation.get_accessor_name())

    @property
    def singular(self) -> bool:
        """One per parent (a one-to-one link): "new" edits the existing one, and the dossier holds an object or
        null rather than a list."""
        return self.parent is not None and bool(self._parent_link.one_to_one)

    @cached_property
    def _parent_link(self) -> models.Field[Any, Any]:
        (link,) = [
            field
            for field in self.model._meta.concrete_fields
            if field.is_relation and field.related_model is self.parent_model
        ]
        return link

    def build(self, parent: models.Model) -> VersionedFact:
        """A new, unsaved fact under ``parent``."""
        instance = self.model(**{self.parent_field: parent})
        if isinstance(instance, Study) and isinstance(parent, Asset):
            instance.team_id = parent.team_id
            instance.source = Study.Source.ENTERED
        return instance

    def existing(self, parent: models.Model) -> VersionedFact | None:
        """For a singular kind, the one that already exists under ``parent``."""
        return self.model._default_manager.filter(**{self.parent_field: parent}).first() if self.singular else None

    def sort_key(self, document: Document) -> tuple[Any, ...]:
        """Where an object's document goes in its dossier list: by ``order``, an unknown value first, decimals by
        amount (``"25000000.00"`` before ``"150000000.00"``)."""
        if callable(self.order):
            return self.order(document)
        return tuple(self._sortable(name, document[name]) for name in self.order)

    def _sortable(self, name: str, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(self.model_field(name), models.DecimalField):
            return Decimal(value)
        return value
