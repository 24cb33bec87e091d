"""The compatibility API's bodies, for the OpenAPI document, in the original's camelCase names.

The routes answer plain dicts with these keys; ``response_model`` checks and documents them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

MAX_TRIGGER = 5  # job ids in one several-job trigger


class Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ConnectError(Camel):
    type: str
    title: str
    error_code: str
    detail: str
    error_details: list[Any]


class ConnectTriggerAnswer(Camel):
    job_run_id: int
    error_message: str
    success: bool


class ConnectLink(Camel):
    rel: str
    href: str
    method: str


class ConnectTriggerResult(Camel):
    job_id: int
    success: bool
    job_run_id: int | None
    error_message: str
    links: list[ConnectLink]


class ConnectRunStatus(Camel):
    job_run_status: str = Field(description="running, failed, succeeded or aborted")
    error_message: str
    errror_message: str = Field(
        alias="errrorMessage", description="errorMessage again, as spelled in the original doc"
    )
    records_processed: int
    records_added: int
    records_updated: int
    records_rejected: int
    duration_in_seconds: int | None


class ConnectRunStatusValue(Camel):
    value: str


class ConnectRunSummary(Camel):
    job_run_id: int
    job_name: str
    job_run_status: ConnectRunStatusValue
    duration_in_seconds: int | None
    job_start_time: str | None


class ConnectJob(Camel):
    job_id: int
    job_name: str
    job_type: str
    next_job_run: str | None  # always null for now (routes.list_jobs says why)
    last_job_run: str | None
    schedule_type: str
    active: bool
    running: bool


# The error answers of every route, by status (the router's ``responses``).
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ConnectError, "description": description}
    for status, description in (
        (400, "INVALID_PARAMETER, or the job cannot be triggered now"),
        (401, "UNAUTHORIZED, or CONNECT_DISABLED_FOR_USER"),
        (404, "CONNECT_JOB_NOT_FOUND or CONNECT_JOB_RUN_NOT_FOUND"),
    )
}


def body_doc(example: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The request body of a route that reads its body itself (``openapi_extra``)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


TRIGGER_ONE_BODY = body_doc({}, {"type": "object", "maxProperties": 0})
TRIGGER_MANY_BODY = body_doc(
    {"jobIds": [1, 2, 3]},
    {
        "type": "object",
        "required": ["jobIds"],
        "properties": {
            "jobIds": {
                "type": "array",
                "items": {"type": "integer"},
                "minItems": 1,
                "maxItems": MAX_TRIGGER,
                "uniqueItems": True,
            }
        },
    },
)
