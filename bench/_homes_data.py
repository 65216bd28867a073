"""Shared setup of the homes benchmarks.

- an embedded PostgreSQL of the benchmarks' own, under ``.commonhold/bench`` (never the
  development or test server), and fresh databases on it migrated to head with Alembic;
- a catalogue of household things (appliances, electronics, furniture, tools, home systems)
  with the makers that sell them, to fill homes with realistic items;
- latency summaries (p50/p95/p99) and a description of the machine.
"""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from commonhold.platform.db.server import (
    DatabaseUrls,
    create_database_copy,
    libpq_url,
    start_embedded_postgres,
)
from commonhold.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA_DIR = ROOT / ".commonhold" / "bench"
MIGRATIONS = ROOT / "migrations"


# The server and its databases


def start_server() -> DatabaseUrls:
    """Start (or join) the benchmarks' embedded server; it stops when this process exits."""
    return start_embedded_postgres(BENCH_DATA_DIR, get_settings().app_db_role)


def database_urls(server: DatabaseUrls, name: str) -> DatabaseUrls:
    """The URLs of database ``name`` on ``server``, as it is (nothing is created)."""
    return DatabaseUrls(
        owner=make_url(server.owner).set(database=name).render_as_string(hide_password=False),
        app=make_url(server.app).set(database=name).render_as_string(hide_password=False),
    )


def fresh_database(server: DatabaseUrls, name: str) -> DatabaseUrls:
    """Drop and recreate database ``name``, then migrate it to head as the owner role."""
    urls = create_database_copy(server, name)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["owner_url"] = urls.owner
    command.upgrade(config, "head")
    return urls


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A plain psycopg connection for bulk SQL (``url`` in SQLAlchemy or libpq form)."""
    return psycopg.connect(libpq_url(url), autocommit=autocommit)


async def signed_up(
    client: httpx.AsyncClient, urls: DatabaseUrls, email: str, name: str = "Bench"
) -> str:
    """An access token for a new account: signed up through the API, its address confirmed
    directly in the database (the benchmarks read no mail), then logged in."""
    password = "bench-password-0123"  # noqa: S105 - a throwaway account on a throwaway database
    signup = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, "display_name": name}
    )
    signup.raise_for_status()
    with connect(urls.owner) as conn:
        conn.execute(
            "UPDATE platform.users SET email_verified_at = now() WHERE email = %s", (email,)
        )
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    return str(login.json()["access_token"])


def text_search_leakproof(urls: DatabaseUrls) -> bool:
    """Whether ``tsvector @@ tsquery`` is marked LEAKPROOF in the database, as the embedded
    server's bootstrap marks it, so that row-level security lets a text index answer it."""
    with connect(urls.app) as conn:
        row = conn.execute(
            "SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.ts_match_vq'::regproc"
        ).fetchone()
    return bool(row and row[0])


# What homes hold


@dataclass(frozen=True)
class Product:
    category: str
    name: str
    makers: tuple[str, ...]


PRODUCTS: tuple[Product, ...] = (
    Product("appliance", "Dishwasher", ("Bosch", "Miele", "Whirlpool", "KitchenAid", "Samsung")),
    Product("appliance", "Refrigerator", ("Samsung", "LG", "Whirlpool", "GE", "Sub-Zero")),
    Product("appliance", "Fridge freezer", ("Samsung", "Bosch", "Liebherr", "Hotpoint", "LG")),
    Product("appliance", "Mini fridge", ("Samsung", "Frigidaire", "Midea", "Danby")),
    Product("appliance", "Chest freezer", ("Frigidaire", "GE", "Midea", "Whirlpool")),
    Product("appliance", "Washing machine", ("Miele", "LG", "Samsung", "Bosch", "Maytag")),
    Product("appliance", "Tumble dryer", ("Miele", "LG", "Samsung", "Bosch", "Maytag")),
    Product("appliance", "Microwave oven", ("Panasonic", "Sharp", "Samsung", "GE", "Breville")),
    Product("appliance", "Wall oven", ("Bosch", "Miele", "GE", "Wolf", "Electrolux")),
    Product("appliance", "Induction cooktop", ("Bosch", "Miele", "Frigidaire", "Thermador")),
    Product("appliance", "Range hood", ("Broan", "Zephyr", "Bosch", "Faber")),
    Product("appliance", "Coffee machine", ("Breville", "De'Longhi", "Nespresso", "Jura")),
    Product("appliance", "Stand mixer", ("KitchenAid", "Kenwood", "Bosch", "Smeg")),
    Product("appliance", "Vacuum cleaner", ("Dyson", "Miele", "Shark", "Bissell")),
    Product("appliance", "Robot vacuum", ("iRobot", "Roborock", "Ecovacs", "Samsung")),
    Product("appliance", "Air purifier", ("Dyson", "Coway", "Levoit", "Blueair")),
    Product("appliance", "Dehumidifier", ("Frigidaire", "Midea", "hOmeLabs", "Honeywell")),
    Product("electronics", "Television", ("Samsung", "LG", "Sony", "TCL", "Panasonic")),
    Product("electronics", "Soundbar", ("Sonos", "Bose", "Samsung", "Sony", "Yamaha")),
    Product("electronics", "Wi-Fi router", ("Netgear", "TP-Link", "Asus", "Eero")),
    Product("electronics", "Laptop", ("Apple", "Lenovo", "Dell", "HP", "Asus")),
    Product("electronics", "Printer", ("HP", "Brother", "Canon", "Epson")),
    Product("electronics", "Network storage", ("Synology", "QNAP", "Western Digital")),
    Product("furniture", "Sofa", ("IKEA", "West Elm", "Ashley", "La-Z-Boy", "Article")),
    Product("furniture", "Armchair", ("IKEA", "West Elm", "La-Z-Boy", "Pottery Barn")),
    Product("furniture", "Dining table", ("IKEA", "West Elm", "Crate & Barrel", "Ethan Allen")),
    Product("furniture", "Dining chair", ("IKEA", "Hay", "Crate & Barrel", "Muuto")),
    Product("furniture", "Bookshelf", ("IKEA", "Sauder", "Pottery Barn", "String")),
    Product("furniture", "Wardrobe", ("IKEA", "Sauder", "Ethan Allen")),
    Product("furniture", "Bed frame", ("IKEA", "Zinus", "West Elm", "Thuma")),
    Product("furniture", "Mattress", ("Tempur-Pedic", "Casper", "Purple", "Sealy", "Simmons")),
    Product("furniture", "Office chair", ("Herman Miller", "Steelcase", "IKEA", "Humanscale")),
    Product("furniture", "Standing desk", ("Uplift", "Fully", "IKEA", "Flexispot")),
    Product("furniture", "Chest of drawers", ("IKEA", "Pottery Barn", "Ethan Allen")),
    Product("furniture", "Coffee table", ("IKEA", "West Elm", "Article", "CB2")),
    Product("furniture", "Patio set", ("Polywood", "Hampton Bay", "Keter", "Brown Jordan")),
    Product("tool", "Cordless drill", ("DeWalt", "Makita", "Milwaukee", "Bosch", "Ryobi")),
    Product("tool", "Impact driver", ("DeWalt", "Makita", "Milwaukee", "Ryobi")),
    Product("tool", "Circular saw", ("DeWalt", "Makita", "Skil", "Bosch")),
    Product("tool", "Mitre saw", ("DeWalt", "Bosch", "Metabo", "Makita")),
    Product("tool", "Lawn mower", ("Honda", "Husqvarna", "Toro", "EGO", "Greenworks")),
    Product("tool", "Leaf blower", ("Stihl", "Husqvarna", "EGO", "Ryobi")),
    Product("tool", "Hedge trimmer", ("Stihl", "Black+Decker", "Greenworks", "Bosch")),
    Product("tool", "Pressure washer", ("Karcher", "Ryobi", "Sun Joe", "Generac")),
    Product("tool", "Extension ladder", ("Werner", "Little Giant", "Louisville")),
    Product("tool", "Shop vacuum", ("Shop-Vac", "Ridgid", "DeWalt", "Craftsman")),
    Product("tool", "Socket set", ("Craftsman", "Stanley", "Tekton", "GearWrench")),
    Product("tool", "Snow blower", ("Toro", "Ariens", "Honda", "Cub Cadet")),
    Product("system", "Furnace", ("Carrier", "Trane", "Lennox", "Goodman", "Rheem")),
    Product("system", "Boiler", ("Viessmann", "Navien", "Weil-McLain", "Bosch", "Vaillant")),
    Product("system", "Water heater", ("Rheem", "A.O. Smith", "Bradford White", "Rinnai")),
    Product("system", "Heat pump", ("Mitsubishi", "Daikin", "Carrier", "Fujitsu", "Bosch")),
    Product("system", "Air conditioner", ("Carrier", "Trane", "Lennox", "Daikin", "LG")),
    Product("system", "Smart thermostat", ("Nest", "Ecobee", "Honeywell", "Emerson")),
    Product("system", "Sump pump", ("Zoeller", "Wayne", "Liberty", "Superior Pump")),
    Product("system", "Water softener", ("Culligan", "Fleck", "Whirlpool", "GE")),
    Product("system", "Smoke detector", ("Kidde", "First Alert", "Nest", "X-Sense")),
    Product("system", "Garage door opener", ("Chamberlain", "LiftMaster", "Genie")),
    Product("system", "Solar inverter", ("Enphase", "SolarEdge", "SMA", "Fronius")),
    Product("system", "Electrical panel", ("Square D", "Siemens", "Eaton", "Leviton")),
    Product("system", "Security camera", ("Ring", "Arlo", "Nest", "Eufy", "Wyze")),
    Product("system", "Video doorbell", ("Ring", "Nest", "Eufy", "Arlo")),
    Product("system", "Standby generator", ("Generac", "Kohler", "Briggs & Stratton")),
)

FINISHES = (
    "stainless steel",
    "matte black",
    "white",
    "graphite",
    "solid oak",
    "walnut veneer",
    "brushed nickel",
    "grey fabric",
    "leather",
    "powder-coated aluminium",
)
FEATURES = (
    "quiet operation",
    "energy efficient",
    "wifi connected, controlled from the phone app",
    "bought with an extended warranty",
    "filter replaced last spring",
    "installed by the previous owner",
    "needs a yearly service",
    "manual kept in the kitchen drawer",
    "second hand, works well",
    "a gift from the family",
    "spare parts in the garage",
    "moved from the old apartment",
    "recall notice checked, not affected",
    "battery replaced recently",
)
ROOM_NAMES = (
    ("Kitchen", "kitchen", 0),
    ("Living room", "living", 0),
    ("Dining room", "dining", 0),
    ("Main bedroom", "bedroom", 1),
    ("Guest bedroom", "bedroom", 1),
    ("Home office", "office", 1),
    ("Bathroom", "bathroom", 1),
    ("Laundry room", "laundry", 0),
    ("Garage", "garage", 0),
    ("Basement", "basement", -1),
)
CONDITIONS = ("excellent", "good", "fair", "poor")


# Results


@dataclass(frozen=True)
class Summary:
    """Latencies of one case, in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, samples_ms: list[float]) -> Summary:
        ordered = sorted(samples_ms)
        return cls(
            count=len(ordered),
            p50=percentile(ordered, 50),
            p95=percentile(ordered, 95),
            p99=percentile(ordered, 99),
            mean=statistics.fmean(ordered),
            max=ordered[-1],
        )


def percentile(ordered: list[float], p: float) -> float:
    """The ``p``-th percentile of sorted samples, interpolating between neighbours."""
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def machine_description(urls: DatabaseUrls) -> list[str]:
    """nproc, CPU model, RAM, Python and the PostgreSQL server's version and memory settings."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kib = int(line.split()[1])
    with connect(urls.owner) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        settings = conn.execute(
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) "
            "FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'jit')"
        ).fetchone()
    return [
        f"CPUs (nproc): {os.cpu_count()}  model: {cpu}",
        f"RAM: {ram_kib / 1024 / 1024:.1f} GiB  OS: {platform.platform()}",
        f"Python {platform.python_version()}  load average now: "
        + " ".join(f"{load:.2f}" for load in os.getloadavg()),
        f"PostgreSQL {version[0] if version else '?'} (embedded; "
        f"{settings[0] if settings else ''})",
    ]


def print_table(rows: list[tuple[str, Summary, str]], goal_ms: float) -> None:
    """One line per case: p50/p95/p99/max in ms, whether p95 meets the goal, and a note."""
    width = max(len(name) for name, _, _ in rows)
    print(f"{'case':<{width}}  {'n':>5}  {'p50':>7}  {'p95':>7}  {'p99':>7}  {'max':>7}  goal")
    for name, summary, note in rows:
        verdict = "ok" if summary.p95 <= goal_ms else "MISSED"
        print(
            f"{name:<{width}}  {summary.count:>5}  {summary.p50:>7.2f}  {summary.p95:>7.2f}  "
            f"{summary.p99:>7.2f}  {summary.max:>7.2f}  {verdict}  {note}"
        )
