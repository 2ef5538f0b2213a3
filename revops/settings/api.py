"""Django REST framework and drf-spectacular."""

from revops.env import env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "revops.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # DRF's parsers, with JSON refusing control characters and deep nesting (400, not 500).
    "DEFAULT_PARSER_CLASSES": [
        "revops.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Per API token: every request, and writes (429 with Retry-After; revops/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "revops.api.throttling.TokenRateThrottle",
        "revops.api.throttling.TokenWriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("REVOPS_API_TOKEN_RATE", default="1200/min"),
        "token_write": env.str("REVOPS_API_TOKEN_WRITE_RATE", default="300/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "revops.api.pagination.LimitOffsetPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "revops API",
    "DESCRIPTION": "Revenue operations: accounts, partners, pipeline, attribution, commissions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Deny by default: the schema and its docs are for those who may call the API (no partners).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "revops.api.base.HasApiAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's refusals (401, 403, 404, 400, 415, 409, 429) next to its success.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "revops.api.schema.document_error_responses",
    ],
    # One name for a choice set used by several fields (stage, from_stage, to_stage).
    # Domain apps' choice sets are named by dotted path (a string: core imports no domain app).
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "revops.models.crm.Stage",
        "PartnerRoleEnum": "revops.models.crm.PartnerType",
        "LinkSourceEnum": "attribution.models.links.LinkSource",
        "LinkStatusEnum": "attribution.models.links.LinkStatus",
        "RegistrationStatusEnum": "partners.models.registrations.RegistrationStatus",
        "PartnerDisputeStatusEnum": "partners.models.disputes.DisputeStatus",
        "DisputeSideEnum": "partners.models.disputes.DisputeSide",
        "ApprovalStatusEnum": "partners.models.approvals.ApprovalStatus",
    },
}

# Optimistic concurrency (revops/versions.py): record answers carry an ETag, and a PUT/PATCH
# with If-Match is refused (409) when the record was saved since. With this on, a PUT/PATCH
# of a core record without If-Match is refused too (428); off, it overwrites as before.
API_REQUIRE_IF_MATCH = env.bool("REVOPS_API_REQUIRE_IF_MATCH", default=False)
