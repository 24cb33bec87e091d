"""Import and export settings of jobs: the records, their checks against tables, their JSON.

``records`` is the one definition of the settings' shape; ``import_rules`` and
``export_rules`` check requests against the account's tables; ``to_dict`` / ``from_stored``
(from ``dataconnect.domain.plain``) are the JSON both ways. Import the names from here.
"""

from dataconnect.domain.job_settings.export_rules import parse_export_settings
from dataconnect.domain.job_settings.import_rules import mappable_fields, parse_import_settings
from dataconnect.domain.job_settings.records import (
    Destination,
    ExportCompression,
    ExportSettings,
    ImportSettings,
    MatchRule,
    PermissionDefault,
    PermissionRule,
    SupplementalMode,
    UpdateOnMatch,
)

__all__ = [
    "Destination",
    "ExportCompression",
    "ExportSettings",
    "ImportSettings",
    "MatchRule",
    "PermissionDefault",
    "PermissionRule",
    "SupplementalMode",
    "UpdateOnMatch",
    "mappable_fields",
    "parse_export_settings",
    "parse_import_settings",
]
