"""The attribution ledger on the ledger kit: entries, explanations, period seals and totals."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

from attribution.models.links import PartnerRole
from attribution.models.revenue import RevenueEvent
from attribution.models.rules import AttributionRuleVersion
from revops.ledger.chain import ChainBreak, content_mac, ledger_keys
from revops.ledger.models import LedgerEntry, LedgerSeal, LedgerTotal
from revops.ledger.spec import LedgerSpec, Reference
from revops.models import FiscalPeriod, Partner

LEDGER_NAME = "attribution"


class AttributionExplanation(models.Model):
    """Why a split is what it is, stored once per distinct explanation and cited by entries.

    `digest` is the HMAC of the content under `key_id` (revops.ledger.chain.content_mac): the
    dedupe key within the organization, and what `verify_ledger` checks the content against.
    Append-only, like the entries that cite it; an entry's hash covers the explanation id.
    """

    organization = models.ForeignKey("revops.Organization", on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    content = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "digest"], name="attrexplanation_unique_digest"),
        ]

    def __str__(self) -> str:
        return f"explanation {self.pk} ({self.content.get('source', '')})"


class AttributionEntry(LedgerEntry):
    """One partner's share of one revenue event, posted in one fiscal period.

    The base (revops.ledger.models.LedgerEntry) holds the chain, kind, amount and period. The
    row is kept narrow for bulk postings: the explanation is a reference to a shared row, and
    no column carries a database foreign key (the kit's writer checks each posting's distinct
    references once: ATTRIBUTION_LEDGER.references).
    """

    class Scope(models.TextChoices):
        OPPORTUNITY = "opportunity", "Opportunity"
        ACCOUNT = "account", "Account"

    revenue_event = models.ForeignKey(
        "attribution.RevenueEvent",
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    partner = models.ForeignKey(
        "revops.Partner",
        on_delete=models.PROTECT,
        related_name="attribution_entries",
        db_index=False,
        db_constraint=False,
    )
    role = models.CharField(max_length=16, choices=PartnerRole.choices)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    split_percent = models.DecimalField(max_digits=5, decimal_places=2)
    revenue_period = models.ForeignKey(
        "revops.FiscalPeriod",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Revenue date's period.",
        db_index=False,
        db_constraint=False,
    )
    rule_version = models.ForeignKey(
        "attribution.AttributionRuleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    explanation_ref = models.ForeignKey(
        AttributionExplanation,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["organization", "sequence"]
        verbose_name_plural = "attribution entries"
        constraints = [
            *LedgerEntry.base_constraints("attributionentry"),
            models.CheckConstraint(
                condition=models.Q(split_percent__gte=0) & models.Q(split_percent__lte=100),
                name="attributionentry_split_0_100",
            ),
        ]
        # Only what reads need: the explorer and API order (unique organization + sequence,
        # from the base constraints), seals and period filters, the partner filter and a
        # partner user's scope, and recompute's posted sums. On PostgreSQL migration 0006
        # makes the last one covering (INCLUDE amount, kind, id), so those sums are an
        # index-only scan; declared here without INCLUDE, which SQLite cannot store.
        indexes = [
            models.Index(fields=["organization", "period"], name="attrentry_org_period"),
            models.Index(fields=["organization", "partner"], name="attrentry_org_partner"),
            models.Index(fields=["revenue_event", "partner", "role"], name="attrentry_event_partner_cov"),
        ]

    @property
    def explanation(self) -> dict:
        """The explanation's content (select_related("explanation_ref") to avoid a query)."""
        return self.explanation_ref.content

    @property
    def reverses_id(self) -> int | None:
        return self.corrects_id

    @property
    def reverses(self) -> AttributionEntry | None:
        if self.corrects_id is None:
            return None
        return AttributionEntry.objects.filter(
            organization_id=self.organization_id, pk=self.corrects_id
        ).first()


class AttributionPeriodSeal(LedgerSeal):
    """The attribution ledger's chain head when a period was closed."""

    class Meta(LedgerSeal.Meta):
        pass


class AttributionLedgerTotal(LedgerTotal):
    """Posted entries and cents per period × revenue period × partner × role × kind × scope.

    Kept by the ledger writer in each posting's transaction; the ledger explorer's totals and
    the partner performance page read it instead of scanning the entries.
    """

    period = models.ForeignKey(
        "revops.FiscalPeriod", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    revenue_period = models.ForeignKey(
        "revops.FiscalPeriod", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    partner = models.ForeignKey(
        "revops.Partner", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    role = models.CharField(max_length=16, choices=PartnerRole.choices)
    kind = models.CharField(max_length=12, choices=LedgerEntry.Kind.choices)
    scope = models.CharField(max_length=16, choices=AttributionEntry.Scope.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period", "revenue_period", "partner", "role", "kind", "scope"],
                name="attrtotal_one_per_key",
            ),
        ]


class AttributionPartnerDeal(models.Model):
    """The deals a partner is credited on, with the first and last month of that revenue.

    Kept by the ledger writer with each posting (`partner_deals_add`); the partner performance
    page counts a partner's deals from it — a deal counts in a date range when its credited
    revenue months, first to last, reach into the range — instead of a distinct count over
    the entries.
    """

    # No database foreign keys: the writer adds only pairs of the entries it checked (once per
    # posting); deferred per-row checks of a first posting's pairs cost seconds at commit.
    # Deleting a partner or a deal is still refused while a pair names it (PROTECT, in the ORM).
    organization = models.ForeignKey(
        "revops.Organization", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # The unique constraint serves a partner's pairs (it leads with organization, partner).
    partner = models.ForeignKey(
        "revops.Partner", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    opportunity = models.ForeignKey(
        "revops.Opportunity", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    first_month = models.DateField()
    last_month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partner", "opportunity"], name="attrpartnerdeal_one_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"partner {self.partner_id} on deal {self.opportunity_id}"


def _pair_upsert() -> str:
    """A stored pair's months widened to the new ones; a pair whose months already cover them
    is left as it is (a correction posting mostly revisits known pairs: no new row version)."""
    table = AttributionPartnerDeal._meta.db_table
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    return (
        f"ON CONFLICT (organization_id, partner_id, opportunity_id) DO UPDATE SET "
        f"first_month = {least}({table}.first_month, excluded.first_month), "
        f"last_month = {greatest}({table}.last_month, excluded.last_month) "
        f"WHERE excluded.first_month < {table}.first_month OR excluded.last_month > {table}.last_month"
    )


def partner_deals_add(organization_id: int, after_sequence: int) -> None:
    """Record the (partner, deal) pairs of the entries after `after_sequence` (one statement)."""
    table = AttributionPartnerDeal._meta.db_table
    with connection.cursor() as cursor:
        # table names come from model metadata; values are bound
        cursor.execute(
            f"INSERT INTO {table} (organization_id, partner_id, opportunity_id, first_month, last_month) "  # noqa: S608
            f"SELECT e.organization_id, e.partner_id, ev.opportunity_id, MIN(p.start_date), MAX(p.start_date) "
            f"FROM {AttributionEntry._meta.db_table} e "
            f"JOIN {RevenueEvent._meta.db_table} ev ON ev.id = e.revenue_event_id "
            f"JOIN {FiscalPeriod._meta.db_table} p ON p.id = e.revenue_period_id "
            f"WHERE e.organization_id = %s AND e.sequence > %s AND ev.opportunity_id IS NOT NULL "
            f"GROUP BY e.organization_id, e.partner_id, ev.opportunity_id {_pair_upsert()}",
            [organization_id, after_sequence],
        )


def partner_deal_months_add(
    organization_id: int,
    partners: Sequence[int],
    deals: Sequence[int],
    firsts: Sequence[object],
    lasts: Sequence[object],
    *,
    fresh: bool = False,
) -> None:
    """Record (partner, deal, first month, last month) pairs summed from a posting's rows at hand,
    given as four columns (months as dates or ISO dates).

    The same upsert as `partner_deals_add`, from the pairs instead of re-reading the entries:
    one statement on PostgreSQL (an array literal per column), chunks of VALUES elsewhere.
    `fresh` (the organization has no pair yet, each pair is given once) inserts without the
    conflict check.
    """
    if not partners:
        return
    table = AttributionPartnerDeal._meta.db_table
    columns = "organization_id, partner_id, opportunity_id, first_month, last_month"
    upsert = "" if fresh else _pair_upsert()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            literals = ["{" + ",".join(map(str, values)) + "}" for values in (partners, deals, firsts, lasts)]
            # table names come from model metadata; values are bound
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, u.p, u.o, u.f, u.l FROM unnest("  # noqa: S608
                f"%s::text::bigint[], %s::text::bigint[], %s::text::date[], %s::text::date[]) "
                f"AS u(p, o, f, l) {upsert}",
                [organization_id, *literals],
            )
            return
        pairs = list(zip(partners, deals, firsts, lasts, strict=True))
        for start in range(0, len(pairs), PAIRS_BATCH):
            chunk = pairs[start : start + PAIRS_BATCH]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            params: list = [v for pair in chunk for v in (organization_id, *pair)]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values} {upsert}", params)  # noqa: S608


# Pairs per statement elsewhere than PostgreSQL (5 values each, under SQLite's variable limit).
PAIRS_BATCH = 500

ENTRY_FIELDS = (
    "revenue_event_id",
    "partner_id",
    "role",
    "scope",
    "split_percent",
    "revenue_period_id",
    "rule_version_id",
    "explanation_ref_id",
)
TOTALS_FIELDS = ("period_id", "revenue_period_id", "partner_id", "role", "kind", "scope")


def entry_texts(values: Sequence[object]) -> tuple[str, str]:
    """(hash text, COPY text) of an entry's own fields (`ENTRY_FIELDS`), written directly.

    Every field is an id, a choice code or a percent, none of which can hold "|", a tab or a
    backslash, so no escaping is needed; the percent is always written with 2 places.
    """
    event, partner, role, scope, percent, revenue_period, version, explanation = values
    if type(percent) is not str:
        percent = f"{percent:.2f}"
    if version is None:
        return (
            f"{event}|{partner}|{role}|{scope}|{percent}|{revenue_period}||{explanation}",
            f"{event}\t{partner}\t{role}\t{scope}\t{percent}\t{revenue_period}\t\\N\t{explanation}",
        )
    text = f"{event}|{partner}|{role}|{scope}|{percent}|{revenue_period}|{version}|{explanation}"
    return text, text.replace("|", "\t")


def explanation_problems(organization) -> list[ChainBreak]:
    """Explanations whose content no longer matches their keyed digest (verify_ledger)."""
    keys = ledger_keys()
    problems = []
    for pk, key_id, digest, content in (
        AttributionExplanation.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("pk", "key_id", "digest", "content")
    ):
        key = keys.get(key_id)
        if key is None or content_mac(key, content) != digest:
            first = (
                AttributionEntry.objects.filter(organization=organization, explanation_ref_id=pk)
                .order_by("sequence")
                .values_list("sequence", flat=True)
                .first()
            )
            problems.append(ChainBreak(first or 1, f"explanation {pk} does not match its digest (altered)"))
    return problems


ATTRIBUTION_LEDGER = LedgerSpec(
    name=LEDGER_NAME,
    label="Partner attribution",
    entry_model=AttributionEntry,
    seal_model=AttributionPeriodSeal,
    fields=ENTRY_FIELDS,
    texts=entry_texts,
    references=(
        Reference("revenue_event_id", RevenueEvent),
        Reference("partner_id", Partner),
        Reference("revenue_period_id", FiscalPeriod),
        Reference("rule_version_id", AttributionRuleVersion),
        Reference("explanation_ref_id", AttributionExplanation),
    ),
    totals_model=AttributionLedgerTotal,
    totals_fields=TOTALS_FIELDS,
    side_models=(AttributionPartnerDeal,),
    extra_checks=explanation_problems,
    after_append=partner_deals_add,
)
