"""A realistic household for the demo: eight rooms, forty items, ten recurring chores."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.inventory import repository as inventory_repo
from commonhold.apps.homes.inventory import service as inventory
from commonhold.apps.homes.inventory.schemas import HomeCreate, HomeRead, ItemCreate, RoomCreate
from commonhold.apps.homes.maintenance import repository as maintenance_repo
from commonhold.apps.homes.maintenance import service as maintenance
from commonhold.apps.homes.maintenance.generation import is_single_open, rule_of
from commonhold.apps.homes.maintenance.schemas import (
    InstanceComplete,
    InstanceSkip,
    TaskCreate,
    TaskRead,
)
from commonhold.apps.homes.models import Task
from commonhold.platform.authz import AuthSubject
from commonhold.platform.recurrence import Frequency, Mode

HOME = HomeCreate(
    name="Maple Street house",
    address="12 Maple Street, Springfield",
    home_type="single_family",
    year_built=1987,
    square_feet=1850,
)

# room name, room type, floor, items: (name, category, manufacturer, model, price, metadata)
ROOMS: list[tuple[str, str, int, list[tuple[str, str, str, str, str, dict[str, Any]]]]] = [
    (
        "Kitchen",
        "kitchen",
        0,
        [
            (
                "Dishwasher",
                "appliance",
                "Bosch",
                "SHXM78Z55N",
                "649.99",
                {"energy_star": True, "decibels": 44},
            ),
            (
                "Refrigerator",
                "appliance",
                "Samsung",
                "RF28R7351SR",
                "2199.00",
                {"energy_star": True, "water_filter": "HAF-QIN"},
            ),
            ("Range", "appliance", "GE", "JGBS66REKSS", "899.00", {"fuel_type": "gas"}),
            ("Range hood", "appliance", "Broan", "413004", "119.00", {"filter": "charcoal"}),
            ("Microwave", "appliance", "Panasonic", "NN-SN966S", "199.95", {"watts": 1250}),
            ("Garbage disposal", "appliance", "InSinkErator", "Evolution", "229.00", {"hp": 0.75}),
        ],
    ),
    (
        "Living room",
        "living_room",
        0,
        [
            ("Sofa", "furniture", "IKEA", "KIVIK", "899.00", {"seats": 3}),
            ("Television", "electronics", "LG", "OLED55C3", "1499.99", {"screen_inches": 55}),
            ("Smoke detector", "safety", "Kidde", "i12060", "24.97", {"battery": "9V"}),
            ("Ceiling fan", "fixture", "Hunter", "Dempsey 52", "189.00", {"blades": 4}),
            ("Bookshelf", "furniture", "IKEA", "BILLY", "79.00", {"shelves": 6}),
        ],
    ),
    (
        "Primary bedroom",
        "bedroom",
        1,
        [
            ("Bed frame", "furniture", "Zinus", "Suzanne", "299.00", {"size": "queen"}),
            ("Mattress", "furniture", "Casper", "Original", "1095.00", {"size": "queen"}),
            (
                "Air purifier",
                "appliance",
                "Coway",
                "AP-1512HH",
                "229.99",
                {"filter": "HEPA", "coverage_sqft": 361},
            ),
            (
                "Smoke detector",
                "safety",
                "First Alert",
                "SA511CN2",
                "32.99",
                {"battery": "10-year"},
            ),
            ("Dresser", "furniture", "IKEA", "MALM", "279.00", {"drawers": 6}),
        ],
    ),
    (
        "Kids' room",
        "bedroom",
        1,
        [
            ("Bunk bed", "furniture", "Max & Lily", "Twin over twin", "549.00", {"size": "twin"}),
            ("Desk lamp", "fixture", "BenQ", "e-Reading", "199.00", {"bulb": "LED"}),
            ("Smoke detector", "safety", "Kidde", "i12060", "24.97", {"battery": "9V"}),
            ("Humidifier", "appliance", "Levoit", "Classic 300S", "79.99", {"tank_litres": 6}),
        ],
    ),
    (
        "Bathroom",
        "bathroom",
        1,
        [
            ("Exhaust fan", "fixture", "Panasonic", "FV-0511VQ1", "229.00", {"cfm": 110}),
            ("Toilet", "fixture", "TOTO", "Drake II", "439.00", {"gpf": 1.28}),
            (
                "Water softener",
                "system",
                "Culligan",
                "HE 1.25",
                "1890.00",
                {"salt": "pellets", "grains": 32000},
            ),
            ("Towel warmer", "fixture", "Amba", "Radiant", "329.00", {"watts": 100}),
        ],
    ),
    (
        "Basement",
        "basement",
        -1,
        [
            (
                "Furnace",
                "system",
                "Carrier",
                "59SC5A080E17",
                "3499.90",
                {"fuel_type": "gas", "btu_rating": 80000, "filter": "16x25x1"},
            ),
            (
                "Water heater",
                "system",
                "Rheem",
                "XG50T06EC36U1",
                "1249.00",
                {"fuel_type": "gas", "gallons": 50},
            ),
            ("Sump pump", "system", "Zoeller", "M53", "219.00", {"hp": 0.3}),
            ("Dehumidifier", "appliance", "Frigidaire", "FFAD5033W1", "249.00", {"pints": 50}),
            ("Washer", "appliance", "LG", "WM4000HWA", "999.00", {"energy_star": True}),
            ("Dryer", "appliance", "LG", "DLE3400W", "899.00", {"vent": "rigid"}),
        ],
    ),
    (
        "Garage",
        "garage",
        0,
        [
            (
                "Garage door opener",
                "system",
                "Chamberlain",
                "B4613T",
                "298.00",
                {"drive": "belt", "remote_battery": "CR2032"},
            ),
            ("Lawn mower", "tool", "Honda", "HRN216VKA", "499.00", {"fuel_type": "gasoline"}),
            ("Snow blower", "tool", "Toro", "Power Clear 721", "849.00", {"stage": 1}),
            ("Cordless drill", "tool", "DeWalt", "DCD771C2", "99.00", {"voltage": 20}),
            ("Chest freezer", "appliance", "Frigidaire", "FFCS0722AW", "329.00", {"cubic_feet": 7}),
        ],
    ),
    (
        "Exterior",
        "exterior",
        0,
        [
            ("Gutters", "structure", "Amerimax", "K-style 5in", "1100.00", {"length_ft": 140}),
            ("Roof", "structure", "GAF", "Timberline HDZ", "14500.00", {"installed": 2019}),
            ("Air conditioner", "system", "Trane", "XR14", "4200.00", {"seer": 14, "tons": 3}),
            ("Sprinkler controller", "system", "Rachio", "3", "229.99", {"zones": 8}),
            ("Deck", "structure", "Trex", "Enhance", "8900.00", {"sq_ft": 240}),
        ],
    ),
]


# title, item, frequency, interval, day, mode, weeks of history, assigned to the housemate
CHORES: list[tuple[str, str, Frequency, int, int | None, Mode, int, bool]] = [
    ("Change the furnace filter", "Furnace", Frequency.MONTHLY, 3, 1, Mode.FIXED, 40, False),
    ("Test the smoke detectors", "Smoke detector", Frequency.MONTHLY, 1, 15, Mode.FIXED, 30, True),
    ("Clean the dishwasher filter", "Dishwasher", Frequency.MONTHLY, 1, None, Mode.FIXED, 26, True),
    ("Clean the gutters", "Gutters", Frequency.MONTHLY, 6, 1, Mode.FIXED, 52, False),
    ("Flush the water heater", "Water heater", Frequency.YEARLY, 1, None, Mode.FIXED, 20, False),
    (
        "Clean the range hood filter",
        "Range hood",
        Frequency.MONTHLY,
        3,
        None,
        Mode.ROLLING,
        30,
        True,
    ),
    ("Mow the lawn", "Lawn mower", Frequency.WEEKLY, 1, 5, Mode.FIXED, 8, True),
    ("Clean the dryer vent", "Dryer", Frequency.CUSTOM_DAYS, 90, None, Mode.ROLLING, 40, False),
    (
        "Add salt to the water softener",
        "Water softener",
        Frequency.CUSTOM_DAYS,
        45,
        None,
        Mode.ROLLING,
        20,
        True,
    ),
    ("Test the sump pump", "Sump pump", Frequency.MONTHLY, 3, 1, Mode.FIXED, 30, False),
]


async def seed_household(session: AsyncSession, owner: AuthSubject) -> HomeRead:
    """The demo owner's home with its rooms and items (the owner's plan must allow 40)."""
    home = await inventory.create_home(session, owner, HOME)
    for name, room_type, floor, items in ROOMS:
        room = await inventory.create_room(
            session, owner, home.id, RoomCreate(name=name, room_type=room_type, floor=floor)
        )
        for item_name, category, maker, model, price, metadata in items:
            await inventory.create_item(
                session,
                owner,
                room.id,
                ItemCreate(
                    name=item_name,
                    category=category,
                    manufacturer=maker,
                    model_number=model,
                    purchase_price=Decimal(price),
                    metadata=metadata,
                ),
            )
    return home


async def seed_chores(
    session: AsyncSession, home_id: uuid.UUID, owner: AuthSubject, housemate: AuthSubject
) -> None:
    """Ten recurring chores, each with months of history: mostly done, by either member,
    sometimes late, a few skipped, and one missed."""
    today = datetime.now(UTC).date()
    items = {
        item.name: item.id for item in await session.scalars(inventory_repo.items_of_home(home_id))
    }
    for n, (title, item, frequency, interval, day, mode, weeks, shared) in enumerate(CHORES):
        task = await maintenance.create_task(
            session,
            owner,
            home_id,
            TaskCreate(
                title=title,
                item_id=items[item],
                assigned_to=housemate.user_id if shared else None,
                due_date=today - timedelta(weeks=weeks),
                recurrence=frequency,
                recurrence_interval=interval,
                recurrence_day=day,
                recurrence_mode=mode,
            ),
        )
        await _backfill(session, task, today)
        await _work_through(session, task.id, today, (owner, housemate), missed=n == 1)


async def _backfill(session: AsyncSession, task: TaskRead, today: date) -> None:
    """The past occurrences a running generator would have stored back then."""
    stored = await session.get(Task, task.id)
    assert stored is not None
    rule = rule_of(stored)
    if not is_single_open(rule):
        past = maintenance_repo.NewInstances()
        past.add(task.home_id, task.id, rule.between(task.due_date, today - timedelta(days=1)))
        await maintenance_repo.insert_instances(session, past)


async def _work_through(
    session: AsyncSession,
    task_id: uuid.UUID,
    today: date,
    members: tuple[AuthSubject, AuthSubject],
    missed: bool,
) -> None:
    """Close the task's past occurrences in order, as the household would have."""
    for turn in range(200):
        due = await maintenance_repo.earliest_open_before(session, task_id, today)
        if due is None or (missed and due.due_date >= today - timedelta(days=60)):
            return
        member = members[turn % 2]
        if turn % 5 == 3:
            await maintenance.skip_instance(session, member, due.id, InstanceSkip(notes="Away"))
        else:
            done_on = min(due.due_date + timedelta(days=turn % 3), today)
            await maintenance.complete_instance(
                session, member, due.id, InstanceComplete(completed_on=done_on)
            )
