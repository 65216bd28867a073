"""Every router of the homes app, for the application factory."""

from __future__ import annotations

from fastapi import APIRouter

# Declares the app's notification types, which people choose how to receive.
from commonhold.apps.homes import notifications as notifications
from commonhold.apps.homes.inventory.routes import router as inventory
from commonhold.apps.homes.maintenance.routes import router as maintenance

routers: list[APIRouter] = [inventory, maintenance]
