"""The JSON API. It goes through the same access helpers and services as the pages."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from sotclinic.api.schema import REFUSED_ANYWAY, visit_patch_model
from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.access import get_visit
from sotclinic.clinic.models import User
from sotclinic.sot import default_kb
from sotclinic.visits.models import Visit
from sotclinic.visits.services import VisitLocked, draft_from_visit, visit_save_draft

api = NinjaAPI(title="sotclinic API", version="1", auth=django_auth, urls_namespace="api")


class AmendmentOut(Schema):
    reason: str
    text: str
    signed_at: datetime.datetime
    author: str


class VisitOut(Schema):
    id: str
    patient: str
    date: datetime.date
    status: str
    complaint: str
    pain: int | None
    subjective: str
    findings: list[dict[str, Any]]
    assessment: dict[str, Any]
    knowledge_version: str
    category: str
    override_reason: str
    protocol: dict[str, Any]
    blocking: dict[str, Any]
    recheck: dict[str, str]
    plan: str
    signed_at: datetime.datetime | None
    content_hash: str
    amendments: list[AmendmentOut]


if TYPE_CHECKING:
    VisitPatch = Schema
else:
    # built from the knowledge base at start-up (its indicators, sides, results, ranges and categories)
    VisitPatch = visit_patch_model(default_kb())


class ErrorOut(Schema):
    # a sentence, our field -> messages, or django-ninja's own validation errors ([{"loc", "msg", "type"}, ...])
    detail: str | dict[str, list[str]] | list[dict[str, Any]]


def _user(request: HttpRequest) -> User:
    """django_auth has let only signed-in users this far."""
    user = request.user
    assert isinstance(user, User)
    return user


def _out(visit: Visit) -> dict[str, Any]:
    return {
        "id": str(visit.pk),
        "patient": str(visit.patient_id),
        "date": visit.date,
        "status": visit.status,
        "complaint": visit.complaint,
        "pain": visit.pain,
        "subjective": visit.subjective,
        "findings": visit.findings,
        "assessment": visit.assessment,
        "knowledge_version": visit.knowledge_version,
        "category": visit.category,
        "override_reason": visit.override_reason,
        "protocol": visit.protocol,
        "blocking": visit.blocking,
        "recheck": visit.recheck,
        "plan": visit.plan,
        "signed_at": visit.signed_at,
        "content_hash": visit.content_hash,
        "amendments": [
            {"reason": a.reason, "text": a.text, "signed_at": a.signed_at, "author": a.author.display_name}
            for a in visit.amendments.select_related("author")
        ],
    }


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    status = 409 if isinstance(exc, VisitLocked) else 403
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.get("/visits/{uuid:visit_id}", response={200: VisitOut, 403: ErrorOut, 404: ErrorOut})
def read_visit(request: HttpRequest, visit_id: uuid.UUID) -> dict[str, Any]:
    visit = get_visit(_user(request), visit_id)
    with transaction.atomic():
        audit_record(
            actor=_user(request),
            action=Action.VISIT_VIEW,
            patient=visit.patient,
            obj=visit,
            detail={"via": "api"},
        )
    return _out(visit)


_REFUSED = "; ".join(REFUSED_ANYWAY.values())


@api.patch(
    "/visits/{uuid:visit_id}",
    response={200: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "responses": {
            400: {"description": "The body is not JSON."},
            409: {
                "description": "The note is signed and locked: add an amendment on the visit page instead."
            },
            422: {
                "description": "Refused, nothing saved. A body the schema does not allow, or one it allows but "
                f"the visit services refuse for a reason JSON Schema cannot say: {_REFUSED}. "
                'The detail maps each field to its messages (e.g. {"findings": ["finding 2 (pelvic_sway): '
                "value 99 is outside 0–10 cm\"]}), or is django-ninja's list of validation errors."
            },
        }
    },
)
def patch_visit(request: HttpRequest, visit_id: uuid.UUID, payload: VisitPatch) -> dict[str, Any]:
    visit = get_visit(_user(request), visit_id)
    if visit.is_signed:
        raise VisitLocked()
    draft = draft_from_visit(visit)
    for key in payload.model_fields_set:
        value = getattr(payload, key)
        setattr(draft, key, value if value is not None or key == "pain" else getattr(draft, key))
    visit = visit_save_draft(visit=visit, by=_user(request), draft=draft)
    return _out(visit)
