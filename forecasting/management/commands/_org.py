"""Shared argument: the organization by slug."""

from django.core.management.base import CommandError

from revops.models import Organization


def organization_by_slug(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"No organization with slug {slug!r}.")
    return organization
