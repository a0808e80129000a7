"""Visits (A13) through the API: list, book, confirm, cancel, record, add photos — the same services and
selectors as the pages; each answer carries the visit's clocks (A13.1 confirmation, A13.2 record)."""


import datetime as dt
from decimal import Decimal
from enum import Enum

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from kam.core.api_tools import Page50, meanings
from kam.core.bounds import BoundedDateTime
from kam.core.inputs import ApiId
from kam.customers.models import Contact
from kam.customers.selectors import customer_get
from kam.engagement import selectors, services
from kam.engagement.models import Material, VisitStatus
from kam.obligations.api import ClockOut, subject_clocks

router = Router(tags=["visits"])

MaterialEnum = Enum("MaterialEnum", {m.upper(): m for m in Material.values}, type=str)  # type: ignore[misc]


class VisitOut(Schema):
    id: int
    customer_id: int
    owner_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    materials: list[MaterialEnum] = Field(description="携带资料：" + meanings(Material))
    materials_labels: list[str] = Field(description="携带资料（中文）")
    status: VisitStatus = Field(description=meanings(VisitStatus))
    status_label: str = Field(description="状态（中文）")
    booked_at: dt.datetime
    confirmed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    recorded_at: dt.datetime | None
    purchase_plans: str
    usage_problems: str
    suggestions: str
    photos: int

    @staticmethod
    def resolve_photos(obj) -> int:
        return obj["photos"] if isinstance(obj, dict) else obj.n_photos

    @staticmethod
    def resolve_materials_labels(obj) -> list[str]:
        return obj["materials_labels"] if isinstance(obj, dict) else obj.get_materials_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj["status_label"] if isinstance(obj, dict) else obj.get_status_display()


class VisitDetailOut(VisitOut):
    clocks: list[ClockOut]


def _out(visit) -> dict:
    data = {f: getattr(visit, f) for f in VisitOut.model_fields
            if f not in ("photos", "materials_labels", "status_label")}
    data.update(photos=visit.photos.count(), materials_labels=visit.get_materials_display(),
                status_label=visit.get_status_display())
    data["clocks"] = subject_clocks(["A13.1", "A13.2"], customer_id=visit.customer_id, subject_type="visit",
                                    subject_id=visit.pk)
    return data


class VisitIn(Schema):
    customer_id: ApiId
    starts_at: BoundedDateTime
    ends_at: BoundedDateTime
    purpose: str
    materials: list[MaterialEnum] = Field([], description="携带资料：" + meanings(Material))
    override_reason: str = ""


class CancelIn(Schema):
    reason: str


class RecordIn(Schema):
    purchase_plans: str
    usage_problems: str
    suggestions: str
    summary: str = ""
    ended_at: BoundedDateTime | None = None
    contact_id: ApiId | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None


@router.get("/", response=list[VisitOut], summary="拜访列表（按权限范围，最近的在前）")
@paginate(Page50)
def visit_list(request: HttpRequest, mine: bool = False):
    qs = selectors.visits(user=request.user).annotate(n_photos=Count("photos"))
    if mine:
        qs = qs.filter(owner=request.user)
    return qs.order_by("-starts_at", "-id")


@router.post("/", response={201: VisitDetailOut}, summary="预约拜访（A13.1：至少提前 1 个工作日，不足须说明原因）")
def visit_book(request: HttpRequest, payload: VisitIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    visit = services.visit_book(actor=request.user, customer=customer, starts_at=payload.starts_at,
                                ends_at=payload.ends_at, purpose=payload.purpose,
                                materials=[m.value for m in payload.materials], override_reason=payload.override_reason)
    return Status(201, _out(visit))


@router.get("/{visit_id}", response=VisitDetailOut, summary="拜访与时限")
def visit_get(request: HttpRequest, visit_id: ApiId):
    return _out(selectors.visit_get(user=request.user, pk=visit_id))


@router.post("/{visit_id}/confirm", response=VisitDetailOut, summary="已与客户确认预约（A13.1）")
def visit_confirm(request: HttpRequest, visit_id: ApiId):
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    return _out(services.visit_confirm(actor=request.user, visit=visit))


@router.post("/{visit_id}/cancel", response=VisitDetailOut, summary="取消拜访（须说明原因）")
def visit_cancel(request: HttpRequest, visit_id: ApiId, payload: CancelIn):
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    return _out(services.visit_cancel(actor=request.user, visit=visit, reason=payload.reason))


@router.post("/{visit_id}/record", response=VisitDetailOut, summary="拜访记录（A13.2：24 小时内；采购计划、使用问题、改进建议）")
def visit_record(request: HttpRequest, visit_id: ApiId, payload: RecordIn):
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    contact = (Contact.objects.filter(pk=payload.contact_id, customer_id=visit.customer_id).first()
               if payload.contact_id else None)
    checkin = ((payload.latitude, payload.longitude, payload.accuracy_m)
               if payload.latitude is not None and payload.longitude is not None else None)
    visit = services.visit_record(actor=request.user, visit=visit, purchase_plans=payload.purchase_plans,
                                  usage_problems=payload.usage_problems, suggestions=payload.suggestions,
                                  summary=payload.summary, ended_at=payload.ended_at, contact=contact,
                                  checkin=checkin)
    return _out(visit)


@router.post("/{visit_id}/photos", response={201: VisitDetailOut}, summary="上传拜访照片")
def visit_photo(request: HttpRequest, visit_id: ApiId, photo: UploadedFile = File(...)):  # noqa: B008 - ninja
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    services.visit_photo_add(actor=request.user, visit=visit, upload=photo)
    return Status(201, _out(visit))
