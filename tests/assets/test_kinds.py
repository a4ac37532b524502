"""The kinds registry (``assets.kinds``) is the one place that says what a kind of fact is.

Every artefact built from it (the form, the dossier, the published schema, the labels the history shows) carries every
field a kind's entry lists and follows the entry when it changes; no other module keeps a list of a kind's fields.
Adding a field is therefore the model, its migration and one line in the registry (then ``manage.py dossier_format``
writes the published schema and example again, which the tests of the published format below demand).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.text import capfirst

from assets import kinds
from assets.dossier import dossier_dumps, dossier_export, dossier_import
from assets.dossier.example import EXAMPLE_PATH, example_from_kinds
from assets.dossier.export import dossier_export_located
from assets.dossier.fields import document_keys
from assets.dossier.schema import SCHEMA_PATH, dossier_schema
from assets.dossier.schema_from_kinds import schema_dumps, schema_from_kinds
from assets.forms import form_for
from assets.kinds import ALL_KINDS, ASSET, FactKind, children_of
from assets.management.commands import dossier_format as dossier_format_command
from assets.models import HGRFiling, Hospital, Study
from assets.selectors import record_history
from assets.services import fact_save
from tests.assets.test_dossier import build_rich_asset

ROOT = Path(__file__).resolve().parents[2]
EVERY_KIND = pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda kind: kind.slug)


def object_keys(kind: FactKind) -> set[str]:
    """What the registry says one object of the kind holds in the dossier."""
    children = set() if kind is ASSET else {child.key for child in children_of(kind)}  # the asset's sit at the top
    return {*kind.field_names, *(reference.name for reference in kind.references), *children}


def at(document: dict, path: str) -> dict:
    """The object at a JSON path such as ``$.studies[0].sites[1]``."""
    node: object = document
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        node = node[name] if name else node[int(index)]  # type: ignore[index]
    return node  # type: ignore[return-value]


def exported_object(kind: FactKind, document: dict, located: dict) -> dict:
    """One exported object of the kind from a dossier that has every kind."""
    if kind is ASSET:
        return document[ASSET.key]
    if kind is kinds.COMPANY:
        return document[kind.key][0]
    holder = kinds.SITE if kind is kinds.HOSPITAL else kind  # a hospital is written out in its site
    path = next(path for (model, _pk), path in located.items() if model is holder.model)
    return at(document, path)["hospital"] if kind is kinds.HOSPITAL else at(document, path)


# --- every field the registry lists reaches every artefact ---------------------------------------------------------


@EVERY_KIND
def test_the_form_edits_the_fields_the_registry_marks_as_edited_in_its_order(kind):
    names = list(form_for(kind).base_fields)
    assert [name for name in names if name in kind.field_names] == kind.form_fields
    assert not {field.name for field in kind.field_specs if not field.edited} & set(names)


@pytest.mark.django_db
def test_every_exported_object_holds_exactly_the_keys_its_kind_lists(world):
    document, located = dossier_export_located(asset=build_rich_asset(world))
    for kind in ALL_KINDS:
        assert set(exported_object(kind, document, located)) == object_keys(kind), kind.slug
        assert set(document_keys(kind.model)) == object_keys(kind) | {child.key for child in children_of(kind)}


@EVERY_KIND
def test_the_schema_describes_every_key_its_kind_lists(kind):
    for schema in (schema_from_kinds(), dossier_schema()):  # as derived, and as published
        definition = schema["$defs"][kind.document]
        assert set(definition["properties"]) == object_keys(kind)
        assert definition["additionalProperties"] is False


@EVERY_KIND
def test_every_field_is_labelled_by_its_model_verbose_name(kind):
    assert set(kind.labels) == {*kind.field_names, *(reference.name for reference in kind.references)}
    for name, label in kind.labels.items():
        assert label == capfirst(kind.model._meta.get_field(name).verbose_name)


def test_only_asset_company_and_hospital_are_kinds_not_edited_inline():
    assert {kind.slug for kind in ALL_KINDS if not kind.inline} == {"company", "asset", "hospital"}


@pytest.mark.django_db
def test_the_history_names_a_changed_field_by_its_label(world):
    study = fact_save(instance=Study(team=world.phoenix, title="Before", nct_id=""), user=world.member)
    study.title, study.nct_id = "After", "NCT03090659"
    fact_save(instance=study, user=world.lead)
    (changed, _created) = record_history(instance=study)
    assert sorted(changed.changes) == [("NCT id", "", "NCT03090659"), ("Title", "Before", "After")]


@pytest.mark.django_db
def test_the_history_leaves_out_what_the_code_keeps_by_itself(world):
    hospital = fact_save(instance=Hospital(name_en="Changzheng Hospital", city="Shanghai"), user=world.member)
    hospital.name_en = "Shanghai Changzheng Hospital"
    fact_save(instance=hospital, user=world.member)
    (changed, _created) = record_history(instance=hospital)
    # The matching key moved with the name, but only the name was anyone's change.
    assert changed.changes == [("English name", "Changzheng Hospital", "Shanghai Changzheng Hospital")]


# --- the artefacts follow the registry ---------------------------------------------------------------------------


@contextmanager
def registry_entry(old: FactKind, new: FactKind) -> Iterator[None]:
    """The registry with ``new`` in the place of ``old``, for the length of the block (in place: every module holds
    the same lists)."""
    tables: list[list | dict] = [kinds.ALL_KINDS, kinds.KINDS, kinds.KINDS_BY_SLUG, kinds._BY_MODEL]
    slots = [
        table.index(old) if isinstance(table, list) else next(k for k, v in table.items() if v is old)
        for table in tables
    ]
    try:
        for table, slot in zip(tables, slots, strict=True):
            table[slot] = new
        yield
    finally:
        for table, slot in zip(tables, slots, strict=True):
            table[slot] = old


@pytest.mark.django_db
def test_without_its_registry_line_a_field_leaves_every_artefact(world):
    """Take one line out of the registry and the form, the dossier both ways, the schema and the labels all lose the
    field: none of them had it from a list of its own."""
    hgr = kinds.kind_of(HGRFiling)
    trimmed = dataclasses.replace(hgr, fields=tuple(f for f in hgr.field_specs if f.name != "foreign_party"))
    asset = build_rich_asset(world)
    HGRFiling.objects.filter(study__asset=asset).update(foreign_party="Janssen")
    with registry_entry(hgr, trimmed):
        assert "foreign_party" in form_for(hgr).base_fields
        assert "foreign_party" not in form_for(trimmed).base_fields
        assert "foreign_party" not in schema_from_kinds()["$defs"]["hgr_filing"]["properties"]
        assert "foreign_party" not in trimmed.labels
        document = dossier_export(asset=asset)
        (filing,) = [filing for study in document["studies"] for filing in study["hgr_filings"]]
        assert set(filing) == set(trimmed.field_names)
        imported = dossier_import(team=world.atlas, document=document, user=world.outsider)
        assert HGRFiling.objects.get(study__asset=imported.asset).foreign_party == ""  # not carried: the default
        assert dossier_dumps(dossier_export(asset=imported.asset)) == dossier_dumps(document)
    assert (
        kinds.kind_of(HGRFiling) is hgr and "foreign_party" in schema_from_kinds()["$defs"]["hgr_filing"]["properties"]
    )


# --- the published format is the derived one ---------------------------------------------------------------------


def test_the_committed_schema_is_the_one_the_registry_derives():
    if SCHEMA_PATH.read_text(encoding="utf-8") != schema_dumps(schema_from_kinds()):
        pytest.fail(
            "assets/dossier/schema.json is not the schema the kinds registry derives (a kind or one of its model "
            "fields changed): run `python manage.py dossier_format` and commit the files it writes."
        )


def test_the_committed_example_holds_the_registrys_fields():
    committed = EXAMPLE_PATH.read_text(encoding="utf-8")
    if committed != dossier_dumps(example_from_kinds(json.loads(committed))):
        pytest.fail(
            "assets/dossier/example.json does not hold exactly the fields the kinds registry lists: run "
            "`python manage.py dossier_format` and commit the files it writes."
        )


@pytest.mark.django_db
def test_the_example_is_brought_to_the_registry_as_an_import_and_export_would(world):
    example = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))
    hgr_filing = next(filing for study in example["studies"] for filing in study["hgr_filings"])
    del hgr_filing["covers_data"], example["asset"]["notes"]  # as if they were new: the example lacks them
    imported = dossier_import(team=world.atlas, document=example, user=world.outsider)
    assert dossier_dumps(example_from_kinds(example)) == dossier_dumps(dossier_export(asset=imported.asset))
    hgr = kinds.kind_of(HGRFiling)
    trimmed = dataclasses.replace(hgr, fields=tuple(f for f in hgr.field_specs if f.name != "foreign_party"))
    with registry_entry(hgr, trimmed):
        brought = example_from_kinds(example)
    assert all("foreign_party" not in filing for study in brought["studies"] for filing in study["hgr_filings"])


def test_the_command_writes_the_derived_schema_and_example_and_checks_them(tmp_path, monkeypatch):
    schema, example = tmp_path / "schema.json", tmp_path / "example.json"
    schema.write_text("{}\n", encoding="utf-8")
    document = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))
    del document["asset"]["order818_scope_override"]  # the example has it at its default: it comes back the same
    example.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(dossier_format_command, "SCHEMA_PATH", schema)
    monkeypatch.setattr(dossier_format_command, "EXAMPLE_PATH", example)
    with pytest.raises(CommandError, match=r"schema.json and example.json out of date: run `python manage.py"):
        call_command("dossier_format", "--check")
    call_command("dossier_format")
    assert schema.read_text(encoding="utf-8") == schema_dumps(schema_from_kinds())
    assert example.read_text(encoding="utf-8") == EXAMPLE_PATH.read_text(encoding="utf-8")
    call_command("dossier_format", "--check")


# --- no other module keeps a list of a kind's fields -------------------------------------------------------------

# The registry and the models are where a kind's fields are written down (a model's constraints name its own fields).
OWN_LISTS_ALLOWED = ("assets/kinds/", "assets/models/", "/migrations/")


def lists_of_fields(source: str) -> list[tuple[int, str, list[str]]]:
    """Literal lists, tuples and sets that name half or more of one kind's fields (at least two of them): a copy of
    the kind's field list, which would have to change with the registry. Dictionary keys are values being set, not
    such a list, and are not read."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.List | ast.Tuple | ast.Set):
            continue
        names = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        for kind in ALL_KINDS:
            named = [name for name in kind.field_names if name in names]
            if len(named) >= 2 and 2 * len(named) >= len(kind.field_names):
                found.append((node.lineno, kind.slug, named))
    return found


def test_no_module_of_assets_or_diligence_keeps_its_own_list_of_a_kinds_fields():
    modules = [path for app in ("assets", "diligence") for path in sorted((ROOT / app).rglob("*.py"))]
    assert len(modules) > 50  # the walk saw the apps
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {slug} {named}"
        for path in modules
        if not any(part in path.relative_to(ROOT).as_posix() for part in OWN_LISTS_ALLOWED)
        for line, slug, named in lists_of_fields(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_scan_catches_what_it_is_for():
    assert lists_of_fields('fields = ["event", "kind", "amount"]')  # a milestone's fields, copied
    assert lists_of_fields('ORDER = ("annual_net_sales_from", "rate_percent")')  # a royalty tier's, in a tuple
    assert lists_of_fields('class F:\n    class Meta:\n        fields = ("academic_review_on", "filed_on")')
    assert not lists_of_fields('QUIET = {"provenance", "raw_source", "retrieved_at"}')  # a few of a study's forty
    assert not lists_of_fields('VALUES = {"event": "IND", "kind": "regulatory", "amount": 1}')  # values, not a list
