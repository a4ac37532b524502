"""The regulatory clocks a memo shows: the NHC filing per NHC filing [ORDER-818] and the NMPA clocks per NMPA IND
[NMPA-86], on China's working-day calendar (``assets.deadlines``).

They are computed from the dossier's dates so they cannot disagree with the facts frozen beside them, and with the
same functions the asset page uses (``ind_deadlines``), so the memo and the page cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assets import deadlines
from assets.dossier.fields import FIELDS, from_document
from assets.models import INDApplication
from assets.selectors import ind_deadlines
from diligence.memos.display import label
from diligence.memos.facts import study_name

Row = dict[str, Any]

IND_FIELDS = FIELDS[INDApplication]
STATUS_TEXT = {"met": "Met", "late": "Met late", "overdue": "Overdue", "open": "Open"}


def timelines(dossier: Row, *, today: dt.date) -> list[Row]:
    clocks = [*_nhc_clocks(dossier, today), *_ind_clocks(dossier, today)]
    return sorted(clocks, key=lambda clock: (clock["due"], clock["subject"], clock["clock"]))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _nhc_clocks(dossier: Row, today: dt.date) -> list[Row]:
    clocks = []
    for study in dossier["studies"]:
        for filing in study["nhc_filings"]:
            due = deadlines.nhc_filing_deadline(
                academic_review_on=_date(filing["academic_review_on"]),
                ethics_approved_on=_date(filing["ethics_approved_on"]),
                filed_on=_date(filing["filed_on"]),
            )
            if due is not None:
                number = f" {filing['filing_number']}" if filing["filing_number"] else ""
                clocks.append(_clock(f"NHC filing{number} ({study_name(study)})", due, today))
    return clocks


def _ind_clocks(dossier: Row, today: dt.date) -> list[Row]:
    clocks: list[Row] = []
    for values in dossier["ind_applications"]:
        # An unsaved model from the dossier's values, so the selector's own rules (NMPA only, the 30-day pathway)
        # decide which clocks apply.
        ind = INDApplication(**{name: from_document(INDApplication, name, values[name]) for name in IND_FIELDS})
        authority = label(INDApplication, "authority", ind.authority)
        subject = " ".join(part for part in (authority, "IND", ind.number) if part)
        clocks.extend(_clock(subject, due, today) for due in ind_deadlines(ind))
    return clocks


def _clock(subject: str, deadline: deadlines.Deadline, today: dt.date) -> Row:
    status = deadline.status(today)
    days_off = ((deadline.done_on or today) - deadline.due).days
    return {
        "subject": subject,
        "key": deadline.key,
        "clock": deadline.label,
        "citation": deadline.citation,
        "rule": deadline.rule,
        "due": deadline.due.isoformat(),
        "done_on": deadline.done_on.isoformat() if deadline.done_on else None,
        "status": status,
        "status_display": STATUS_TEXT.get(status, status),
        "days_late": max(days_off, 0) if status in ("late", "overdue") else 0,
        "days_left": (deadline.due - today).days if status == "open" else None,
        "estimated": deadline.estimated,
    }
