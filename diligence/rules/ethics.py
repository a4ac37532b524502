"""Ethics approval for every site, before its first patient; consent that covers what the deal needs, and consent
documented as 21 CFR 312.120 requires."""

from __future__ import annotations

from collections.abc import Iterator

from assets.models import EthicsApproval, Study, StudySite, TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts


@rule(
    id="ethics-coverage",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="CFR-312.120",
    title="Site without an ethics approval, or approved only after its first enrolment",
    remedy="Obtain the site's ethics approval letter; where approval post-dates enrolment, assess the affected "
    "patients' data as unusable for a US filing.",
)
def ethics_coverage(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: a site enrolled before its ethics approval. Unknowns (an open item, see ``UNKNOWN_SEVERITY``): no
    approval on file for a site, or its first enrolment date not recorded."""
    for study, site in facts.sites():
        approvals = sorted(site.ethics_approvals.all(), key=lambda a: a.approval_date)
        cited = {"study": str(study), "hospital": site.hospital.name_en, "hospital_zh": site.hospital.name_zh}
        if not approvals:
            yield Raised(
                subject=f"site:{site.pk}",
                message=f"No ethics approval on file for {site.hospital.name_en} in {study}.",
                facts=cited,
                unknown=True,
            )
        elif site.first_enrolled_on is None:
            yield Raised(
                subject=f"site:{site.pk}",
                message=f"{site.hospital.name_en}'s first enrolment in {study} is not recorded, so its ethics "
                f"approval of {approvals[0].approval_date:%Y-%m-%d} cannot be shown to precede it.",
                facts={**cited, "approval_date": approvals[0].approval_date.isoformat()},
                unknown=True,
            )
        elif approvals[0].approval_date > site.first_enrolled_on:
            yield Raised(
                subject=f"site:{site.pk}",
                message=f"{site.hospital.name_en} enrolled its first patient on {site.first_enrolled_on:%Y-%m-%d}, "
                f"before its ethics approval of {approvals[0].approval_date:%Y-%m-%d}.",
                facts={
                    **cited,
                    "first_enrolled_on": site.first_enrolled_on.isoformat(),
                    "approval_date": approvals[0].approval_date.isoformat(),
                },
            )


def _consent_gaps(facts: AssetFacts, field: str) -> Iterator[tuple[Study, StudySite, EthicsApproval, str]]:
    """(study, site, approval, answer) for every approval whose consent does not clearly cover ``field``."""
    for study, site in facts.sites():
        for approval in site.ethics_approvals.all():
            answer = getattr(approval, field)
            if answer != TriState.YES:
                yield study, site, approval, answer


@rule(
    id="consent-commercial-use",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="DQ-CONSENT",
    title="Consent does not cover downstream commercial use",
    remedy="Re-consent patients, or obtain an ethics opinion that the existing consent covers commercial use.",
)
def consent_commercial_use(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: an approved consent that does not cover commercial use. Unknown (an open item): whether it does."""
    for study, site, approval, answer in _consent_gaps(facts, "consent_commercial_use"):
        yield Raised(
            subject=f"ethics:{approval.pk}",
            message=f"The consent approved for {site.hospital.name_en} ({study}) "
            + ("does not cover commercial use." if answer == TriState.NO else "is not known to cover commercial use."),
            facts={"study": str(study), "hospital": site.hospital.name_en, "consent_commercial_use": answer},
            unknown=answer != TriState.NO,
        )


@rule(
    id="consent-cross-border",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="DQ-CONSENT",
    title="Consent does not cover cross-border transfer of data",
    remedy="Re-consent patients for cross-border transfer, or keep the data in China and share only aggregate results.",
)
def consent_cross_border(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: an approved consent that does not cover cross-border transfer. Unknown (an open item): whether it
    does."""
    for study, site, approval, answer in _consent_gaps(facts, "consent_cross_border"):
        yield Raised(
            subject=f"ethics:{approval.pk}",
            message=f"The consent approved for {site.hospital.name_en} ({study}) "
            + (
                "does not cover cross-border transfer."
                if answer == TriState.NO
                else "is not known to cover cross-border transfer."
            ),
            facts={"study": str(study), "hospital": site.hospital.name_en, "consent_cross_border": answer},
            unknown=answer != TriState.NO,
        )


@rule(
    id="cfr312-documented-consent",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="CFR-312.120",
    title="Informed consent not documented, as 21 CFR 312.120 requires of a foreign study",
    remedy="Obtain the signed consent forms (or the ethics committee's record of documented consent) for every "
    "patient, or exclude the undocumented patients' data from any US filing.",
)
def cfr312_documented_consent(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: every ethics approval, unless the registration plan is recorded and does not target the US (then no
    US filing leans on the data). Breach: consent recorded as not documented. Unknown (an open item): whether it is."""
    if facts.plan is not None and not facts.plan.targets_us:
        return
    for study, site in facts.sites():
        for approval in site.ethics_approvals.all():
            if approval.consent_documented == TriState.YES:
                continue
            undocumented = approval.consent_documented == TriState.NO
            yield Raised(
                subject=f"ethics:{approval.pk}",
                message=f"Informed consent at {site.hospital.name_en} ({study}) "
                + ("is not documented for every patient." if undocumented else "is not known to be documented."),
                facts={
                    "study": str(study),
                    "hospital": site.hospital.name_en,
                    "consent_documented": approval.consent_documented,
                },
                unknown=not undocumented,
            )
