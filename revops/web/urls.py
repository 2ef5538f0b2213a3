from django.urls import path

app_name = "revops"
urlpatterns: list = []
