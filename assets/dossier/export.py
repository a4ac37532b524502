"""An asset with everything under it as one JSON document, the same bytes every time for the same facts.

No database ids leave: the asset goes by its code, companies by name, hospitals by English name and city with their
public directory facts. Lists are sorted by what they say (never by primary key), so an asset imported into another
team exports exactly as the original did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from assets.dossier.fields import FORMAT, VERSION, values_of
from assets.models import Asset, Company, DealTerms, RegistrationPlan, Study, StudySite
from assets.models.hospitals import normalise_name

Document = dict[str, Any]


def dossier_export(*, asset: Asset) -> Document:
    """The asset's dossier. The caller has already checked that whoever asked may see the asset."""
    studies = list(
        Study.objects.filter(asset=asset)
        .select_related("funding_company", "evidence")
        .prefetch_related("efficacy_claims", "sites__hospital", "sites__ethics_approvals", "hgr_filings", "nhc_filings")
    )
    deal = DealTerms.objects.filter(asset=asset).prefetch_related("milestones", "royalty_tiers").first()
    plan = RegistrationPlan.objects.filter(asset=asset).first()
    companies = {c.name: c for c in [asset.originator, *(s.funding_company for s in studies)] if c is not None}
    return {
        "format": FORMAT,
        "version": VERSION,
        "companies": _ordered(map(values_of, companies.values()), lambda c: (c["name"],)),
        "asset": values_of(asset) | {"originator": _name(asset.originator)},
        "studies": _ordered(map(_study, studies), _study_key),
        "ind_applications": _ordered(
            map(values_of, asset.ind_applications.all()),
            lambda i: (i["submitted_on"] or "", i["authority"], i["number"]),
        ),
        "deal_terms": _deal(deal) if deal else None,
        "registration_plan": values_of(plan) if plan else None,
    }


def dossier_dumps(document: Document) -> str:
    """The one way a dossier is written out: sorted keys, real characters (西安, not \\u897f), a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _study(study: Study) -> Document:
    evidence = getattr(study, "evidence", None)  # the reverse one-to-one raises (an AttributeError) when absent
    return values_of(study) | {
        "funding_company": _name(study.funding_company),
        "efficacy_claims": _ordered(map(values_of, study.efficacy_claims.all()), lambda c: (c["endpoint"],)),
        "evidence": values_of(evidence) if evidence else None,
        "sites": _ordered(map(_site, study.sites.all()), _site_key),
        "hgr_filings": _ordered(
            map(values_of, study.hgr_filings.all()),
            lambda f: (f["submitted_on"] or "", f["kind"], f["reference_number"]),
        ),
        "nhc_filings": _ordered(
            map(values_of, study.nhc_filings.all()), lambda f: (f["filed_on"] or "", f["filing_number"])
        ),
    }


def _site(site: StudySite) -> Document:
    return values_of(site) | {
        "hospital": values_of(site.hospital),
        "ethics_approvals": _ordered(
            map(values_of, site.ethics_approvals.all()),
            lambda e: (e["approval_date"], e["committee"], e["reference_number"]),
        ),
    }


def _deal(deal: DealTerms) -> Document:
    return values_of(deal) | {
        "milestones": _ordered(
            map(values_of, deal.milestones.all()), lambda m: (m["kind"], Decimal(m["amount"]), m["event"])
        ),
        "royalty_tiers": _ordered(
            map(values_of, deal.royalty_tiers.all()), lambda t: (Decimal(t["annual_net_sales_from"]),)
        ),
    }


def _study_key(study: Document) -> tuple[str, ...]:
    return (
        study["start_date"] or "",
        study["nct_id"],
        study["chictr_id"],
        study["ctr_id"],
        study["acronym"],
        study["title"],
    )


def _site_key(site: Document) -> tuple[object, ...]:
    hospital = site["hospital"]
    return (site["role"] != StudySite.Role.LEAD, normalise_name(hospital["name_en"]), normalise_name(hospital["city"]))


def _ordered(items: Iterable[Document], key: Callable[[Document], tuple[Any, ...]]) -> list[Document]:
    """Sorted by meaning; ties (two identical-looking rows) broken by their full content, never by primary key."""
    return sorted(items, key=lambda item: (key(item), json.dumps(item, sort_keys=True, ensure_ascii=False)))


def _name(company: Company | None) -> str | None:
    return company.name if company else None
