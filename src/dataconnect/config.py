"""Settings from DATACONNECT_* environment variables. Reading them builds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATACONNECT_", extra="ignore")

    home: Path = Field(
        default=Path(".dataconnect"), description="folder of the embedded databases and files"
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql://… for a clustered setup; unset: SQLite files in home",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    worker_slots: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="runs one worker runs at once; default 4 on PostgreSQL, 1 on SQLite, whose "
        "data file has one writer at a time (a second import would only wait for the first)",
    )
    lease_seconds: float = Field(
        default=10.0,
        ge=1.0,
        le=600.0,
        description="a run whose worker sent no sign of life for this long is taken over",
    )

    sftp_port: int = Field(
        default=2222,
        ge=0,
        le=65535,
        description="the built-in SFTP server's port (on host); 0 turns it off in serve",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="encrypts the secrets of outside servers at rest; required on PostgreSQL, "
        "generated once into home/secret.key for the embedded setup",
    )

    password_work: int = Field(
        default=2**14,
        ge=2**10,
        le=2**17,
        description="scrypt's N for new passwords (a power of two); lower it only for tests",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="where users reach this service (email links)"
    )
    smtp_host: str | None = Field(default=None, description="unset: emails are logged, not sent")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "DataConnect <dataconnect@localhost>"

    @property
    def slots(self) -> int:
        if self.worker_slots is not None:
            return self.worker_slots
        return 4 if self.is_postgres else 1

    @property
    def files_root(self) -> Path:
        return self.home / "files"

    @property
    def is_postgres(self) -> bool:
        return bool(self.database_url) and str(self.database_url).startswith("postgres")
