"""/duplicates: candidate pairs side by side, merge with a value chosen per field, "not the same",
and the merge history with undo. Managers and admins only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from crm.dedupe import find as finder
from crm.dedupe import merge as merging
from crm.errors import Conflict, Invalid, NotFound
from crm.services import audit
from crm.web.auth import requires_role
from crm.web.render import form_data, int_or_none, page, see_other

SHOWN = 50
NOTICES = ("merged", "unmerged", "not_same")


def _kind(value: Any) -> str:
    return "contacts" if value in ("contacts", "contact") else "companies"


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


class DuplicateController(Controller):
    path = "/duplicates"
    guards = [requires_role("manager", "admin")]

    @get("/")
    async def list_duplicates(self, request: Request) -> Template:
        params = request.query_params
        kind = _kind(params.get("kind"))
        record_id = int_or_none(params.get("company")) if kind == "companies" else None
        candidates = await finder.find(kind, record_id=record_id)
        done = params.get("done", "")
        return page("duplicates/index.html", kind=kind, candidates=candidates[:SHOWN], total=len(candidates),
                    record_id=record_id, merges=await merging.history(finder.kind_of(kind), limit=20),
                    done=done if done in NOTICES else "", merge_id=int_or_none(params.get("merge")))

    @get("/compare")
    async def compare_records(self, request: Request) -> Template:
        params = request.query_params
        first, second = int_or_none(params.get("a")), int_or_none(params.get("b"))
        if first is None or second is None or first == second:
            raise NotFound("Choose two different records to compare")
        return await self._compare(_kind(params.get("kind")), first, second, actor_id=request.user.id)

    async def _compare(self, kind: str, first: int, second: int, *, actor_id: int, error: Any = "",
                       status_code: int = 200,
                       keep: str = "a", picked: dict[str, str] | None = None) -> Template:
        pair = await finder.side_by_side(kind, first, second)
        if kind == "contacts":  # the use log: two people's data shown
            for record_id in (first, second):
                await audit.record_now(action="view", entity="contact", entity_id=record_id,
                                       actor_id=actor_id)
        candidate = await finder.pair(kind, first, second)
        a, b = pair["records"]
        fields = []
        for field in pair["fields"]:
            value_a, value_b = a["row"].get(field), b["row"].get(field)
            default = "b" if value_a in (None, "") and value_b not in (None, "") else "a"
            fields.append({"name": field, "a": value_a, "b": value_b, "same": value_a == value_b,
                           "pick": (picked or {}).get(field, default)})
        return page("duplicates/compare.html", status_code=status_code, kind=kind, a=a, b=b, fields=fields,
                    candidate=candidate, error=error, keep=keep)

    @post("/merge")
    async def merge_records(self, request: Request) -> Template | Response:
        data = await form_data(request)
        kind = _kind(_text(data, "kind"))
        first, second = int_or_none(_text(data, "a")), int_or_none(_text(data, "b"))
        if first is None or second is None:
            raise NotFound("Choose two different records to compare")
        keep = "b" if _text(data, "keep") == "b" else "a"
        kept, other = (first, second) if keep == "a" else (second, first)
        picked = {field: "b" if _text(data, f"pick_{field}") == "b" else "a" for field in merging.fields_of(
            finder.kind_of(kind))}
        choices = {field: "kept" if side == keep else "merged" for field, side in picked.items()}
        expected = {first: _text(data, "version_a"), second: _text(data, "version_b")}
        try:
            result = await merging.merge(finder.kind_of(kind), kept, other, choices=choices, expected=expected,
                                         actor_id=request.user.id)
        except (Conflict, Invalid) as error:
            message = error.args[0] if isinstance(error, Conflict) else next(iter(error.field_errors.values()))
            return await self._compare(kind, first, second, actor_id=request.user.id, error=message,
                                       status_code=409, keep=keep, picked=picked)
        return see_other(request, f"/duplicates?kind={kind}&done=merged&merge={result['merge_id']}")

    @post("/not-same")
    async def mark_not_same(self, request: Request) -> Response:
        data = await form_data(request)
        kind = _kind(_text(data, "kind"))
        first, second = int_or_none(_text(data, "a")), int_or_none(_text(data, "b"))
        if first is None or second is None:
            raise NotFound("Choose two different records to compare")
        await finder.mark_not_same(kind, first, second, actor_id=request.user.id)
        return see_other(request, f"/duplicates?kind={kind}&done=not_same")

    @post("/merges/{merge_id:int}/undo")
    async def undo_merge(self, request: Request, merge_id: FromPath[int]) -> Response:
        data = await form_data(request)
        result = await merging.unmerge(merge_id, actor_id=request.user.id)
        kind = _kind(_text(data, "kind"))
        return see_other(request, f"/duplicates?kind={kind}&done=unmerged&merge={result['merge_id']}")
