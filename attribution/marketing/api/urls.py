"""Marketing API routes, included under /api/v1/marketing/ (namespace `marketing-api`)."""

from django.urls import path

from attribution.marketing.api.views import TouchpointBulkCreateApi

app_name = "marketing-api"
urlpatterns = [
    path("touchpoints/bulk/", TouchpointBulkCreateApi.as_view(), name="touchpoint-bulk"),
]
