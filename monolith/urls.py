"""URL configuration of the monolith: the Wild Rydes API, with JSON error pages."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("", include("monolith.wildrydes.urls"))]

handler400 = "monolith.wildrydes.http.bad_request"
handler403 = "monolith.wildrydes.http.permission_denied"
handler404 = "monolith.wildrydes.http.not_found"
handler500 = "monolith.wildrydes.http.server_error"
