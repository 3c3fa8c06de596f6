from django.urls import path

from linli.suppliers import views

app_name = "suppliers"
urlpatterns = [
    path("suppliers/", views.index, name="index"),
    path("suppliers/new/", views.create, name="create"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier"),
    path("suppliers/<int:pk>/trail/", views.supplier_trail, name="trail"),
    path("qualifications/<int:pk>/check/", views.check, name="check"),
    path("qualifications/<int:pk>/document/", views.document, name="document"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("donations/", views.donations, name="donations"),
    path("donors/", views.donors, name="donors"),
    path("stock/export/", views.stock_export, name="stock_export"),
    path("stock/import/", views.stock_import, name="stock_import"),
]
