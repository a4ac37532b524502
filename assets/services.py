"""Writes to the facts. Validation, the stale-edit check, the history entry and the change signal happen here, once."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Model, Value
from django.db.models.functions import Lower

from assets.models import Asset, Company, Hospital, Study, StudySite
from assets.models.common import VersionedFact
from assets.models.constraints import UNIQUE_LOOKED_UP
from assets.models.hospitals import normalise_name
from assets.signals import announce, shared_facts_changed
from teams import access

if TYPE_CHECKING:
    from teams.models import DealTeam, User


class StaleEdit[M: Model](Exception):  # a refusal the user sees, not a programming error
    """Someone saved the record after this edit began and changed a field this edit changes too, to another value.
    ``current`` is the record as it now stands: a fact, or any other model kept with a ``version`` and a ``history``
    (a checklist item). ``conflicts`` names the fields both changed (empty when the version the edit began from is
    not in the history, so who changed what cannot be told); ``theirs_only`` the fields only the other person
    changed, whose values a second save must carry rather than the ones the form was opened with."""

    def __init__(self, current: M, *, conflicts: tuple[str, ...] = (), theirs_only: tuple[str, ...] = ()) -> None:
        self.current = current
        self.conflicts = conflicts
        self.theirs_only = theirs_only
        super().__init__(f"{current._meta.verbose_name} was changed by someone else; your edit was not saved.")


def stale_merge[M: Model](*, current: M, expected_version: int, submitted: Mapping[str, object]) -> dict[str, object]:
    """An edit begun from ``expected_version`` and saved after someone else's save: the submitted values (by field
    name) that are the user's own changes, to be written on top of the record as it now stands. A field only the
    other person changed keeps their value; a field both changed to different values is a real conflict, refused
    with ``StaleEdit`` naming it, and nothing is written. Compared against the history record of that version."""
    started = current.history.filter(version=expected_version).order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    if started is None:  # no record of where the edit began: nothing can be merged safely
        raise StaleEdit(current)
    mine_changed: dict[str, object] = {}
    conflicts, theirs_only = [], []
    for name, mine in submitted.items():
        attname = current._meta.get_field(name).attname  # type: ignore[union-attr]  # the model's own fields
        before, theirs = _comparable(getattr(started, attname)), _comparable(getattr(current, attname))
        if _comparable(mine) == before:
            if theirs != before:
                theirs_only.append(name)
            continue
        if theirs in (before, _comparable(mine)):
            mine_changed[name] = mine
        else:
            conflicts.append(name)
    if conflicts:
        raise StaleEdit(current, conflicts=tuple(conflicts), theirs_only=tuple(theirs_only))
    return mine_changed


def _comparable(value: object) -> object:
    """A related object by its key, and no value the same as an empty one, as forms and history records hold them."""
    if isinstance(value, Model):
        return value.pk
    return "" if value is None else value


def _edited_fields(model: type[Model]) -> list[Field]:
    """The fields a form can change: the concrete, editable ones, less the version the check itself keeps."""
    return [f for f in model._meta.concrete_fields if f.editable and not f.primary_key and f.name != "version"]


def follow(instance: Model, path: str | None) -> int | None:
    """The id at the end of an ORM path such as ``study__team`` (``""``: the instance itself)."""
    if path is None:
        return None
    return instance.pk if path == "" else access.id_along(instance, path)


def team_id_of(instance: VersionedFact) -> int | None:
    return follow(instance, type(instance).team_path)


def asset_id_of(instance: VersionedFact) -> int | None:
    return follow(instance, type(instance).asset_path)


def _announce(instance: VersionedFact, *, asset_ids: set[int | None]) -> None:
    team_id = team_id_of(instance)
    if team_id is not None:
        announce(sender=type(instance), team_id=team_id, asset_ids={a for a in asset_ids if a})


@transaction.atomic
def fact_save[F: VersionedFact](
    *, instance: F, user: User | None, expected_version: int | None = None, unique_looked_up: Collection[str] = ()
) -> F:
    """Create a fact (no pk) or update it. An update whose ``expected_version`` is not the stored one is refused
    with ``StaleEdit`` so two people editing the same record never silently overwrite each other.
    ``unique_looked_up``: unique constraints the caller has just found unbroken by a lookup of its own in this
    transaction, by the same expression (see ``assets.models.constraints``)."""
    model = type(instance)
    previous_asset_id, previous = None, None
    if instance.pk is not None:
        current = previous = model._base_manager.select_for_update().get(pk=instance.pk)
        if expected_version is not None and current.version != expected_version:
            fields = _edited_fields(model)
            submitted = {f.name: getattr(instance, f.attname) for f in fields}
            mine = stale_merge(current=current, expected_version=expected_version, submitted=submitted)
            for f in fields:  # what this user did not change is the record as it now stands
                if f.name not in mine:
                    setattr(instance, f.attname, getattr(current, f.attname))
        previous_asset_id = asset_id_of(current)
        instance.version = current.version + 1
    setattr(instance, UNIQUE_LOOKED_UP, frozenset(unique_looked_up))
    try:
        instance.full_clean()
    finally:
        delattr(instance, UNIQUE_LOOKED_UP)
    instance._history_user = user  # simple-history's documented hook for the actor
    instance.save()
    _announce(instance, asset_ids={asset_id_of(instance), previous_asset_id})
    if isinstance(instance, Hospital) and isinstance(previous, Hospital):
        _announce_shared(previous, instance)
    return instance


def _shown(field: Field, value: object) -> str:
    """A value as people read it: a choice's label, yes or no, or "none"."""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value in (None, "") else str(value)


def _announce_shared(before: Hospital, after: Hospital) -> None:
    """Every team whose sites stand on the hospital hears what changed, so its findings follow (never stale)."""
    changed = [
        f"{field.verbose_name} {_shown(field, getattr(before, field.attname))} → "
        f"{_shown(field, getattr(after, field.attname))}"
        for field in Hospital._meta.concrete_fields
        if field.editable
        and field.name != "version"
        and getattr(before, field.attname) != getattr(after, field.attname)
    ]
    if not changed:
        return
    assets_by_team: dict[int, set[int]] = {}
    for team_id, asset_id in StudySite.objects.filter(hospital=after, study__asset__isnull=False).values_list(
        "study__team_id", "study__asset_id"
    ):
        assets_by_team.setdefault(team_id, set()).add(asset_id)
    if assets_by_team:
        description = f"{after.name_en} (shared hospital directory): {'; '.join(changed)}."
        shared_facts_changed.send(sender=Hospital, description=description, assets_by_team=assets_by_team)


@transaction.atomic
def fact_delete(*, instance: VersionedFact, user: User | None, expected_version: int | None = None) -> None:
    """Delete a fact; refused like an update when someone changed it since it was shown."""
    model = type(instance)
    current = model._base_manager.select_for_update().filter(pk=instance.pk).first()
    if current is None:
        return
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    asset_id = asset_id_of(current)
    current._history_user = user
    current.delete()
    _announce(current, asset_ids={asset_id})


def hospital_find(*, name_en: str, city: str) -> Hospital | None:
    """The directory entry for this name and city, matched on normalised keys (case, width, punctuation)."""
    return Hospital.objects.filter(name_key=normalise_name(name_en), city_key=normalise_name(city)).first()


@transaction.atomic
def hospital_get_or_create(*, name_en: str, city: str, user: User | None, **facts: object) -> tuple[Hospital, bool]:
    """Match a hospital by name and city, never duplicating it; a new one gets the given public facts."""
    if not name_en.strip():
        raise ValidationError({"name_en": "A hospital needs a name."})
    existing = hospital_find(name_en=name_en, city=city)
    if existing is not None:
        return existing, False
    if user is not None and not access.can_edit_shared_directory(user):
        # A team's verification of a grade is its own fact, kept on its site: a new directory entry starts unverified.
        facts = {name: value for name, value in facts.items() if name not in ("grade_verified", "grade_verified_on")}
    hospital = Hospital(name_en=name_en.strip(), city=city.strip(), **facts)
    try:
        with transaction.atomic():  # a savepoint: losing a race to create the same hospital is not an error
            return fact_save(instance=hospital, user=user), True
    except IntegrityError:
        winner = hospital_find(name_en=name_en, city=city)
        if winner is None:
            raise
        return winner, False


@transaction.atomic
def company_for_name(*, team: DealTeam, name: str, user: User | None) -> Company | None:
    """The team's company of that name (case-insensitive), created if new; None for an empty name."""
    name = name.strip()
    if not name:
        return None
    # The lookup is the unique constraint's own expression, so an absent company needs no second check.
    existing = Company.objects.alias(lower_name=Lower("name")).filter(team=team, lower_name=Lower(Value(name))).first()
    if existing is not None:
        return existing
    return fact_save(
        instance=Company(team=team, name=name), user=user, unique_looked_up=["company_unique_name_per_team"]
    )


@transaction.atomic
def asset_save(*, asset: Asset, originator_name: str, user: User | None, expected_version: int | None) -> Asset:
    asset.originator = company_for_name(team=asset.team, name=originator_name, user=user)
    return fact_save(instance=asset, user=user, expected_version=expected_version)


@transaction.atomic
def study_save(*, study: Study, funding_company_name: str, user: User | None, expected_version: int | None) -> Study:
    study.funding_company = company_for_name(team=study.team, name=funding_company_name, user=user)
    return fact_save(instance=study, user=user, expected_version=expected_version)


@transaction.atomic
def study_site_save(
    *, site: StudySite, hospital: dict[str, str], user: User | None, expected_version: int | None
) -> StudySite:
    """Save a site, finding its hospital in the shared directory by name and city (created only if new)."""
    name_en, city = hospital.pop("name_en"), hospital.pop("city")
    site.hospital, _created = hospital_get_or_create(name_en=name_en, city=city, user=user, **hospital)
    return fact_save(instance=site, user=user, expected_version=expected_version)
