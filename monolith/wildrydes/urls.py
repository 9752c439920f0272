"""Routes of the Wild Rydes API (no trailing slashes, one view per method)."""

from __future__ import annotations

from django.urls import path

from monolith.wildrydes import views
from monolith.wildrydes.http import methods

urlpatterns = [
    path("health", methods(GET=views.health), name="health"),
    path("unicorns", methods(GET=views.list_unicorns), name="unicorns"),
    path("unicorns/<str:name>", methods(GET=views.get_unicorn), name="unicorn"),
    path("rides", methods(GET=views.list_rides, POST=views.request_ride), name="rides"),
    path("rides/<uuid:ride_id>", methods(GET=views.get_ride), name="ride"),
    path(
        "rides/<uuid:ride_id>/complete",
        methods(POST=views.complete_ride),
        name="complete-ride",
    ),
]
