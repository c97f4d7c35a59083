"""A real Mosquitto for tests: the project's own runner (units/mosquitto.py), re-exported."""

from __future__ import annotations

from units.broker import free_port
from units.mosquitto import Mosquitto, mosquitto_binary, running_mosquitto, wait_port

__all__ = ["Mosquitto", "free_port", "mosquitto_binary", "running_mosquitto", "wait_port"]
