"""What to check before a registry record is attached to an asset: does it look like the asset's study at all?

A record about another disease or another product attached to an asset raises its findings there as if they were
the asset's, so the import says so beforehand: when none of the record's conditions matches one of the asset's
indications, when none of its interventions names the asset (code, name, INN) or its target, when the registry
says the study was withdrawn, terminated or suspended, and when the study is attached to another asset now.
Text is compared on keys that fold width (NFKC), case and punctuation; Chinese, which has no spaces, by containment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assets.directory.keys import is_chinese
from assets.models import Study

if TYPE_CHECKING:
    from assets.models import Asset

_NOT_WORD = re.compile(r"[\W_]+")
# Parts of an asset's name that name it on their own: "CT053 (zevor-cel)" is also "CT053" and "zevor-cel".
_NAME_PARTS = re.compile(r"[()（）/;；,，]+")
# Words that say how far along or how treated a disease is, not which disease: "relapsed/refractory multiple
# myeloma" and "Multiple Myeloma" are the same indication.
_QUALIFIERS = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "the",
        "with",
        "in",
        "for",
        "on",
        "to",
        "r",
        "rr",
        "relapsed",
        "refractory",
        "recurrent",
        "advanced",
        "metastatic",
        "locally",
        "unresectable",
        "newly",
        "diagnosed",
        "untreated",
        "previously",
        "treated",
        "patient",
        "patients",
        "adult",
        "adults",
        "pediatric",
        "paediatric",
        "child",
        "children",
        "disease",
        "diseases",
        "disorder",
        "disorders",
        "stage",
        "high",
        "low",
        "risk",
    ]
)
# A study the registry says this of may not be the evidence it seems.
STOPPED_STATUSES = {
    Study.Status.WITHDRAWN: "it stopped before enrolling its first participant",
    Study.Status.TERMINATED: "it stopped early, so its data may be incomplete",
    Study.Status.SUSPENDED: "its enrolment is halted for now",
}


@dataclass(frozen=True)
class RecordWarning:
    kind: str  # one of WARNING_ORDER
    message: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


# The order warnings are said in: what would put a wrong study on an asset first.
WARNING_ORDER = (
    "clears-on-mismatch",
    "other-asset",
    "condition-mismatch",
    "intervention-mismatch",
    "status",
    "condition-unchecked",
)
# A record that does not look like the asset's, whose facts would clear findings of that asset: the worst case of a
# wrong attachment, a green light earned by someone else's trial (said by the preview, which knows the findings).
MISMATCHES = frozenset({"condition-mismatch", "intervention-mismatch"})


def text_key(value: str) -> str:
    """Width, case and punctuation folded: "Ｍｕｌｔｉｐｌｅ  Myeloma," and "multiple myeloma" meet."""
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", value).casefold()).strip()


def _words(value: str) -> list[str]:
    return [word[:-1] if len(word) > 4 and word.endswith("s") else word for word in text_key(value).split()]


def _compact(value: str) -> str:
    return text_key(value).replace(" ", "")


def _contains(text: str, alias: str) -> bool:
    """The alias's words in a row in the text, or (for Chinese, and for names of 4 or more letters written without
    their hyphens, "LCARB38M") its letters within the text's."""
    words, wanted = _words(text), _words(alias)
    if not wanted:
        return False
    if any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
        return True
    compact = _compact(alias)
    return (len(compact) >= 4 or is_chinese(compact)) and compact in _compact(text)


def _disease_words(value: str) -> frozenset[str]:
    return frozenset(word for word in _words(value) if word not in _QUALIFIERS)


def condition_matches(condition: str, indication: str) -> bool:
    """One names the other's disease: the disease words of one are all among the other's, or (Chinese) one holds
    the other. A condition with no disease word ("Cancer") is not held against the asset."""
    ours, theirs = _disease_words(indication), _disease_words(condition)
    if not theirs:
        return True
    if ours and (theirs <= ours or ours <= theirs):
        return True
    a, b = _compact(condition), _compact(indication)
    return is_chinese(a + b) and bool(a and b) and (a in b or b in a)


def asset_aliases(asset: Asset) -> list[str]:
    """What an intervention may call the asset: its code, its name (each part of "CT053 (zevor-cel)"), its INN."""
    names = [asset.code, *_NAME_PARTS.split(asset.name), asset.inn_name]
    seen: dict[str, str] = {}
    for name in names:
        # A one-letter name would "match" any intervention that has that letter as a word.
        if len((key := text_key(name)).replace(" ", "")) >= 2 and key not in seen:
            seen[key] = name.strip()
    return list(seen.values())


def asset_indications(asset: Asset) -> list[str]:
    return [line.strip() for line in re.split(r"[\n;；]+", asset.indications) if line.strip()]


def _listed(values: list[str]) -> str:
    shown = "; ".join(values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")


def study_warnings(*, study: Study, asset_before: Asset | None = None) -> list[RecordWarning]:
    """What is doubtful about attaching the imported record to its asset (``study.asset``, already set to the one
    the import attaches it to), in WARNING_ORDER. ``asset_before`` is the asset it was attached to before."""
    found: list[RecordWarning] = []
    asset, registry_id = study.asset, study.registry_id
    if asset is not None and asset_before is not None and asset_before.pk != asset.pk:
        message = f"{registry_id} is attached to {asset_before.code} ({asset_before.name}) now; the import moves it to"
        found.append(RecordWarning("other-asset", f"{message} {asset.code} ({asset.name})."))
    if asset is not None:
        found += _mismatches(study, asset)
    if study.status in STOPPED_STATUSES:
        label = Study.Status(study.status).label.lower()
        reason = STOPPED_STATUSES[Study.Status(study.status)]
        found.append(RecordWarning("status", f"The registry lists {registry_id} as {label}: {reason}."))
    return sorted(found, key=lambda warning: WARNING_ORDER.index(warning.kind))


def _mismatches(study: Study, asset: Asset) -> list[RecordWarning]:
    found = []
    conditions = [str(value) for value in study.conditions if str(value).strip()]
    indications = asset_indications(asset)
    if conditions and not indications:
        message = f"{asset.code} records no indication, so the record's conditions ({_listed(conditions)}) could not"
        found.append(RecordWarning("condition-unchecked", f"{message} be compared with it."))
    elif conditions and not any(condition_matches(c, i) for c in conditions for i in indications):
        found.append(
            RecordWarning(
                "condition-mismatch",
                f"None of the record's conditions ({_listed(conditions)}) matches {asset.code}'s indication"
                f"{'s' if len(indications) > 1 else ''} ({_listed(indications)}).",
            )
        )
    interventions = [str(value) for value in study.interventions if str(value).strip()]
    aliases = asset_aliases(asset) + ([asset.target] if asset.target.strip() else [])
    if interventions and not any(_contains(text, alias) for text in interventions for alias in aliases):
        named = ", ".join(asset_aliases(asset))
        target = f" or its target {asset.target}" if asset.target.strip() else ""
        found.append(
            RecordWarning(
                "intervention-mismatch",
                f"None of the record's interventions ({_listed(interventions)}) names {named}{target}.",
            )
        )
    return found
