"""The account's SSH keys: which public keys may log in to its SFTP folders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from dataconnect.api.deps import MAX_ID, AppDep, CallerDep
from dataconnect.api.schemas import SshKeyCreate, SshKeyList, SshKeyPublic
from dataconnect.services.views import ssh_key_view

router = APIRouter(prefix="/api/v1/ssh-keys", tags=["ssh-keys"])
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="SSH key id")]


@router.post("", status_code=201, response_model=SshKeyPublic)
def add_ssh_key(payload: SshKeyCreate, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return ssh_key_view(app.ssh_keys.add(caller, payload.name, payload.public_key))


@router.get("", response_model=SshKeyList)
def list_ssh_keys(app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return {"items": [ssh_key_view(k) for k in app.ssh_keys.list(caller)]}


@router.get("/{key_id}", response_model=SshKeyPublic)
def get_ssh_key(key_id: KeyId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return ssh_key_view(app.ssh_keys.get(caller, key_id))


@router.delete("/{key_id}", status_code=204)
def remove_ssh_key(key_id: KeyId, app: AppDep, caller: CallerDep) -> Response:
    app.ssh_keys.remove(caller, key_id)
    return Response(status_code=204)
