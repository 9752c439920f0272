"""Booking, completing and listing rides: the database work behind the ride routes."""

from __future__ import annotations

import math
import uuid

from django.db import transaction
from django.db.models import F, FloatField, Value
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from monolith.wildrydes.errors import NotFound, NoUnicornAvailable, RideAlreadyCompleted
from monolith.wildrydes.geo import Point, haversine_km, quote_fare
from monolith.wildrydes.models import Ride, Rider, Unicorn
from monolith.wildrydes.validation import PageRequest


def _squared_distance(pickup: Point) -> CombinedExpression:
    """An SQL expression that ranks unicorns by distance from ``pickup``.

    Equirectangular: at city scale it orders unicorns as the haversine does, and stays plain
    arithmetic the database can evaluate per row.
    """
    dlat = F("lat") - Value(pickup.lat, output_field=FloatField())
    dlng = (F("lng") - Value(pickup.lng, output_field=FloatField())) * Value(
        math.cos(math.radians(pickup.lat)), output_field=FloatField()
    )
    return dlat * dlat + dlng * dlng


def request_ride(rider: Rider, pickup: Point) -> Ride:
    """Book the nearest free unicorn for ``rider``; concurrent bookings never share one."""
    with transaction.atomic():
        # SKIP LOCKED: a unicorn another booking is taking right now is simply not a candidate,
        # so concurrent requests neither wait on each other nor book the same unicorn.
        unicorn = (
            Unicorn.objects.select_for_update(skip_locked=True)
            .filter(available=True)
            .alias(distance=_squared_distance(pickup))
            .order_by("distance", "name")
            .first()
        )
        if unicorn is None:
            raise NoUnicornAvailable("every unicorn is on a ride; try again shortly")
        unicorn.available = False
        unicorn.save(update_fields=["available"])
        fare = quote_fare(haversine_km(Point(unicorn.lat, unicorn.lng), pickup))
        return Ride.objects.create(
            rider=rider, unicorn=unicorn, pickup_lat=pickup.lat, pickup_lng=pickup.lng, fare=fare
        )


def get_ride(rider: Rider, ride_id: uuid.UUID) -> Ride:
    """One of ``rider``'s rides; another rider's ride is as unknown as a missing one."""
    try:
        return Ride.objects.select_related("unicorn").get(id=ride_id, rider=rider)
    except Ride.DoesNotExist:
        raise NotFound("ride not found") from None


def complete_ride(rider: Rider, ride_id: uuid.UUID) -> Ride:
    """End a ride: the unicorn is free again, waiting where it dropped the rider off."""
    with transaction.atomic():
        # Locks the ride and its unicorn together (FOR UPDATE covers the joined row).
        try:
            ride = (
                Ride.objects.select_for_update()
                .select_related("unicorn")
                .get(id=ride_id, rider=rider)
            )
        except Ride.DoesNotExist:
            raise NotFound("ride not found") from None
        if ride.status == Ride.Status.COMPLETED:
            raise RideAlreadyCompleted(f"ride {ride.id} is already completed")
        ride.status = Ride.Status.COMPLETED
        ride.completed_at = timezone.now()
        ride.save(update_fields=["status", "completed_at"])
        unicorn = ride.unicorn
        unicorn.available = True
        unicorn.lat, unicorn.lng = ride.pickup_lat, ride.pickup_lng
        unicorn.save(update_fields=["available", "lat", "lng"])
        return ride


def list_rides(rider: Rider, page: PageRequest) -> tuple[list[Ride], int]:
    """One page of ``rider``'s rides, newest first, and how many rides there are in all."""
    rides = Ride.objects.filter(rider=rider)
    count = rides.count()
    if page.offset >= count:
        return [], count
    newest_first = rides.select_related("unicorn").order_by("-requested_at", "-id")
    return list(newest_first[page.offset : page.offset + page.page_size]), count
