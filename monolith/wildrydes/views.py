"""The Wild Rydes JSON API: thin views over validation, the ride logic and rendering."""

from __future__ import annotations

import logging
import uuid

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

from monolith.wildrydes import rides
from monolith.wildrydes.auth import rider_required
from monolith.wildrydes.errors import NotFound
from monolith.wildrydes.http import json_response
from monolith.wildrydes.models import Rider, Unicorn
from monolith.wildrydes.render import ride_json, ride_page_json, unicorn_json
from monolith.wildrydes.validation import (
    parse_bool_param,
    parse_json_object,
    parse_page_request,
    parse_pickup,
)

logger = logging.getLogger(__name__)


def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.warning("health check: database unreachable: %s", exc)
        return json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return json_response({"status": "ok", "database": "ok"})


@rider_required
def list_unicorns(request: HttpRequest, rider: Rider) -> HttpResponse:
    available = parse_bool_param(request.GET.get("available"), "available")
    unicorns = Unicorn.objects.order_by("name")
    if available is not None:
        unicorns = unicorns.filter(available=available)
    return json_response([unicorn_json(unicorn) for unicorn in unicorns])


@rider_required
def get_unicorn(request: HttpRequest, rider: Rider, name: str) -> HttpResponse:
    unicorn = Unicorn.objects.filter(name=name).first()
    if unicorn is None:
        raise NotFound(f"no unicorn named {name!r}")
    return json_response(unicorn_json(unicorn))


@rider_required
def request_ride(request: HttpRequest, rider: Rider) -> HttpResponse:
    pickup = parse_pickup(parse_json_object(request.body))
    ride = rides.request_ride(rider, pickup)
    return json_response(ride_json(ride), status=201, headers={"Location": f"/rides/{ride.id}"})


@rider_required
def list_rides(request: HttpRequest, rider: Rider) -> HttpResponse:
    page = parse_page_request(request.GET.get("page"), request.GET.get("page_size"))
    found, count = rides.list_rides(rider, page)
    return json_response(ride_page_json(found, count, page))


@rider_required
def get_ride(request: HttpRequest, rider: Rider, ride_id: uuid.UUID) -> HttpResponse:
    return json_response(ride_json(rides.get_ride(rider, ride_id)))


@rider_required
def complete_ride(request: HttpRequest, rider: Rider, ride_id: uuid.UUID) -> HttpResponse:
    return json_response(ride_json(rides.complete_ride(rider, ride_id)))
