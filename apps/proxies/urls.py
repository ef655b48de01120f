app_name = "proxies"
urlpatterns: list = []
