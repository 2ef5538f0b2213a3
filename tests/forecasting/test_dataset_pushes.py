"""Close-date pushes read from the scores: a later expected close date than the deal's
previous score's, compared in the database."""

import datetime as dt
from decimal import Decimal

import pytest

from forecasting.engine import to_day
from forecasting.models import DealScore, ModelVersion
from forecasting.selectors.dataset import dataset_load
from tests.revops.factories import OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _score(version, deal, day, expected):
    return DealScore(
        organization=deal.organization,
        opportunity=deal,
        model_version=version,
        as_of=day,
        probability=Decimal("0.5"),
        risk=10,
        risk_band="low",
        days_p10=1,
        days_p50=2,
        days_p90=3,
        amount=Decimal("100.00"),
        stage="proposal",
        expected_close_date=expected,
    )


def test_pushes_are_the_scores_whose_expected_close_moved_later_than_the_previous_score():
    # given two deals scored on five days, and another organization's deal with a push
    org, other = OrganizationFactory(), OrganizationFactory()
    first, second = OpportunityFactory(organization=org), OpportunityFactory(organization=org)
    stranger = OpportunityFactory(organization=other)

    def version(organization):
        return ModelVersion.objects.create(
            organization=organization,
            number=1,
            kind="lightgbm",
            label="v1",
            window_start=dt.date(2026, 1, 1),
            window_end=dt.date(2026, 6, 1),
            artifact="{}",
        )

    v, w = version(org), version(other)
    day = [dt.date(2026, 3, d) for d in range(1, 6)]
    expected_first = [
        dt.date(2026, 4, 10),
        dt.date(2026, 4, 10),
        dt.date(2026, 5, 1),
        dt.date(2026, 4, 20),
        dt.date(2026, 6, 1),
    ]
    expected_second = [None, dt.date(2026, 4, 1), None, dt.date(2026, 4, 2), dt.date(2026, 4, 2)]
    DealScore.objects.bulk_create(
        [_score(v, first, d, e) for d, e in zip(day, expected_first, strict=True)]
        + [_score(v, second, d, e) for d, e in zip(day, expected_second, strict=True)]
        + [_score(w, stranger, d, e) for d, e in zip(day, expected_first, strict=True)]
    )
    # when
    table = dataset_load(org).table
    # then: the first deal was pushed on days 3 and 5 (day 4 pulled it in), the second on day 4
    # (its undated scores are skipped), and nothing of the other organization is read
    position = {pk: i for i, pk in enumerate(table.ids.tolist())}
    pushes = sorted(zip(table.push_deal.tolist(), table.push_day.tolist(), strict=True))
    assert pushes == sorted(
        [
            (position[first.pk], to_day(day[2])),
            (position[first.pk], to_day(day[4])),
            (position[second.pk], to_day(day[3])),
        ]
    )
