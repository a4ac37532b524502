"""A record's locations as StudySites on the shared hospital directory, written in bulk.

Each site string is placed by the directory's matcher (``assets.directory.matching``: English and Chinese names and
every alias, traditional or simplified, full-width or not, in pinyin or characters, with the city): a confident
match links; an uncertain one gets a hospital created unreviewed to hold its sites, and a review for the curators
with its candidates; a string like nothing in the directory gets a new hospital, flagged unreviewed. A hospital with
the very same English name in the same city is always the same one (the directory's unique key). Two queries per
study whatever its number of sites, and one bulk insert each for new hospitals and reviews, with their history. A
site already on the study keeps its role and everything a person added to it; one the record no longer lists is
kept and reported, never deleted, since its ethics approvals hang off it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assets.directory.matching import Outcome, SiteMatch, directory_load, site_match
from assets.models import Hospital, SiteMatchCandidate, SiteMatchReview, Study, StudySite
from assets.models.hospitals import key_problems, normalise_name
from assets.registry.errors import RecordProblem
from assets.registry.records import RegistryStudy, SiteRecord
from assets.registry.text import split_names

if TYPE_CHECKING:
    from teams.models import User

Key = tuple[str, str]
# The hospitals an update adds are named in its result up to this many (a result line is stored and shown whole).
ADDED_NAMES_KEPT = 20
CHINA = frozenset({"china", "people s republic of china", "cn", "prc", "中国"})


@dataclass
class WantedSite:
    """A site as the record describes it, once per hospital (name and city) however often it is listed."""

    key: Key
    name_en: str
    name_zh: str
    city: str
    province: str
    country: str
    investigator: str
    place: object
    facility: str = ""  # the site string as the record gives it
    registry_id: str = ""
    lead: bool = False


@dataclass
class SiteSync:
    """What the sites of one study became: counts for the result page and the --json line."""

    added: int = 0
    updated: int = 0
    unlisted: list[str] = field(default_factory=list)
    added_names: list[str] = field(default_factory=list)  # the first hospitals added to a study already there
    hospitals_created: int = 0
    hospitals_matched: int = 0
    sites_to_review: int = 0  # site strings left for the curators' review, each on a hospital created to hold it
    total: int = 0
    china: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def is_china(country: str) -> bool:
    return normalise_name(country) in CHINA


def wanted_sites(record: RegistryStudy) -> list[WantedSite]:
    """One entry per hospital, the lead site marked, each checked against the models' rules (nothing written)."""
    merged: dict[Key, WantedSite] = {}
    for site in record.sites:
        wanted = _wanted(site)
        wanted.registry_id = record.registry_id
        if wanted.key in merged:
            first = merged[wanted.key]
            first.investigator = first.investigator or wanted.investigator
        else:
            merged[wanted.key] = wanted
    sites = list(merged.values())
    _mark_lead(sites, record)
    for wanted in sites:
        _check(wanted)
    return sites


def _wanted(site: SiteRecord) -> WantedSite:
    name_en, name_zh = split_names(site.facility)
    return WantedSite(
        key=(normalise_name(name_en), normalise_name(site.city)),
        name_en=name_en,
        name_zh=name_zh,
        city=site.city,
        province=site.state,
        country=site.country or "Unknown",
        investigator=site.investigator,
        place=site.place,
        facility=site.facility,
    )


def _mark_lead(sites: list[WantedSite], record: RegistryStudy) -> None:
    """The only site, or the one that is the lead sponsor or the overall PI's institution."""
    if len(sites) == 1:
        sites[0].lead = True
        return
    names = [record.lead_sponsor.name if record.lead_sponsor else ""]
    names += [official.affiliation for official in record.officials]
    keys = [normalise_name(split_names(name)[0]) for name in names if name]
    for key in keys:
        lead = next((site for site in sites if site.key[0] == key), None)
        if lead is not None:
            lead.lead = True
            return


# The model fields (never reverse relations) a site's values go into: checked by the fields themselves (lengths,
# required names), which for a thousand sites is much cheaper than building and full_clean()ing two model instances
# each.
_CHECKED = [
    (Hospital, "name_en", "name_en"),
    (Hospital, "name_zh", "name_zh"),
    (Hospital, "city", "city"),
    (Hospital, "province", "province"),
    (Hospital, "country", "country"),
    (StudySite, "principal_investigator", "investigator"),
]


def _check(site: WantedSite) -> None:
    """The models' own field rules, located at the site in the file."""
    problems = []
    for model, name, attribute in _CHECKED:
        try:
            cast(Field, model._meta.get_field(name)).clean(getattr(site, attribute), None)
        except ValidationError as error:
            problems.append(f"{name}: {' '.join(error.messages)}")
    problems += [f"{name}: {message}" for name, message in key_problems(site.name_en, site.city).items()]
    if problems:
        raise RecordProblem(str(site.place), f"this site cannot be stored ({'; '.join(problems)})")


def _new_hospital(site: WantedSite) -> Hospital:
    """A directory entry for a site the directory could not place; unreviewed, its grade for a person to verify."""
    return Hospital(
        name_en=site.name_en,
        name_zh=site.name_zh,
        city=site.city,
        province=site.province,
        country=site.country,
        grade=Hospital.Grade.UNKNOWN,
        grade_verified=False,
        reviewed=False,
        name_key=site.key[0],
        city_key=site.key[1],
    )


def hospitals_resolve(sites: list[WantedSite], *, user: User | None) -> tuple[dict[Key, Hospital], int, int]:
    """Each site's directory entry, how many had to be created, and how many of those wait for the curators'
    review (the rest are unlike any hospital of the directory). The new ones are inserted in one bulk insert,
    their reviews in another. A concurrent import that created one of them first makes the insert fail
    (IntegrityError): the caller's import is all or nothing, and tries the whole file again
    (``registry_import_file``)."""
    if not sites:
        return {}, 0, 0
    directory = directory_load()
    identical = directory.identical()
    matches: dict[Key, SiteMatch] = {}
    for site in sites:
        if site.key not in identical:
            matches[site.key] = site_match(directory, names=[site.name_en, site.name_zh], city=site.city)
    found: dict[Key, Hospital] = {}
    missing: dict[Key, Hospital] = {}
    for site in sites:
        match = matches.get(site.key)
        if match is None:
            found[site.key] = identical[site.key]
        elif match.hospital_id is not None:
            found[site.key] = directory.hospitals[match.hospital_id]
        else:
            missing.setdefault(site.key, _new_hospital(site))
    reviewed = 0
    if missing:
        created = bulk_create_with_history(list(missing.values()), Hospital, default_user=user)
        found.update(zip(missing, created, strict=True))
        reviewed = _reviews_open(sites, matches, found, user=user)
    return found, len(missing), reviewed


def _reviews_open(
    sites: list[WantedSite], matches: dict[Key, SiteMatch], found: dict[Key, Hospital], *, user: User | None
) -> int:
    """A review for each uncertain site string, held by the hospital just created for it; how many."""
    uncertain = {
        site.key: site for site in sites if site.key in matches and matches[site.key].outcome is Outcome.REVIEW
    }
    if not uncertain:
        return 0
    reviews = [
        SiteMatchReview(
            site_text=site.facility or site.name_en,
            city=site.city,
            registry_id=site.registry_id,
            holding=found[key],
        )
        for key, site in uncertain.items()
    ]
    reviews = bulk_create_with_history(reviews, SiteMatchReview, default_user=user)
    SiteMatchCandidate.objects.bulk_create(
        SiteMatchCandidate(review=review, hospital_id=candidate.hospital_id, score=candidate.score)
        for review, key in zip(reviews, uncertain, strict=True)
        for candidate in matches[key].candidates
    )
    return len(reviews)


def sites_sync(
    *, study: Study, sites: list[WantedSite], hospitals: dict[Key, Hospital], user: User | None, is_new: bool
) -> SiteSync:
    """Add the sites the study lacks, set investigators the record names; report the ones it no longer lists."""
    existing: dict[int, StudySite] = {}
    if not is_new:
        existing = {s.hospital_id: s for s in StudySite.objects.filter(study=study).select_related("hospital")}
    added: dict[int, StudySite] = {}
    updated: list[StudySite] = []
    for site in sites:
        hospital = hospitals[site.key]
        current = existing.get(hospital.pk) or added.get(hospital.pk)
        if current is None:
            role = StudySite.Role.LEAD if site.lead else StudySite.Role.PARTICIPATING
            added[hospital.pk] = StudySite(
                study=study, hospital=hospital, role=role, principal_investigator=site.investigator
            )
        elif site.investigator and current.principal_investigator != site.investigator and current.pk:
            current.principal_investigator = site.investigator
            current.version += 1
            current.updated_at = timezone.now()
            updated.append(current)
    if added:
        bulk_create_with_history(list(added.values()), StudySite, default_user=user)
    if updated:
        fields = ["principal_investigator", "version", "updated_at"]
        bulk_update_with_history(updated, StudySite, fields, default_user=user)
    listed = {hospitals[site.key].pk for site in sites}
    every = [*existing.values(), *added.values()]
    return SiteSync(
        added=len(added),
        updated=len(updated),
        added_names=[] if is_new else [str(s.hospital) for s in list(added.values())[:ADDED_NAMES_KEPT]],
        unlisted=[str(s.hospital) for s in existing.values() if s.hospital_id not in listed],
        total=len(every),
        china=sum(1 for s in every if is_china(s.hospital.country)),
    )
