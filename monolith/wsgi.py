"""WSGI entry point of the monolith, served by gunicorn (the "EC2 fleet")."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings")

application = get_wsgi_application()
