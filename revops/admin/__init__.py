"""The configuration console: every core model registered on revops' admin site.

The site itself (who may enter, where sign-in happens) is `revops.admin_site`; the
organization-scoped base admin is `revops.admin.base.OrganizationScopedAdmin`.
"""

from revops.admin import crm, organization, periods, reports, salesforce, system  # noqa: F401  (registers the admins)
