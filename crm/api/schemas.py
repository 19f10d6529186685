"""What the API takes and gives: msgspec structs, named in the data model's snake_case."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from litestar.params import QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType

T = TypeVar("T")

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Kind = Literal["meeting", "call", "email", "visit", "event", "advisory", "other"]
CURSOR = r"^p[1-9][0-9]{0,5}$"
Cursor = Annotated[str | None, QueryParameter(pattern=CURSOR, description="`next` of the previous page")]


class Problem(Struct):
    """RFC 9457 problem details; `errors` names each invalid field (or query parameter) and what is wrong."""

    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str] | UnsetType = UNSET


class Page(Struct, Generic[T]):
    items: list[T]
    next: str | None = None  # the cursor of the next page; None on the last


class Company(Struct):
    id: int
    business_id: str | None
    name: str
    other_names: list[str]
    company_form: str
    industry_code: str
    industry_classification: str
    size_class: str
    website: str
    street: str
    postal_code: str
    city: str
    municipality_code: str
    country: str
    status: str
    responsible_advisor_id: int | None
    programmes: list[str]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class CompanySummary(Struct):
    id: int
    business_id: str | None
    name: str
    postal_code: str
    city: str
    status: str
    industry_code: str


class CompanyInput(Struct, forbid_unknown_fields=True):
    """A new company: only the name is required. Business ID in any written form (`1120389`, `FI01120389`)."""

    name: Annotated[str, Meta(max_length=300, examples=["Pöllösoft Oy"])]
    business_id: Annotated[str, Meta(max_length=40, examples=["0112038-9"])] | None = None
    other_names: list[Annotated[str, Meta(max_length=300)]] = []
    company_form: Annotated[str, Meta(max_length=100)] = ""
    industry_code: Annotated[str, Meta(max_length=10, examples=["62010"])] = ""
    size_class: Annotated[str, Meta(max_length=20)] = ""
    website: Annotated[str, Meta(max_length=300)] = ""
    street: Annotated[str, Meta(max_length=300)] = ""
    postal_code: Annotated[str, Meta(max_length=12, examples=["02150"])] = ""
    city: Annotated[str, Meta(max_length=100)] = ""
    country: Annotated[str, Meta(max_length=2)] = "FI"
    programmes: list[Annotated[str, Meta(max_length=50)]] = []


class CompanyPatch(Struct, forbid_unknown_fields=True):
    """Only the fields given change."""

    name: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    business_id: Annotated[str, Meta(max_length=40)] | None | UnsetType = UNSET
    other_names: list[Annotated[str, Meta(max_length=300)]] | UnsetType = UNSET
    company_form: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    industry_code: Annotated[str, Meta(max_length=10)] | UnsetType = UNSET
    size_class: Annotated[str, Meta(max_length=20)] | UnsetType = UNSET
    website: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    street: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    postal_code: Annotated[str, Meta(max_length=12)] | UnsetType = UNSET
    city: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    country: Annotated[str, Meta(max_length=2)] | UnsetType = UNSET
    status: Annotated[str, Meta(description="active or ceased")] | UnsetType = UNSET


class Role(Struct):
    company_id: int
    company_name: str
    role: str
    start_date: dt.date | None
    end_date: dt.date | None


class Contact(Struct):
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str
    title: str
    language: str
    roles: list[Role]


class ContactSummary(Struct):
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str
    title: str
    companies: list[str]


class RoleInput(Struct, forbid_unknown_fields=True):
    company_id: Id
    role: Annotated[str, Meta(max_length=200)] = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ContactInput(Struct, forbid_unknown_fields=True):
    first_name: Annotated[str, Meta(max_length=100)] = ""
    last_name: Annotated[str, Meta(max_length=100)] = ""
    email: Annotated[str, Meta(max_length=254, examples=["aino.virtanen@example.fi"])] | None = None
    phone: Annotated[str, Meta(max_length=40, examples=["+358 40 123 4567"])] = ""
    title: Annotated[str, Meta(max_length=200)] = ""
    language: Annotated[str, Meta(description="fi, sv, en or other")] = "fi"
    roles: list[RoleInput] = []


class ContactPatch(Struct, forbid_unknown_fields=True):
    first_name: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    last_name: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    email: Annotated[str, Meta(max_length=254)] | None | UnsetType = UNSET
    phone: Annotated[str, Meta(max_length=40)] | UnsetType = UNSET
    title: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET
    language: str | UnsetType = UNSET


class Interaction(Struct):
    """A confidential interaction of another department shows only that it exists: `hidden` is true and
    kind, subject, notes, advisor and follow-up are empty."""

    id: int
    company_id: int
    department: str
    date: dt.date
    kind: str
    subject: str
    notes: str
    advisor: str
    follow_up_date: dt.date | None
    follow_up_done: bool
    confidential: bool
    hidden: bool
    contact_ids: list[int]
    programmes: list[str]


class InteractionInput(Struct, forbid_unknown_fields=True):
    """Logged for the token user's department, by the token's user."""

    company_id: Id
    date: dt.date
    kind: Kind
    subject: Annotated[str, Meta(max_length=300)] = ""
    notes: Annotated[str, Meta(max_length=20000)] = ""
    confidential: bool = False
    contact_ids: list[Id] = []
    follow_up_date: dt.date | None = None
    programmes: list[Annotated[str, Meta(max_length=50)]] = []


class InteractionPatch(Struct, forbid_unknown_fields=True):
    date: dt.date | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    subject: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=20000)] | UnsetType = UNSET
    confidential: bool | UnsetType = UNSET
    follow_up_date: dt.date | None | UnsetType = UNSET
    follow_up_done: bool | UnsetType = UNSET


def given(patch: Struct) -> dict:
    """The fields a PATCH body set."""
    return {name: value for name in patch.__struct_fields__ if (value := getattr(patch, name)) is not UNSET}


def problems(*statuses: int) -> dict:
    """The problem responses an operation documents (besides 401 and 429, which every one can give)."""
    from litestar.openapi.datastructures import ResponseSpec

    described = {400: "The request is not JSON or not of the documented shape",
                 401: "No token, or one that is revoked or whose user is deactivated",
                 403: "The token's user may not do this", 404: "No such record",
                 409: "The record changed meanwhile", 422: "A value a rule refuses; `errors` names each field",
                 429: "Too many requests with this token in a minute"}
    return {status: ResponseSpec(data_container=Problem, description=described[status],
                                 media_type="application/problem+json", generate_examples=False)
            for status in sorted({400, 401, 422, 429, *statuses})}
