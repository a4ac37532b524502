"""How a request reaches the facts: one helper per kind, each fetching through the access policy, refusing a write
to anyone who may only read, and recording the access where the access log keeps it.

An outsider gets 404 from every helper, as from the policy itself; ``edit=True`` gives a partner (who reads but
does not change the facts) the same 404; ``log`` is written only once every check has passed.
"""

from __future__ import annotations

from django.http import Http404

from assets import selectors
from assets.models import Asset, Hospital, ImportJob, RegistryRecordVersion, StudyRegistrationLink
from assets.models.common import VersionedFact
from teams import access
from teams.access import LogAction
from teams.http import AuthenticatedHttpRequest


def asset_access(
    request: AuthenticatedHttpRequest,
    asset_id: int,
    *,
    edit: bool = False,
    log: LogAction | None = None,
    log_kind: str | None = None,
) -> Asset:
    """The asset, read with what its page shows beside it (team, originator, deal terms, registration plan)."""
    asset = selectors.asset_get_for_user_or_404(user=request.user, asset_id=asset_id)
    return access.admit(request, asset, edit=edit, log=log, log_kind=log_kind)


def fact_access[F: VersionedFact](
    request: AuthenticatedHttpRequest, model: type[F], fact_id: int, *, edit: bool = False
) -> F:
    """Any fact under an asset (a study, a site, a milestone...), by its kind's model."""
    if model.team_path is None:
        raise TypeError(f"{model.__name__} is not owned by a team")
    fact = selectors.fact_get_for_user_or_404(user=request.user, model=model, pk=fact_id)
    return access.admit(request, fact, team_field=model.team_path, edit=edit)


def hospital_access(request: AuthenticatedHttpRequest, hospital_id: int, *, edit: bool = False) -> Hospital:
    """A hospital of the shared directory: public facts any signed-in user reads (not logged: no team owns them);
    only its curators (staff, or people granted the curator permission) change them (asked before it is read)."""
    if edit and not access.can_edit_shared_directory(request.user):
        raise Http404("Not found.")
    return selectors.hospital_get_or_404(hospital_id=hospital_id)


def directory_curator_access(request: AuthenticatedHttpRequest) -> None:
    """The directory's review queue and merges are for its curators; anyone else is told the page does not exist."""
    if not access.can_edit_shared_directory(request.user):
        raise Http404("Not found.")


def import_job_access(request: AuthenticatedHttpRequest, job_id: int) -> ImportJob:
    """An import job: seen by those who may change its team's facts (members and leads), as they started it."""
    job = selectors.import_job_get_for_user_or_404(user=request.user, job_id=job_id)
    return access.admit(request, job, edit=True)


def registration_link_access(request: AuthenticatedHttpRequest, link_id: int) -> StudyRegistrationLink:
    """A link between two registrations of a team's studies, for a member to confirm or reject: a write."""
    link = selectors.registration_link_get_for_user_or_404(user=request.user, link_id=link_id)
    return access.admit(request, link, edit=True)


def asset_lead_access(request: AuthenticatedHttpRequest, asset_id: int) -> Asset:
    """The asset, for a setting that is its team lead's alone (how often its registry records are watched)."""
    asset = selectors.asset_get_for_user_or_404(user=request.user, asset_id=asset_id)
    if not access.can_lead(request.user, asset.team_id):
        raise Http404("Not found.")
    return asset


def registry_version_access(
    request: AuthenticatedHttpRequest, version_id: int, *, edit: bool = False
) -> RegistryRecordVersion:
    """A version of a study's registry record; deciding on it (``edit``) is for members and leads."""
    version = selectors.registry_version_get_for_user_or_404(user=request.user, version_id=version_id)
    return access.admit(request, version, edit=edit)
