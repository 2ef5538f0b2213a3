"""The one account-matching service: domain, normalised name and fuzzy name, in one organization."""

import pytest

from revops.matching import domain_key, name_key, name_similarity
from revops.models import Account
from revops.selectors.account_matching import AccountIndex, account_matches
from tests.revops.factories import AccountFactory, OrganizationFactory


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("The Acme Corporation, Inc.", "acme"),
        ("ACME corp", "acme"),
        ("Müller & Söhne GmbH", "muller and sohne"),
        ("Globex S.A.", "globex"),
        ("The", "the"),
        ("", ""),
    ],
)
def test_name_key(raw, key):
    assert name_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("jane.doe@Acme.co.uk", "acme.co.uk"),
        ("jane@gmail.com", ""),
        ("acme", ""),
        ("sub.acme.io:8080", "sub.acme.io"),
        ("", ""),
    ],
)
def test_domain_key(raw, key):
    assert domain_key(raw) == key


def test_similarity_bounds():
    assert name_similarity("acme", "acme") == 1.0
    assert name_similarity("", "acme") == 0.0
    assert name_similarity("globex", "initech") < 0.5


@pytest.mark.django_db
def test_matches_rank_domain_then_name_then_similar_and_stay_in_the_organization():
    org, other = OrganizationFactory(), OrganizationFactory()
    by_domain = AccountFactory(organization=org, name="Zephyr Holdings", domain="https://acme.com")
    by_name = AccountFactory(organization=org, name="ACME Corp.", domain="")
    similar = AccountFactory(organization=org, name="Acmee Inc", domain="")
    AccountFactory(organization=org, name="Initech", domain="initech.com")
    AccountFactory(organization=other, name="Acme", domain="acme.com")

    matches = account_matches(org, name="The Acme Corporation", email="buyer@acme.com")

    assert [(m.account_id, m.reason) for m in matches] == [
        (by_domain.pk, "domain"),
        (by_name.pk, "name"),
        (similar.pk, "similar name"),
    ]
    assert matches[2].score == pytest.approx(name_similarity("acmee", "acme"), abs=1e-3)
    index = AccountIndex(org)
    assert index.match(name="The Acme Corporation", email="buyer@acme.com") == matches
    assert index.best(name="initech LLC").reason == "name"
    assert index.best(name="Nothing Alike", email="someone@gmail.com") is None


@pytest.mark.django_db
def test_keys_follow_every_write_path():
    org = OrganizationFactory()
    account = AccountFactory(organization=org, name="Old Name", domain="old.example")
    account.name, account.domain = "New Name GmbH", "www.new.example"
    account.save(update_fields=["name", "domain"])
    account.refresh_from_db()
    assert (account.name_key, account.name_prefix, account.domain_key) == ("new name", "new", "new.example")

    (bulk,) = Account.objects.bulk_create([Account(organization=org, name="Bulk Co", domain="bulk.example")])
    bulk.refresh_from_db()
    assert (bulk.name_key, bulk.domain_key) == ("bulk", "bulk.example")

    bulk.name = "Renamed Ltd"
    Account.objects.bulk_update([bulk], ["name"])
    bulk.refresh_from_db()
    assert bulk.name_key == "renamed"


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_typo_in_the_first_letters_still_matches():
    # given an account, and 600 others sharing the typo's first letters (past the prefix cap)
    org = OrganizationFactory()
    acme = AccountFactory(organization=org, name="Acme Industrial Robotics")
    Account.objects.bulk_create(Account(organization=org, name=f"Bcm Holdings {i:03d}") for i in range(600))
    # when
    matches = account_matches(org, name="Bcme Industrial Robotics")
    # then the nearest names by trigram distance hold it (the prefix "bcm" never reaches "acm")
    assert [(m.account_id, m.reason) for m in matches[:1]] == [(acme.pk, "similar name")]
    assert matches[0].score == round(
        name_similarity("bcme industrial robotics", "acme industrial robotics"), 3
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_one_letter_typo_is_found_among_many_names_with_its_prefix():
    # given 800 accounts sharing the first letters, the one to find created last
    org = OrganizationFactory()
    Account.objects.bulk_create(
        Account(organization=org, name=f"Alder Birch Group {i:04d}") for i in range(800)
    )
    target = AccountFactory(organization=org, name="Alder Harbor Clinics")
    # when
    matches = account_matches(org, name="Alder Harbour Clinics")
    # then
    assert matches[0].account_id == target.pk
    assert matches[0].reason == "similar name"
