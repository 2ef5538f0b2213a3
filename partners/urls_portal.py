"""The partner portal, under /portal/: partner users only (everyone else gets 404)."""

from django.urls import path

from partners.views import portal, portal_disputes, portal_touchpoints, users

app_name = "portal"
urlpatterns = [
    path("", portal.home_view, name="home"),
    path("deals/", portal.deals_view, name="deals"),
    path("statement/", portal.statement_view, name="statement"),
    path("registrations/", portal.registration_list_view, name="registrations"),
    path("registrations/new/", portal.registration_new_view, name="registration-new"),
    path("registrations/check/", portal.registration_check_view, name="registration-check"),
    path("registrations/<int:pk>/", portal.registration_detail_view, name="registration"),
    path("touchpoints/", portal_touchpoints.touchpoint_list_view, name="touchpoints"),
    path("touchpoints/new/", portal_touchpoints.touchpoint_new_view, name="touchpoint-new"),
    path("touchpoints/<int:pk>/", portal_touchpoints.touchpoint_detail_view, name="touchpoint"),
    path("users/", users.users_view, name="users"),
    path("users/<int:pk>/resend/", users.user_resend_view, name="user-resend"),
    path("users/<int:pk>/deactivate/", users.user_deactivate_view, name="user-deactivate"),
    path("registrations/<int:pk>/withdraw/", portal.registration_withdraw_view, name="registration-withdraw"),
    path("disputes/", portal_disputes.dispute_list_view, name="disputes"),
    path("disputes/new/", portal_disputes.dispute_new_view, name="dispute-new"),
    path("disputes/<int:pk>/", portal_disputes.dispute_detail_view, name="dispute"),
    path("disputes/<int:pk>/comment/", portal_disputes.dispute_comment_view, name="dispute-comment"),
    path("disputes/<int:pk>/withdraw/", portal_disputes.dispute_withdraw_view, name="dispute-withdraw"),
]
