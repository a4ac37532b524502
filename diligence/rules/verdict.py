"""Does this data travel? A traffic light per diligence question and the overall answer, from the findings and the
checklist.

A question is green only when it has been checked and is clean: no active finding colours it, no fact its rules need
is unknown (no open item), and every critical checklist item of the question is done or not applicable. Otherwise it
is red (an unmitigated high-severity breach), "not yet established" (something is missing, and the answer says what),
or amber (a medium breach, or a mitigated high one). Red outranks "not yet established", which outranks amber: a
question with a gap cannot read as "yes, with conditions".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from diligence.models import Finding, FindingKind, QuestionKey, Severity

GREEN, AMBER, NOT_ESTABLISHED, RED = "green", "amber", "not_established", "red"
RANK = {GREEN: 0, AMBER: 1, NOT_ESTABLISHED: 2, RED: 3}
ANSWERS = {GREEN: "yes", AMBER: "yes, with conditions", NOT_ESTABLISHED: "not yet established", RED: "no"}
LIGHT_LABELS = {GREEN: "Green", AMBER: "Amber", NOT_ESTABLISHED: "Not yet established", RED: "Red"}
NO_REVIEW = "No checklist review has been started for this asset."


@dataclass(frozen=True)
class ChecklistGate:
    """The critical checklist items not yet finished, by question, as their texts; ``started`` is False when the asset
    has no review, and then every question waits for one."""

    started: bool
    unfinished: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def missing(self, question: str) -> list[str]:
        if not self.started:
            return [NO_REVIEW]
        items = self.unfinished.get(question, ())
        if not items:
            return []
        noun = "item" if len(items) == 1 else "items"
        return [f"{len(items)} critical checklist {noun} not done: " + "; ".join(items)]


@dataclass
class QuestionLight:
    key: str
    label: str
    light: str = GREEN
    reasons: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what stands between the question and an answer

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]

    @property
    def reasons_by_rule(self) -> list[tuple[Finding, int]]:
        """One line per rule behind the light, with how many subjects it was raised on."""
        counts: dict[str, int] = {}
        first: dict[str, Finding] = {}
        for finding in self.reasons:
            counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
            first.setdefault(finding.rule_id, finding)
        return [(first[rule_id], count) for rule_id, count in counts.items()]


@dataclass
class Verdict:
    answer: str  # "yes" | "yes, with conditions" | "not yet established" | "no"
    light: str
    questions: list[QuestionLight]
    conditions: list[str]  # what it would take, from the remedies of the findings behind the lights

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]

    def as_dict(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "light": self.light,
            "questions": [
                {
                    "question": q.key,
                    "label": q.label,
                    "light": q.light,
                    "light_label": q.light_label,
                    "missing": q.missing,
                    "reasons": [
                        {"rule": f.rule_id, "kind": f.kind, "citation": f.citation, "message": f.message}
                        for f in q.reasons
                    ],
                }
                for q in self.questions
            ],
            "what_it_would_take": self.conditions,
        }


def light_of(finding: Finding) -> str:
    """An open item (a fact unknown) → not yet established, unless the team mitigated it (amber); a breach: high →
    red unless mitigated (amber), medium → amber; info breaches and resolved findings do not colour a question."""
    if not finding.is_active:
        return GREEN
    mitigated = finding.status == Finding.Status.MITIGATED
    if finding.kind == FindingKind.UNKNOWN:
        return AMBER if mitigated else NOT_ESTABLISHED
    if finding.severity == Severity.INFO:
        return GREEN
    if finding.severity == Severity.HIGH and not mitigated:
        return RED
    return AMBER


def overall_light(*, red: int, missing: int, amber: int) -> str:
    """The overall light from counts (see ``light_of``): findings that colour a question red, things missing (open
    items, unfinished critical checklist items, no review) and findings that colour it amber: what the dashboard
    needs for every asset without loading every finding."""
    return RED if red else NOT_ESTABLISHED if missing else AMBER if amber else GREEN


@dataclass(frozen=True)
class LightConditions:
    red: Q
    not_established: Q
    amber: Q


def light_conditions(prefix: str = "") -> LightConditions:
    """``light_of`` as ORM conditions on findings reached through ``prefix`` (e.g. ``"findings__"``)."""
    status, severity, kind = f"{prefix}status", f"{prefix}severity", f"{prefix}kind"
    active = Q(**{f"{status}__in": Finding.ACTIVE})
    mitigated = Q(**{status: Finding.Status.MITIGATED})
    unknown = Q(**{kind: FindingKind.UNKNOWN})
    breach = ~unknown & ~Q(**{severity: Severity.INFO})
    return LightConditions(
        red=active & breach & Q(**{severity: Severity.HIGH}) & ~mitigated,
        not_established=active & unknown & ~mitigated,
        amber=active & ((breach & (~Q(**{severity: Severity.HIGH}) | mitigated)) | (unknown & mitigated)),
    )


def verdict_from(findings: Iterable[Finding], *, checklist: ChecklistGate) -> Verdict:
    lights = {key: QuestionLight(key, label) for key, label in QuestionKey.choices}
    remedies: dict[str, str] = {}
    for finding in findings:
        light = light_of(finding)
        if light == GREEN:
            continue
        question = lights[finding.question]
        # An open item is told as what is missing, in its own words; a breach (or a mitigated gap) as a reason.
        if light == NOT_ESTABLISHED:
            question.missing.append(finding.message)
        else:
            question.reasons.append(finding)
        question.light = max(question.light, light, key=RANK.__getitem__)
        if finding.remedy:
            remedies.setdefault(finding.rule_id, finding.remedy)
    for question in lights.values():
        gaps = checklist.missing(question.key)
        if gaps:
            question.missing.extend(gaps)
            question.light = max(question.light, NOT_ESTABLISHED, key=RANK.__getitem__)
    overall = max((q.light for q in lights.values()), key=RANK.__getitem__, default=GREEN)
    return Verdict(ANSWERS[overall], overall, list(lights.values()), list(remedies.values()))
