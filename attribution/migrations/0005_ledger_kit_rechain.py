"""Attribution ledger on the ledger kit, step 2: re-chain the existing entries under the key.

Entries written before the kit carry an unkeyed sha256 chain over a wider row (the
explanation JSON inline, `reverses` as a foreign key). This step, per organization, in
sequence order:

1. checks the old chain (sequence, prev_hash, sha256) and refuses to migrate a broken ledger
   (run the previous version's verify_ledger to find where, and restore from backup);
2. stores each distinct explanation once (digest = HMAC under the current key);
3. computes every entry's new keyed hash (revops.ledger.chain) and the period seals' new
   chain heads, writes them (the append-only triggers are lifted for this step only);
4. fills the head row, the totals table and the partner-deal table.

So after migrating, `verify_ledger` checks the whole ledger under LEDGER_HMAC_CURRENT_KEY; the
old chain's evidence is checked once, here, before it is replaced.
"""

from django.db import migrations

from revops.ledger.chain import (
    GENESIS_HASH,
    cents_text,
    content_mac,
    current_key,
    entry_body,
    legacy_chain_hash,
    link_hash,
)
from revops.ledger.triggers import append_only_sql, drop_append_only_sql

ENTRIES = "attribution_attributionentry"
SEALS = "attribution_attributionperiodseal"
LEDGER = "attribution"
BROKEN = "attribution ledger of organization {org} is broken at sequence {seq} ({why}); not re-chained"


def _legacy_values(e):
    return (
        e.organization_id,
        e.sequence,
        e.revenue_event_id,
        e.partner_id,
        e.role,
        e.scope,
        f"{e.split_percent:.2f}",
        f"{e.amount:.2f}",
        e.kind,
        e.reverses_id,
        e.period_id,
        e.revenue_period_id,
        e.rule_version_id,
        e.explanation,
    )


def _own_text(e, explanation_id):
    version = "" if e.rule_version_id is None else e.rule_version_id
    return (
        f"{e.revenue_event_id}|{e.partner_id}|{e.role}|{e.scope}|{e.split_percent:.2f}|"
        f"{e.revenue_period_id}|{version}|{explanation_id}"
    )


def _rechain_organization(apps, org_id, key_id, key):
    Entry = apps.get_model("attribution", "AttributionEntry")
    Explanation = apps.get_model("attribution", "AttributionExplanation")
    Seal = apps.get_model("attribution", "AttributionPeriodSeal")
    Head = apps.get_model("revops", "LedgerHead")
    explanations: dict[str, int] = {}
    new_hash_at: dict[int, str] = {}
    old_prev = new_prev = GENESIS_HASH
    expected = 1
    batch = []
    for e in Entry.objects.filter(organization_id=org_id).order_by("sequence").iterator(chunk_size=2000):
        if e.sequence != expected:
            raise RuntimeError(BROKEN.format(org=org_id, seq=expected, why="missing"))
        if e.prev_hash != old_prev or legacy_chain_hash(e.prev_hash, _legacy_values(e)) != e.hash:
            raise RuntimeError(BROKEN.format(org=org_id, seq=e.sequence, why="hash"))
        old_prev = e.hash
        digest = content_mac(key, e.explanation)
        if digest not in explanations:
            explanations[digest] = Explanation.objects.create(
                organization_id=org_id, digest=digest, key_id=key_id, content=e.explanation
            ).pk
        e.explanation_ref_id = explanations[digest]
        e.corrects_id = e.reverses_id
        e.key_id = key_id
        body = entry_body(
            key_id,
            org_id,
            e.sequence,
            e.period_id,
            e.kind,
            e.corrects_id,
            cents_text(int(e.amount.scaleb(2))),
            _own_text(e, e.explanation_ref_id),
        )
        e.prev_hash = new_prev
        e.hash = new_prev = link_hash(key, new_prev, body)
        new_hash_at[e.sequence] = e.hash
        batch.append(e)
        expected += 1
        if len(batch) >= 2000:
            Entry.objects.bulk_update(batch, ["explanation_ref", "corrects_id", "key_id", "prev_hash", "hash"])
            batch = []
    if batch:
        Entry.objects.bulk_update(batch, ["explanation_ref", "corrects_id", "key_id", "prev_hash", "hash"])
    for seal in Seal.objects.filter(organization_id=org_id, last_sequence__gt=0):
        seal.last_hash = new_hash_at[seal.last_sequence]
        seal.save(update_fields=["last_hash"])
    Head.objects.update_or_create(
        organization_id=org_id,
        ledger=LEDGER,
        defaults={"last_sequence": expected - 1, "last_hash": new_prev},
    )


def rechain(apps, schema_editor):
    connection = schema_editor.connection
    Entry = apps.get_model("attribution", "AttributionEntry")
    org_ids = sorted(set(Entry.objects.values_list("organization_id", flat=True).distinct()))
    if not org_ids:
        return
    if connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in (ENTRIES, SEALS):
        for sql in drop_append_only_sql(table, connection.vendor):
            schema_editor.execute(sql)
    key_id, key = current_key()
    for org_id in org_ids:
        _rechain_organization(apps, org_id, key_id, key)
    cents = "CAST(ROUND(amount * 100) AS BIGINT)" if connection.vendor != "postgresql" else "(amount * 100)::bigint"
    keys = "organization_id, period_id, revenue_period_id, partner_id, role, kind, scope"
    schema_editor.execute(
        f"INSERT INTO attribution_attributionledgertotal ({keys}, entries, amount_cents) "
        f"SELECT {keys}, COUNT(*), SUM({cents}) FROM {ENTRIES} GROUP BY {keys}"
    )
    schema_editor.execute(
        "INSERT INTO attribution_attributionpartnerdeal "
        "(organization_id, partner_id, opportunity_id, first_month, last_month) "
        "SELECT e.organization_id, e.partner_id, ev.opportunity_id, MIN(p.start_date), MAX(p.start_date) "
        f"FROM {ENTRIES} e JOIN attribution_revenueevent ev ON ev.id = e.revenue_event_id "
        "JOIN revops_fiscalperiod p ON p.id = e.revenue_period_id WHERE ev.opportunity_id IS NOT NULL "
        "GROUP BY e.organization_id, e.partner_id, ev.opportunity_id"
    )
    for table in (ENTRIES, SEALS):
        for sql in append_only_sql(table, connection.vendor):
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("attribution", "0004_ledger_kit_tables")]

    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
