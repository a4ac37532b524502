"""The asset list as CSV or XLSX: the rows the list shows for the same filters and sort, every page of them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from assets.filters import AssetFilter
from teams.http import AuthenticatedHttpRequest
from teams.spreadsheets import Sheet, csv_download, xlsx_download

ASSET_HEADER = [
    "code",
    "name",
    "INN",
    "team",
    "modality",
    "target",
    "originator",
    "highest phase (China)",
    "highest phase (US)",
    "studies",
    "investigator-initiated studies",
    "sites",
    "open findings",
    "of them high severity",
    "updated",
]


@login_required
@require_GET
def asset_list_export(request: AuthenticatedHttpRequest, extension: str) -> HttpResponse:
    # The filter set reads the user's assets through the access policy (``selectors.asset_list``).
    assets = AssetFilter(request.GET, user=request.user).results
    rows = [
        [
            asset.code,
            asset.name,
            asset.inn_name,
            asset.team.name,
            asset.get_modality_display(),
            asset.target,
            asset.originator.name if asset.originator else "",
            asset.get_highest_phase_china_display(),
            asset.get_highest_phase_us_display(),
            asset.study_count,
            asset.iit_count,
            asset.site_count,
            asset.open_findings,
            asset.red_flags,
            timezone.localdate(asset.updated_at).isoformat(),
        ]
        for asset in assets
    ]
    download = csv_download if extension == "csv" else xlsx_download
    return download(f"assets.{extension}", Sheet("Assets", ASSET_HEADER, rows))
