import pytest

from tests.revops.factories import AccountFactory, ProductLineFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def catalog(org, rep):
    """The account, product line and owner (rep1@acme.test) the opportunity rows refer to."""
    return (
        AccountFactory(organization=org, name="Initech", external_id="ACC-1"),
        ProductLineFactory(organization=org, name="Analytics", code="analytics"),
    )
