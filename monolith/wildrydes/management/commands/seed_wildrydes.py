"""``seed_wildrydes``: create the demo fleet and riders; running it again changes nothing."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from monolith.wildrydes.models import Rider, Unicorn
from monolith.wildrydes.seeding import rider_usernames, unicorn_specs
from monolith.wildrydes.tokens import derive_token, hash_token

_BATCH_SIZE = 1000


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


class Command(BaseCommand):
    help = (
        "Create the Wild Rydes demo data: unicorns scattered around Seattle, all available, and "
        "riders 'demo' plus 'rider-00001'...'rider-N'. Idempotent: existing rows are kept. "
        "Each rider's bearer token is "
        "hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest(), "
        "i.e. HMAC-SHA256 of the username keyed by the token secret, in hex; only its sha256 is "
        "stored. Riders whose stored hash does not match the given secret are re-keyed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--unicorns", type=_count, default=50, help="fleet size (50)")
        parser.add_argument(
            "--riders", type=_count, default=1000, help="riders besides 'demo' (1000)"
        )
        parser.add_argument(
            "--token-secret",
            default=None,
            help="key of the riders' tokens (default: env WILDRYDES_TOKEN_SECRET)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret = options["token_secret"] or settings.WILDRYDES_TOKEN_SECRET
        if not secret:
            raise CommandError(
                "no token secret: pass --token-secret or set WILDRYDES_TOKEN_SECRET "
                "(riders' tokens are HMAC-SHA256(secret, username))"
            )
        with transaction.atomic():
            unicorns_created = self._seed_unicorns(options["unicorns"])
            riders_created, riders_rekeyed = self._seed_riders(options["riders"], secret)
        unicorns_total = options["unicorns"]
        riders_total = options["riders"] + 1
        self.stdout.write(
            f"unicorns: {unicorns_created} created, {unicorns_total - unicorns_created} existing\n"
            f"riders: {riders_created} created, {riders_total - riders_created} existing "
            f"({riders_rekeyed} re-keyed)"
        )

    def _seed_unicorns(self, count: int) -> int:
        specs = unicorn_specs(count)
        names = [spec.name for spec in specs]
        existing = set(Unicorn.objects.filter(name__in=names).values_list("name", flat=True))
        # Existing unicorns are left alone: they may be on a ride or parked elsewhere by now.
        missing = [
            Unicorn(
                name=spec.name,
                color=spec.color,
                gender=spec.gender,
                lat=spec.location.lat,
                lng=spec.location.lng,
                available=True,
            )
            for spec in specs
            if spec.name not in existing
        ]
        Unicorn.objects.bulk_create(missing, batch_size=_BATCH_SIZE, ignore_conflicts=True)
        return Unicorn.objects.filter(name__in=names).count() - len(existing)

    def _seed_riders(self, count: int, secret: str) -> tuple[int, int]:
        wanted = {name: hash_token(derive_token(secret, name)) for name in rider_usernames(count)}
        riders = Rider.objects.filter(username__in=list(wanted))
        stored = dict(riders.values_list("username", "token_hash"))
        missing = [
            Rider(username=name, token_hash=token_hash)
            for name, token_hash in wanted.items()
            if name not in stored
        ]
        Rider.objects.bulk_create(missing, batch_size=_BATCH_SIZE, ignore_conflicts=True)
        # A new secret (say, the harness lost its run directory) must still yield working tokens.
        stale = [name for name, token_hash in stored.items() if token_hash != wanted[name]]
        rekeyed = list(Rider.objects.filter(username__in=stale))
        for rider in rekeyed:
            rider.token_hash = wanted[rider.username]
        Rider.objects.bulk_update(rekeyed, ["token_hash"], batch_size=_BATCH_SIZE)
        return riders.count() - len(stored), len(rekeyed)
