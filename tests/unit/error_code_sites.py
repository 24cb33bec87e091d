"""Where ``src/dataconnect`` raises or reports an error code: an ``ast`` scan of the source, for
``test_error_codes.py``.

A *site* is one code at one place, with the kind the place gives it:

- ``code=`` of an exception of ``dataconnect.errors`` (its class's kind) and the classes'
  ``code = "…"`` defaults;
- the code argument of the other carriers (``CARRIERS``): ``Problem(field, CODE, …)``, the CLI's
  ``fail``, the HTTP layers' ``problem``/``error``/``CompatError`` (with their status), the
  import engine's run failures, any ``error_code=``;
- the members of the failure enums (``FAILURE_ENUMS``);
- the values of the code tables (``TABLES``: pydantic's error types, Starlette's statuses);
- and, kind unknown, every other string literal that looks like a code (``NOT_CODES`` lists the
  few upper-case literals that are not codes).

A code given as a name is followed to its assignment in the function or to a module constant
(imported ones too); one passed on from elsewhere (``exc.code``, ``problems[0].code``) is the
business of the site that made it, and the few codes that only travel so are listed in ``UNSEEN``.
The registry itself (the package ``error_codes``) is not scanned.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dataconnect
from dataconnect.error_codes import EXCEPTION_KINDS, Kind

SRC = Path(dataconnect.__file__).resolve().parent
REGISTRY = SRC / "error_codes"  # the package that lists every code; never a site itself

LOOKS_LIKE_A_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")

# Upper-case literals of the source that are not error codes.
NOT_CODES = frozenset(
    {
        "DATACONNECT_ACCOUNT",  # cli: an environment variable
        "FIRST_NAME",  # demo and test tables' fields
        "LAST_ORDER",
        "LIFETIME_VALUE",
        "REJECT_REASON",  # the rejects file's column (its values are Reject codes)
        "SCHEDULE_LABELS",  # web: template globals
        "STATE_LABELS",
        "EMPTY_KEY",  # imports/plan.py: the row plan's own names for two Reject codes
        "TOO_LONG",
    }
)


@dataclass(frozen=True)
class Carrier:
    """A callable that takes a code: where the code is, and the kind it gives it."""

    kind: Kind
    position: int | None  # of the code among the positional arguments (None: keyword only)
    keyword: str = "code"
    status_at: int | None = None  # of the HTTP status, for the HTTP layers' own answers


EXCEPTIONS: dict[str, Kind] = {
    "DataConnectError": Kind.ERROR,
    **{cls.__name__: kind for cls, kind in EXCEPTION_KINDS.items()},
}

CARRIERS: dict[str, Carrier] = {
    **{name: Carrier(kind, None) for name, kind in EXCEPTIONS.items()},
    "Problem": Carrier(Kind.PROBLEM, 1),  # errors.py
    "_enum": Carrier(Kind.PROBLEM, 3),  # domain/requests.py: a Problem for a value not in an enum
    "fail": Carrier(Kind.CLI, 0),  # cli/common.py
    "problem": Carrier(Kind.HTTP, 1, status_at=0),  # api/errors.py
    "error": Carrier(Kind.HTTP, 1, status_at=0),  # api/compat/errors.py
    "CompatError": Carrier(Kind.HTTP, 1, status_at=0),  # api/compat/errors.py
    "_Failed": Carrier(Kind.RUN_FAILURE, 0, keyword="failure"),  # imports/engine.py
    "_fail": Carrier(Kind.RUN_FAILURE, 0, keyword="failure"),  # imports/engine.py
    "_outcome": Carrier(Kind.RUN_FAILURE, 1),  # imports/engine.py (self not counted)
    "_end_group": Carrier(Kind.RUN_FAILURE, 4),  # services/group_handler.py (self not counted)
    "_failed": Carrier(Kind.RUN_FAILURE, 0),  # services/job_handler.py
}
ANY_ERROR_CODE = Carrier(Kind.RUN_FAILURE, None, keyword="error_code")  # a run's column

# Take a code only to hand on one they were given: their callers are the sites.
PASS_THROUGH = frozenset(
    {
        "JobRun",  # domain/runs.py, read from the store
        "GroupRun",
        "JobRunPublic",  # api/schemas.py, from the services' views
        "StepPublic",
        "GroupRunPublic",
        "ConnectError",  # api/compat/shapes.py, the OpenAPI document of the error body
        "ShownError",  # web/wizard.py, a problem shown on its step
        "ImportOutcome",  # imports/engine.py: error_code= (ANY_ERROR_CODE) covers it
        "RunOutcome",  # domain/runs.py: the same record
        "__init__",  # errors.py: ValidationFailed hands its lone problem's code to its base
    }
)

FAILURE_ENUMS = {
    "Reject": Kind.REJECT,  # domain/imports.py
    "RunFailure": Kind.RUN_FAILURE,
    "ExportFailure": Kind.RUN_FAILURE,  # domain/exports.py
}

# Dicts whose values are codes; an int key is the status the code is answered with. Any other
# dict literal named *codes is reported, so that a new table is declared here.
TABLES = {
    "_PYDANTIC_CODES": Kind.PROBLEM,  # api/errors.py: pydantic's error types, as field codes
    "codes": Kind.HTTP,  # api/errors.py: Starlette's errors by status
    "HTTP_CODES": Kind.HTTP,  # api/compat/errors.py: the same, in the original's shape
}

# What the scan cannot see, because the code travels in a variable: (code, kind) → where.
UNSEEN = {
    **{
        (code, Kind.RUN_FAILURE): (
            "services/export_executor.py: a delivery to a connection that fails with the "
            "remote client's (or the connection service's) error fails the run with its code"
        )
        for code in (
            "CONNECTION_NOT_FOUND",
            "SECRET_UNREADABLE",
            "SFTP_AUTH_FAILED",
            "SFTP_HOST_KEY_CHANGED",
            "SFTP_REMOTE_NOT_FOUND",
            "SFTP_TRANSFER_FAILED",
            "SFTP_UNREACHABLE",
        )
    },
    ("JOB_ALREADY_RUNNING", Kind.RUN_FAILURE): (
        "services/work.py: a group run whose step the store refuses (a Conflict) fails with "
        "the Conflict's code"
    ),
}


@dataclass(frozen=True)
class Site:
    code: str
    kind: Kind | None  # None: a literal that only looks like a code
    where: str  # path:line under src/dataconnect
    status: int | None = None  # the HTTP status given with it (HTTP carriers and tables)
    carrier: str = ""

    def __str__(self) -> str:
        kind = self.kind.value if self.kind is not None else "literal"
        status = f" {self.status}" if self.status is not None else ""
        return f"{self.code} ({kind}{status}, {self.carrier or '-'}) at {self.where}"


@dataclass(frozen=True)
class Module:
    name: str  # dotted
    rel: str  # path under src/dataconnect
    tree: ast.Module

    @functools.cached_property
    def constants(self) -> dict[str, str]:
        """Module-level ``NAME = "text"``."""
        out = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        out[target.id] = node.value.value
        return out

    @functools.cached_property
    def imported(self) -> dict[str, tuple[str, str]]:
        """``from x import NAME`` → (x, NAME)."""
        out = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    out[alias.asname or alias.name] = (node.module, alias.name)
        return out


@functools.cache
def modules() -> tuple[Module, ...]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if REGISTRY in path.parents:
            continue
        rel = path.relative_to(SRC).as_posix()
        dotted = "dataconnect." + rel.removesuffix(".py").replace("/", ".")
        dotted = dotted.removesuffix(".__init__")
        found.append(Module(dotted, rel, ast.parse(path.read_text(encoding="utf-8"))))
    return tuple(found)


@functools.cache
def _by_name() -> dict[str, Module]:
    return {m.name: m for m in modules()}


@functools.cache
def enum_members() -> dict[str, dict[str, str]]:
    """The failure enums' members: {enum: {member: value}}."""
    out: dict[str, dict[str, str]] = {}
    for module in modules():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef) and node.name in FAILURE_ENUMS:
                members = out.setdefault(node.name, {})
                for item in node.body:
                    if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant):
                        name = item.targets[0]
                        if isinstance(name, ast.Name) and isinstance(item.value.value, str):
                            members[name.id] = item.value.value
    return out


def callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class _Scan(ast.NodeVisitor):
    def __init__(self, module: Module) -> None:
        self.module = module
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.classes: list[ast.ClassDef] = []
        self.sites: list[Site] = []
        self.unknown: list[str] = []  # code= given to a callable that is not a carrier

    # --- resolving an expression to the codes it can be -----------------------------------

    def codes(self, expr: ast.expr, seen: frozenset[str] = frozenset()) -> list[str]:
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else []
        if isinstance(expr, ast.IfExp):
            return self.codes(expr.body, seen) + self.codes(expr.orelse, seen)
        if isinstance(expr, ast.BoolOp):
            return [code for value in expr.values for code in self.codes(value, seen)]
        if isinstance(expr, ast.Call) and callee(expr) == "get" and len(expr.args) == 2:
            return self.codes(expr.args[1], seen)  # table.get(key, DEFAULT)
        if isinstance(expr, ast.Attribute):
            target = expr.value if expr.attr == "value" else expr
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                members = enum_members().get(target.value.id, {})
                if target.attr in members:
                    return [members[target.attr]]
            return []
        if isinstance(expr, ast.Name) and expr.id not in seen:
            return self.name(expr.id, seen | {expr.id})
        return []

    def name(self, name: str, seen: frozenset[str]) -> list[str]:
        if self.functions:
            values = [
                node.value
                for node in ast.walk(self.functions[-1])
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ]
            if values:
                return [code for value in values for code in self.codes(value, seen)]
        if name in self.module.constants:
            return [self.module.constants[name]]
        if name in self.module.imported:
            source, original = self.module.imported[name]
            other = _by_name().get(source)
            if other is not None and original in other.constants:
                return [other.constants[original]]
        return []

    @staticmethod
    def status(expr: ast.expr | None) -> int | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, int):
            return expr.value
        return None

    def add(
        self, expr: ast.expr, kind: Kind, line: int, carrier: str, status: int | None = None
    ) -> None:
        where = f"{self.module.rel}:{line}"
        for code in self.codes(expr):
            self.sites.append(Site(code, kind, where, status, carrier))

    # --- the visit ------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for item in node.body:
            if not isinstance(item, ast.Assign):
                continue
            is_code = any(isinstance(t, ast.Name) and t.id == "code" for t in item.targets)
            if node.name in EXCEPTIONS and is_code:  # the class's default: carrier X.code
                kind = EXCEPTIONS[node.name]
                self.add(item.value, kind, item.lineno, carrier=f"{node.name}.code")
            if node.name in FAILURE_ENUMS:
                self.add(item.value, FAILURE_ENUMS[node.name], item.lineno, carrier=node.name)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Name) or not isinstance(node.value, ast.Dict):
                continue
            if target.id in TABLES:
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    status = self.status(key)
                    kind = TABLES[target.id]
                    self.add(value, kind, node.lineno, status=status, carrier=target.id)
            elif target.id.lower().endswith("codes"):
                self.unknown.append(f"table {target.id} at {self.module.rel}:{node.lineno}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = callee(node)
        carrier = CARRIERS.get(name or "")
        line = node.lineno
        for keyword in node.keywords:
            if keyword.arg == "error_code":
                self.add(keyword.value, ANY_ERROR_CODE.kind, line, carrier=name or "")
            elif carrier is not None and keyword.arg == carrier.keyword:
                status = self._status_of(node, carrier)
                self.add(keyword.value, carrier.kind, line, status=status, carrier=name)
            elif keyword.arg == "code" and name not in PASS_THROUGH:
                value = keyword.value
                if not (isinstance(value, ast.Constant) and not isinstance(value.value, str)):
                    self.unknown.append(f"{name}(code=…) at {self.module.rel}:{line}")
        at = carrier.position if carrier is not None else None
        if carrier is not None and at is not None and len(node.args) > at:
            status = self._status_of(node, carrier)
            self.add(node.args[at], carrier.kind, line, carrier=name or "", status=status)
        self.generic_visit(node)

    def _status_of(self, node: ast.Call, carrier: Carrier) -> int | None:
        if carrier.status_at is None or len(node.args) <= carrier.status_at:
            return None
        return self.status(node.args[carrier.status_at])

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        looks = isinstance(value, str) and LOOKS_LIKE_A_CODE.fullmatch(value) is not None
        if looks and value not in NOT_CODES:
            self.sites.append(Site(value, None, f"{self.module.rel}:{node.lineno}"))


@functools.cache
def scan() -> tuple[tuple[Site, ...], tuple[str, ...]]:
    sites: list[Site] = []
    unknown: list[str] = []
    for module in modules():
        visitor = _Scan(module)
        visitor.visit(module.tree)
        sites += visitor.sites
        unknown += visitor.unknown
    return tuple(sites), tuple(unknown)


def sites() -> tuple[Site, ...]:
    return scan()[0]


def typed_sites() -> Iterator[Site]:
    return (site for site in sites() if site.kind is not None)


def code_parameters() -> set[str]:
    """Every function and class of the source that takes a ``code`` or ``error_code``."""
    out = set()
    for module in modules():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "__init__":
                args = node.args
                names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
                if names & {"code", "error_code"}:
                    out.add(node.name)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    target = item.target if isinstance(item, ast.AnnAssign) else None
                    if isinstance(target, ast.Name) and target.id in ("code", "error_code"):
                        out.add(node.name)
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        args = item.args
                        names = {a.arg for a in args.args + args.kwonlyargs}
                        if names & {"code", "error_code"}:
                            out.add(node.name)
    return out
