app_name = "revops"
urlpatterns: list = []
