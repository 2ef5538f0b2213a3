"""What the demo organizations look like: names, calendars, catalogs, teams and vocabularies."""

from __future__ import annotations

from dataclasses import dataclass

from revops.models.crm import Region, Segment

EMAIL_DOMAIN = "example"


@dataclass(frozen=True)
class ProductLineSpec:
    """A demo product line; `win_delta` and `amount_factor` make lines behave differently."""

    code: str
    name: str
    products: tuple[tuple[str, int], ...]  # (product name, list price in whole currency units)
    win_delta: float
    amount_factor: float


@dataclass(frozen=True)
class TeamSpec:
    name: str
    region: str
    reps: int


@dataclass(frozen=True)
class OrgSpec:
    """One demo organization; sizes are at scale 1.0."""

    slug: str
    name: str
    currency: str
    time_zone: str
    fiscal_year_start_month: int
    sku_prefix: str
    product_lines: tuple[ProductLineSpec, ...]
    teams: tuple[TeamSpec, ...]
    region_weights: dict[str, float]
    accounts: int = 400
    opportunities: int = 4000
    partners: int = 25
    partner_users: int = 4
    history_days: int = 3 * 365

    def email(self, local_part: str) -> str:
        return f"{local_part}@{self.slug}.{EMAIL_DOMAIN}"


ACME = OrgSpec(
    slug="acme",
    name="Acme Analytics",
    currency="USD",
    time_zone="America/New_York",
    fiscal_year_start_month=1,
    sku_prefix="ACM",
    product_lines=(
        ProductLineSpec(
            "analytics",
            "Analytics",
            (("Analytics Starter", 6000), ("Analytics Pro", 24000), ("Analytics Enterprise", 90000)),
            0.03,
            1.0,
        ),
        ProductLineSpec(
            "platform",
            "Data Platform",
            (("Platform Core", 40000), ("Platform Scale", 120000), ("Platform Edge", 30000)),
            -0.04,
            1.4,
        ),
        ProductLineSpec(
            "integration",
            "Data Integration",
            (("Connectors Pack", 8000), ("Streaming Pipelines", 35000), ("Change Data Capture", 28000)),
            0.01,
            0.8,
        ),
        ProductLineSpec(
            "governance",
            "Governance & Security",
            (
                ("Data Catalog", 22000),
                ("Access Control", 18000),
                ("Audit Vault", 26000),
                ("Privacy Kit", 12000),
            ),
            -0.02,
            0.9,
        ),
        ProductLineSpec(
            "services",
            "Professional Services",
            (("Onboarding Package", 9000), ("Solution Architecture", 25000), ("Training Day", 3000)),
            0.06,
            0.5,
        ),
    ),
    teams=(
        TeamSpec("NA East", Region.NORTH_AMERICA, 7),
        TeamSpec("NA West", Region.NORTH_AMERICA, 7),
        TeamSpec("NA Central", Region.NORTH_AMERICA, 7),
        TeamSpec("EMEA", Region.EMEA, 7),
        TeamSpec("APAC", Region.APAC, 6),
        TeamSpec("LATAM", Region.LATAM, 6),
    ),
    region_weights={Region.NORTH_AMERICA: 0.6, Region.EMEA: 0.18, Region.APAC: 0.12, Region.LATAM: 0.1},
)

GLOBEX = OrgSpec(
    slug="globex",
    name="Globex Systems",
    currency="EUR",
    time_zone="Europe/Berlin",
    fiscal_year_start_month=4,
    sku_prefix="GLX",
    product_lines=(
        ProductLineSpec(
            "cloud",
            "Cloud Infrastructure",
            (("Compute Reserved", 50000), ("Compute Burst", 15000), ("Bare Metal", 80000)),
            -0.03,
            1.3,
        ),
        ProductLineSpec(
            "network",
            "Networking",
            (("SD-WAN Branch", 12000), ("Core Switching", 45000), ("Edge Firewall", 20000)),
            0.0,
            1.0,
        ),
        ProductLineSpec(
            "storage",
            "Storage",
            (("Object Storage", 10000), ("Block Storage", 25000), ("Backup Vault", 14000), ("Archive", 6000)),
            0.02,
            0.9,
        ),
        ProductLineSpec(
            "observability",
            "Observability",
            (("Metrics", 9000), ("Log Analytics", 16000), ("Tracing", 11000)),
            0.05,
            0.7,
        ),
        ProductLineSpec(
            "services",
            "Managed Services",
            (("Migration Service", 30000), ("24x7 Operations", 60000), ("Health Check", 5000)),
            0.04,
            0.8,
        ),
    ),
    teams=(
        TeamSpec("DACH", Region.EMEA, 7),
        TeamSpec("UK & Ireland", Region.EMEA, 7),
        TeamSpec("Nordics", Region.EMEA, 7),
        TeamSpec("Southern Europe", Region.EMEA, 7),
        TeamSpec("North America", Region.NORTH_AMERICA, 6),
        TeamSpec("APAC", Region.APAC, 6),
    ),
    region_weights={Region.EMEA: 0.68, Region.NORTH_AMERICA: 0.2, Region.APAC: 0.12},
)

DEMO_ORGS: tuple[OrgSpec, ...] = (ACME, GLOBEX)

SEGMENT_WEIGHTS = {Segment.SMB: 0.5, Segment.MID_MARKET: 0.33, Segment.ENTERPRISE: 0.17}

INDUSTRIES = (
    "Software",
    "Financial services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Education",
    "Public sector",
    "Media",
    "Logistics",
    "Energy",
)

LEAD_SOURCES = {
    "Web": 0.24,
    "Outbound": 0.2,
    "Partner referral": 0.14,
    "Event": 0.12,
    "Paid search": 0.12,
    "Webinar": 0.1,
    "Customer referral": 0.08,
}

FIRST_NAMES = (
    "Ava", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko", "Liam",
    "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Ximena",
    "Yusuf", "Zoe", "Amara", "Bruno", "Chloe", "Diego", "Emil", "Fatima", "Gustav", "Hana", "Ivan", "Julia",
)  # fmt: skip

LAST_NAMES = (
    "Anders", "Baptiste", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quintero", "Rossi", "Schmidt", "Tanaka",
    "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Novak", "Silva", "Berg", "Keller",
)  # fmt: skip

COMPANY_WORDS = (
    "Northwind", "Blue Harbor", "Summit", "Ironwood", "Brightline", "Cedar", "Redstone", "Silverlake",
    "Oakridge", "Lumen", "Polar", "Crescent", "Evergreen", "Granite", "Horizon", "Keystone", "Meridian",
    "Nimbus", "Orion", "Pinecrest", "Quarry", "Riverbend", "Sterling", "Tidewater", "Vantage", "Willow",
    "Zenith", "Atlas", "Beacon", "Copper", "Driftwood", "Ember", "Falcon", "Harbor", "Juniper", "Kestrel",
    "Alder", "Bluestone", "Cascade", "Dunmore", "Fairview", "Glacier", "Highgate", "Larkspur", "Maple",
    "Northgate", "Oceanic", "Prairie", "Ravenwood", "Saltmarsh", "Thornbury", "Upland", "Westbrook",
    "Ashford", "Bramble", "Clearwater", "Foxglove", "Hawthorne", "Linden", "Marlow", "Sequoia", "Solstice",
)  # fmt: skip

# Middle words for a second name from the same word ("Summit Pacific Health").
COMPANY_QUALIFIERS = (
    "Pacific", "Atlantic", "Continental", "National", "United", "First", "Global", "Coastal", "Valley",
    "Mountain", "Metro", "Central", "Northern", "Southern", "Western", "Eastern", "Bay", "Lake",
)  # fmt: skip

COMPANY_SUFFIXES = (
    "Labs", "Logistics", "Health", "Foods", "Bank", "Retail", "Energy", "Media", "Systems", "Insurance",
    "Motors", "Pharma", "Capital", "Learning", "Freight", "Telecom", "Studios", "Works", "Group", "Partners",
    "Biosciences", "Hospitality", "Manufacturing", "Credit Union", "Outfitters", "Analytics", "Airlines",
    "Utilities", "Clinics", "Realty",
)  # fmt: skip

PARTNER_WORDS = (
    "Apex", "Bridge", "Catalyst", "Delta", "Elevate", "Forge", "Gateway", "Helix", "Insight", "Jetstream",
    "Kinetic", "Lattice", "Momentum", "Nexus", "Optima", "Pivot", "Quantum", "Relay", "Synergy", "Trellis",
    "Unity", "Vector", "Waypoint", "Axis", "Cobalt", "Prism", "Strata", "Vertex",
)  # fmt: skip

PARTNER_SUFFIXES = ("Consulting", "Solutions", "Advisors", "Integration", "Digital", "Cloud Partners")
