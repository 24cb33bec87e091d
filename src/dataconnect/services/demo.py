"""A demo account so a newcomer sees DataConnect working: tables, three jobs and a group."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from dataconnect.clock import Clock
from dataconnect.domain.formats import resolve_file_pattern
from dataconnect.errors import NotFound
from dataconnect.files.server import FileServer
from dataconnect.services.accounts import AccountService
from dataconnect.services.groups import GroupService
from dataconnect.services.jobs import JobService
from dataconnect.services.tables import TableService

DEMO_ACCOUNT = "Demo"
DEMO_USER = "demo@example.com"

_CSV = {
    "delimiter": ",",
    "qualifier": '"',
    "header": True,
    "encoding": "utf-8",
    "date_format": "%Y-%m-%d",
}

DEMO_TABLES: list[dict[str, Any]] = [
    {
        "name": "CONTACTS",
        "kind": "profile_list",
        "fields": [{"name": "FIRST_NAME", "type": "text", "length": 50}],
    },
    {
        "name": "PURCHASES",
        "kind": "pet",
        "list": "CONTACTS",
        "fields": [
            {"name": "LAST_ORDER", "type": "date"},
            {"name": "LIFETIME_VALUE", "type": "number"},
        ],
    },
    {
        "name": "PRODUCTS",
        "kind": "supplemental",
        "fields": [
            {"name": "SKU", "type": "text", "length": 40},
            {"name": "TITLE", "type": "text"},
            {"name": "PRICE", "type": "number"},
        ],
        "primary_key": ["SKU"],
    },
]

DEMO_JOBS: list[dict[str, Any]] = [
    {
        "name": "Load contacts",
        "type": "import",
        "activate": True,
        "expires_at": "never",
        "import": {
            "file_pattern": "contacts_{YYYYMMDD}.csv",
            "format": _CSV,
            "target": "CONTACTS",
            "mapping": {
                "cust_id": "CUSTOMER_ID_",
                "email": "EMAIL_ADDRESS_",
                "first": "FIRST_NAME",
                "city": "CITY_",
            },
            "match": {
                "columns": ["CUSTOMER_ID_"],
                "insert_on_no_match": True,
                "update_on_match": "replace_all",
            },
        },
    },
    {
        "name": "Load purchases",
        "type": "import",
        "activate": True,
        "expires_at": "never",
        "import": {
            "file_pattern": "purchases_{YYYYMMDD}.csv",
            "format": _CSV,
            "target": "PURCHASES",
            "mapping": {
                "cust_id": "CUSTOMER_ID_",
                "last_order": "LAST_ORDER",
                "ltv": "LIFETIME_VALUE",
            },
            "match": {"columns": ["CUSTOMER_ID_"], "insert_on_no_match": True},
        },
    },
    {
        "name": "Load products",
        "type": "import",
        "activate": True,
        "expires_at": "never",
        "import": {
            "file_pattern": "products.csv",
            "format": _CSV,
            "target": "PRODUCTS",
            "mapping": {"sku": "SKU", "title": "TITLE", "price": "PRICE"},
            "supplemental_mode": "merge",
        },
    },
]


# Sample files, so Run Now of "Nightly load" succeeds at once (a successful import removes
# its file from upload/; starting `serve --demo` again puts missing ones back).
DEMO_FILES: dict[str, str] = {
    "contacts_{YYYYMMDD}.csv": (
        "cust_id,email,first,city\n"
        "C001,ada@example.com,Ada,London\n"
        "C002,grace@example.com,Grace,New York\n"
        "C003,alan@example.com,Alan,Manchester\n"
    ),
    "purchases_{YYYYMMDD}.csv": (
        "cust_id,last_order,ltv\nC001,2026-11-02,412.50\nC002,2026-10-18,89.90\n"
    ),
    "products.csv": (
        "sku,title,price\nSKU-1,Notebook,4.50\nSKU-2,Fountain pen,39.00\nSKU-3,Ink,7.25\n"
    ),
}


class DemoService:
    def __init__(
        self,
        accounts: AccountService,
        tables: TableService,
        jobs: JobService,
        groups: GroupService,
        files: FileServer,
        clock: Clock,
    ) -> None:
        self._accounts, self._tables, self._jobs, self._groups = accounts, tables, jobs, groups
        self._files, self._clock = files, clock

    def ensure(self) -> tuple[bool, str, str]:
        """Seed the demo account if missing and put back missing sample files; returns
        (created, a fresh API token, a fresh password for the web UI)."""
        created = False
        try:
            account = self._accounts.account_by_name(DEMO_ACCOUNT)
        except NotFound:
            self._seed()
            created = True
            account = self._accounts.account_by_name(DEMO_ACCOUNT)
        local = self._clock.now().astimezone(ZoneInfo(account.timezone))
        for pattern, text in DEMO_FILES.items():
            name = resolve_file_pattern(pattern, local)
            if not self._files.exists(account.id, "upload", name):
                self._files.put(account.id, "upload", name, [text.encode()], len(text))
        _, token = self._accounts.create_token(DEMO_ACCOUNT, DEMO_USER)
        # A new password at each start: the demo never ships a password everyone knows.
        password = self._accounts.set_password(DEMO_ACCOUNT, DEMO_USER)
        return created, token, password

    def _seed(self) -> None:
        self._accounts.create_account(DEMO_ACCOUNT, "Europe/Berlin")
        self._accounts.create_user(DEMO_ACCOUNT, DEMO_USER, "data_director")
        caller = self._accounts.cli_caller(DEMO_ACCOUNT)
        for table in DEMO_TABLES:
            self._tables.create(caller, table)
        job_ids = [self._jobs.create(caller, job).id for job in DEMO_JOBS]
        self._groups.create(
            caller,
            {
                "name": "Nightly load",
                "description": "Contacts first, then their purchases, then the catalogue",
                "job_ids": job_ids,
                "notification": {"when": "failure", "emails": [DEMO_USER]},
                "schedule": {"kind": "daily", "hour": 2, "slot": 0},
                "activate": True,
            },
        )
