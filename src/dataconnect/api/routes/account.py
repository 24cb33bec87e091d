from __future__ import annotations

from fastapi import APIRouter

from dataconnect.api.deps import AppDep, CallerDep
from dataconnect.api.schemas import AccountPublic
from dataconnect.services.views import account_view

router = APIRouter(tags=["account"])


@router.get("/healthz", tags=["health"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/v1/account", response_model=AccountPublic)
def get_account(app: AppDep, caller: CallerDep) -> dict[str, object]:
    return account_view(app.accounts.account(caller), app.sftp_access.endpoint(caller))
