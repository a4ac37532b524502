"""Every install starts with the default template, "China IIT diligence" version 1, published.

The data is frozen here, not imported from live code: the migration installs exactly this, whatever later versions
of the defaults say. A later default is a new template version, published by a migration of its own.
"""

from django.db import migrations
from django.utils import timezone

NAME = 'China IIT diligence'
SLUG = 'china-iit-diligence'
DESCRIPTION = 'Does the data travel? Diligence on China-origin assets whose first human data came from investigator-initiated trials.'
CHANGE_NOTE = "The five diligence questions."

# (key, title, description, [(item key, text, guidance, evidence required, criticality, rule ids)])
QUESTIONS = [('data_integrity',
  '1. Data integrity: is the data inspection-grade?',
  'Would the data survive an FDA BIMO inspection? If not, what does it cost to re-generate it?',
  [('protocol-and-amendments',
    'Protocol and every amendment on file, with their approval dates',
    'Request the full protocol history; check amendments were approved before they took effect.',
    True,
    'critical',
    []),
   ('monitoring-records',
    'Independent monitoring records for every site',
    "Monitoring visit reports, not only the investigator's own checks.",
    True,
    'major',
    ['cfr312-foreign-data']),
   ('source-reconciled',
    'Source documents sampled and reconciled to the reported response rate',
    'Sample at least 10 % of responders across sites; reconcile each response to imaging and lab source.',
    True,
    'critical',
    ['efficacy-claim-hygiene']),
   ('follow-up-adequate',
    'Median follow-up long enough for the efficacy claim',
    'At least 6 months for a response rate; longer for durability claims.',
    False,
    'major',
    ['efficacy-claim-hygiene']),
   ('gcp-statement',
    'GCP compliance statement from the sponsor-investigator',
    'China GCP (ICH-aligned since 2017); ask who audited compliance.',
    True,
    'major',
    ['cfr312-foreign-data']),
   ('inspection-access',
    "Source records accessible for a regulator's onsite inspection",
    'Written confirmation the hospital will host an FDA inspection of source records (21 CFR 312.120).',
    True,
    'critical',
    ['cfr312-foreign-data']),
   ('regeneration-cost',
    'Cost and time to re-generate the data to registration standard estimated',
    "Price a GCP confirmatory study; compare with the deal's upfront.",
    False,
    'major',
    ['iit-grade-evidence'])]),
 ('consent_ethics',
  '2. Consent and ethics',
  'Ethics approval for every site; consent that covers commercial use and cross-border transfer.',
  [('ethics-every-site',
    'Ethics approval on file for every site, dated before first enrolment',
    "One approval letter per site; compare its date with the site's first enrolment.",
    True,
    'critical',
    ['ethics-coverage']),
   ('consent-commercial-use',
    'Consent forms cover downstream commercial use',
    'Read the approved consent form version, not a template.',
    True,
    'critical',
    ['consent-commercial-use']),
   ('consent-cross-border',
    'Consent covers cross-border transfer of data',
    'Needed before any patient-level data leaves China (HGR-2024).',
    True,
    'critical',
    ['consent-cross-border']),
   ('consent-versions',
    'Consent form versions match the protocol versions each committee approved',
    '',
    False,
    'minor',
    []),
   ('order818-host-grade',
    'New biomedical technology studies since 2026-05-01 hosted only at verified Grade A tertiary hospitals',
    'Order 818; verify the grade (三级甲等) from a current source.',
    False,
    'critical',
    ['order818-site-grade']),
   ('order818-nhc-filing',
    'NHC filing within 5 China working days of academic and ethics approval',
    'Count working days on the State Council calendar, make-up days included.',
    True,
    'major',
    ['order818-nhc-filing'])]),
 ('hgr_export',
  '3. HGR and data export',
  'Genetic material and data collected, and any transfer abroad made, in compliance with HGR-2024.',
  [('hgr-collection',
    'HGR collection approval for samples collected, or a reasoned note that none was needed',
    '',
    True,
    'major',
    []),
   ('hgr-intl-cooperation',
    'HGR international cooperation approval or filing for every foreign-party use of samples or data',
    'Includes foreign funders and foreign labs analysing samples.',
    True,
    'critical',
    ['hgr-foreign-use']),
   ('hgr-outbound-data',
    'Outbound provision of data filing for every transfer of data abroad',
    '',
    True,
    'critical',
    ['hgr-outbound-data']),
   ('hgr-chinese-partner',
    'A Chinese partner named for every foreign-party activity with genetic resources',
    '',
    False,
    'major',
    ['hgr-foreign-use']),
   ('hgr-defined-cases',
    'Checked whether the study falls in the cases needing explicit approval',
    'Important genetic families, specific regions, populations above the case threshold.',
    False,
    'major',
    [])]),
 ('ownership',
  '4. Ownership',
  'IP and data rights between institution, investigator and funding company; clean, transferable title.',
  [('assignment-institution',
    'Executed assignment of data and IP rights from the institution',
    '',
    True,
    'critical',
    ['ownership-assignment']),
   ('assignment-investigator',
    'Executed assignment of data and IP rights from the investigator',
    '',
    True,
    'critical',
    ['ownership-assignment']),
   ('funding-agreement',
    "The funding company's agreement with the hospital reviewed for data and IP clauses",
    '',
    True,
    'major',
    []),
   ('chain-of-title', 'Clean chain of title to the licensor, with no third-party claims', '', False, 'major', []),
   ('data-sharing-clause',
    'Technical data-sharing clause lets the partner use the IIT data to design its US IND',
    'Dose, population and regulatory framing; the confirmatory program stays fresh GCP.',
    False,
    'minor',
    [])]),
 ('registration',
  '5. Registration plan',
  'A path to a GCP, MRCT-style program that FDA and NMPA accept, the IIT supportive only; milestones priced '
  'against it.',
  [('mrct-plan',
    'A GCP multi-regional confirmatory trial with Chinese and ex-China sites is planned',
    'Pre-specified regional subgroups (ICH E17).',
    False,
    'critical',
    ['ich-e17-no-mrct']),
   ('iit-supportive-only',
    'The IIT is treated as supportive only in the regulatory strategy',
    '',
    False,
    'major',
    ['iit-grade-evidence', 'cfr312-foreign-data']),
   ('milestones-priced',
    'Upfront proportionate to IIT-grade evidence; milestones priced against the plan',
    'Upfront small while evidence is IIT-grade; milestones for US IND clearance and confirmatory data.',
    False,
    'critical',
    ['overpayment-trap']),
   ('nmpa-timeline',
    'NMPA IND timelines checked: 30-working-day review, first dose within 12 weeks',
    '',
    False,
    'minor',
    ['nmpa86-timeline']),
   ('us-data-restrictions',
    'Exposure to US restrictions on China-generated data assessed',
    'A watch item (US-APPROP), not a rule.',
    False,
    'minor',
    ['us-approp-watch'])])]


def install(template_model, version_model, question_model, item_model):
    """Create the template and its version 1 as a draft with the given model classes (the historical ones here,
    the live ones for a database emptied since it was migrated); the caller publishes it."""
    template = template_model.objects.create(name=NAME, slug=SLUG, description=DESCRIPTION)
    version = version_model.objects.create(template=template, number=1, status="draft", change_note=CHANGE_NOTE)
    for q_order, (key, title, description, items) in enumerate(QUESTIONS):
        question = question_model.objects.create(
            version=version, key=key, title=title, description=description, order=q_order
        )
        for i_order, (item_key, text, guidance, evidence, criticality, rule_ids) in enumerate(items):
            item_model.objects.create(
                question=question, version=version, key=item_key, text=text, guidance=guidance,
                evidence_required=evidence, criticality=criticality, rule_ids=rule_ids, order=i_order,
            )
    return version


def create_default_template(apps, schema_editor):
    names = ("ChecklistTemplate", "TemplateVersion", "TemplateQuestion", "TemplateItem")
    models = [apps.get_model("diligence", name) for name in names]
    if models[0].objects.filter(slug=SLUG).exists():
        return
    version = install(*models)
    models[1].objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())


def remove_default_template(apps, schema_editor):
    apps.get_model("diligence", "ChecklistTemplate").objects.filter(slug=SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("diligence", "0001_initial")]

    operations = [migrations.RunPython(create_default_template, remove_default_template)]
