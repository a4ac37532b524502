"""Does this data travel? A traffic light per diligence question and the overall answer, from the findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from diligence.models import Finding, QuestionKey, Severity

GREEN, AMBER, RED = "green", "amber", "red"
ANSWERS = {GREEN: "yes", AMBER: "yes, with conditions", RED: "no"}


@dataclass
class QuestionLight:
    key: str
    label: str
    light: str = GREEN
    reasons: list[Finding] = field(default_factory=list)

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
    answer: str  # "yes" | "yes, with conditions" | "no"
    light: str
    questions: list[QuestionLight]
    conditions: list[str]  # what it would take, from the remedies of the findings behind red and amber lights

    def as_dict(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "light": self.light,
            "questions": [
                {
                    "question": q.key,
                    "label": q.label,
                    "light": q.light,
                    "reasons": [{"rule": f.rule_id, "citation": f.citation, "message": f.message} for f in q.reasons],
                }
                for q in self.questions
            ],
            "what_it_would_take": self.conditions,
        }


def light_of(finding: Finding) -> str:
    """High → red, unless mitigated (amber); medium → amber; info and resolved findings do not colour a question."""
    if not finding.is_active or finding.severity == Severity.INFO:
        return GREEN
    if finding.severity == Severity.HIGH and finding.status != Finding.Status.MITIGATED:
        return RED
    return AMBER


def overall_light(*, red: int, amber: int) -> str:
    """The overall light from counts of active findings that colour a question red and amber (see ``light_of``):
    what the dashboard needs for every asset without loading every finding."""
    return RED if red else AMBER if amber else GREEN


def light_conditions(prefix: str = "") -> tuple[Q, Q]:
    """``light_of`` as ORM conditions on findings reached through ``prefix`` (e.g. ``"findings__"``):
    (colours its question red, colours it red or amber)."""
    status, severity = f"{prefix}status", f"{prefix}severity"
    active = Q(**{f"{status}__in": Finding.ACTIVE}) & ~Q(**{severity: Severity.INFO})
    return active & Q(**{severity: Severity.HIGH}) & ~Q(**{status: Finding.Status.MITIGATED}), active


def verdict_from(findings: Iterable[Finding]) -> Verdict:
    lights = {key: QuestionLight(key, label) for key, label in QuestionKey.choices}
    rank = {GREEN: 0, AMBER: 1, RED: 2}
    remedies: dict[str, str] = {}
    for finding in findings:
        light = light_of(finding)
        if light == GREEN:
            continue
        question = lights[finding.question]
        question.reasons.append(finding)
        question.light = max(question.light, light, key=rank.__getitem__)
        if finding.remedy:
            remedies.setdefault(finding.rule_id, finding.remedy)
    overall = max((q.light for q in lights.values()), key=rank.__getitem__, default=GREEN)
    return Verdict(ANSWERS[overall], overall, list(lights.values()), list(remedies.values()))
