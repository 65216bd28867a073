"""Every router of the homes app, for the application factory."""

from __future__ import annotations

from fastapi import APIRouter

from commonhold.apps.homes.inventory.routes import router as inventory
from commonhold.apps.homes.maintenance.routes import router as maintenance

routers: list[APIRouter] = [inventory, maintenance]
