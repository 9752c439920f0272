"""Unicorns, the riders who book them, and the rides in between."""

from __future__ import annotations

import uuid

from django.db import models


class Unicorn(models.Model):
    name = models.CharField(max_length=64, unique=True)
    color = models.CharField(max_length=32)
    gender = models.CharField(max_length=16)
    lat = models.FloatField()
    lng = models.FloatField()
    available = models.BooleanField(default=True, db_index=True)

    def __str__(self) -> str:
        return self.name


class Rider(models.Model):
    username = models.CharField(max_length=64, unique=True)
    # sha256 hex of the bearer token: a database dump does not leak usable tokens.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.username


class Ride(models.Model):
    class Status(models.TextChoices):
        EN_ROUTE = "en_route"
        COMPLETED = "completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="rides")
    unicorn = models.ForeignKey(Unicorn, on_delete=models.PROTECT, related_name="rides")
    pickup_lat = models.FloatField()
    pickup_lng = models.FloatField()
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.EN_ROUTE)
    fare = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        # GET /rides lists one rider's rides, newest first.
        indexes = (models.Index(fields=["rider", "-requested_at"], name="ride_rider_newest"),)

    def __str__(self) -> str:
        return f"ride {self.id} ({self.status})"
