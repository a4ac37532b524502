"""Every install starts with the default template, "China IIT diligence" version 1, published."""

from django.db import migrations
from django.utils import timezone


def create_default_template(apps, schema_editor):
    from diligence.checklist_defaults import TEMPLATE_SLUG, build_default_template

    names = ("ChecklistTemplate", "TemplateVersion", "TemplateQuestion", "TemplateItem")
    models = [apps.get_model("diligence", name) for name in names]
    if models[0].objects.filter(slug=TEMPLATE_SLUG).exists():
        return
    version = build_default_template(*models)
    models[1].objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())


def remove_default_template(apps, schema_editor):
    apps.get_model("diligence", "ChecklistTemplate").objects.filter(slug="china-iit-diligence").delete()


class Migration(migrations.Migration):
    dependencies = [("diligence", "0002_checklists_reviews_findings")]

    operations = [migrations.RunPython(create_default_template, remove_default_template)]
