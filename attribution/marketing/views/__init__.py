"""Marketing attribution pages, one module per subdomain (results, path sets, schedules)."""

from attribution.marketing.views.paths import (
    path_set_delete_view,
    path_set_detail_view,
    path_set_list_view,
    path_set_upload_view,
)
from attribution.marketing.views.results import (
    channels_view,
    comparison_view,
    journey_view,
    journeys_view,
    run_compare_view,
    run_create_view,
    run_promote_view,
    runs_view,
)
from attribution.marketing.views.schedules import (
    schedule_create_view,
    schedule_edit_view,
    schedule_enable_view,
    schedule_list_view,
    schedule_run_now_view,
)

__all__ = [
    "channels_view",
    "comparison_view",
    "journey_view",
    "journeys_view",
    "path_set_delete_view",
    "path_set_detail_view",
    "path_set_list_view",
    "path_set_upload_view",
    "run_compare_view",
    "run_create_view",
    "run_promote_view",
    "runs_view",
    "schedule_create_view",
    "schedule_edit_view",
    "schedule_enable_view",
    "schedule_list_view",
    "schedule_run_now_view",
]
