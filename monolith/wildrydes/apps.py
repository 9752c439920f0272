from __future__ import annotations

from django.apps import AppConfig


class WildRydesConfig(AppConfig):
    name = "monolith.wildrydes"
    label = "wildrydes"
    verbose_name = "Wild Rydes"
