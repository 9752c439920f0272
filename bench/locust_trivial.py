"""Locust users for bench_locust.py: as fast as possible against a trivial target."""

from __future__ import annotations

from locust import FastHttpUser, constant, task


class Hammer(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self) -> None:
        self.client.get("/")
