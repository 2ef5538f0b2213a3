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


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_sql_word_variants_are_the_python_ones():
    # given name keys with short, long, repeated and numeric words
    from django.db import connection

    from revops.matching import word_variants

    for key in ["acme", "alder birch labs 12345", "ab abc abcd", "iris iris", "x"]:
        # when
        with connection.cursor() as cursor:
            cursor.execute("SELECT revops_name_variants(%s, %s)", [42, key])
            (sql_variants,) = cursor.fetchone()
        # then
        expected = {f"42 {v}" for word in key.split() for v in word_variants(word)}
        assert set(sql_variants) == expected


def test_word_variants_share_one_for_words_within_one_edit():
    from revops.matching import word_variants

    word = "harbor"
    for other in ["harbour", "harbr", "harbxr", "hrabor", "harbor"]:
        assert word_variants(word) & word_variants(other), other
    for other in ["harbours", "hxrbxr", "port"]:
        assert not word_variants(word) & word_variants(other), other


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_typo_in_the_rare_word_is_found_among_thousands_sharing_the_others():
    # given 1,200 accounts whose names share every word but their number
    org = OrganizationFactory()
    Account.objects.bulk_create(
        Account(organization=org, name=f"Alder Birch Labs {i}") for i in range(10000, 11200)
    )
    target = Account.objects.get(organization=org, name="Alder Birch Labs 10457")
    other_org = OrganizationFactory()
    Account.objects.bulk_create([Account(organization=other_org, name="Alder Birch Labs 1045x")])
    # when: its number typed one letter off
    matches = account_matches(org, name="Alder Birch Labs 1045x")
    # then the five best are those a scan of every name scores best, the typed one among the best,
    # and nothing of the other organization
    scored = sorted(
        (-round(name_similarity(nk, "alder birch labs 1045x"), 3), nk, pk)
        for pk, nk in Account.objects.filter(organization=org).values_list("pk", "name_key")
    )
    assert [(m.account_id, -m.score) for m in matches] == [(pk, score) for score, _, pk in scored[:5]]
    assert target.pk in [m.account_id for m in account_matches(org, name="Alder Birch Labs 1045x", limit=50)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_name_of_common_words_only_falls_back_to_the_nearest_names():
    # given 400 accounts holding both words of the name, one of them the name with one more letter
    org = OrganizationFactory()
    Account.objects.bulk_create(
        Account(organization=org, name=f"{'Maple' if i % 2 else 'Cedar'} Grove Foods {i}") for i in range(800)
    )
    target = AccountFactory(organization=org, name="Maple Groves Foods")
    # when every word of the query is shared by more than the per-word cap
    matches = account_matches(org, name="Maple Grove Foods")
    # then the trigram walk still finds the near-identical name
    assert target.pk in [m.account_id for m in matches]
