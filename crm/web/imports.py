"""/imports for admins: upload, mapping, preview with a dry run, run in the background with live
progress, result with the error file and revert, history. The importer is the CLI's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Response, Stream, Template

from crm.domain.problems import rule_message
from crm.errors import Invalid
from crm.importing import batches, jobs, rowfile, uploads
from crm.i18n import request_language
from crm.importing.mapping import FIELDS
from crm.services import audit, reads
from crm.web.auth import csrf_header_required, requires_role
from crm.web.render import download_stream, form_data, int_or_none, is_htmx, page, see_other

ADMIN = requires_role("admin")
UPLOAD_CHUNK = 1 << 20


def _settings(request: Request):
    return request.app.state.settings


def _file_order(columns: set[str], mapping: dict[int, str]) -> list[str]:
    """The preview's columns in the file's order (by the column each field came from); a value the
    rules derived ('municipality_code' from a postal code, a nested 'company.name') after its source,
    or at the end."""
    position = {field: index for index, field in sorted(mapping.items(), reverse=True)}

    def where(column: str) -> tuple[float, str]:
        head, _, tail = column.partition(".")
        for name in (column, tail, f"{head}_{tail}"):
            if name in position:
                return position[name], column
        return float("inf"), column

    return sorted(columns, key=where)


class ImportController(Controller):
    path = "/imports"
    guards = [ADMIN]

    @get("/")
    async def list_imports(self, request: Request) -> Template:
        number = int_or_none(request.query_params.get("page")) or 1
        history = await batches.history(page=number)
        return page("imports/index.html", history=history, departments=(await reads.choices())["departments"],
                    errors={}, values={})

    @post("/upload", guards=[csrf_header_required], exclude_from_csrf=True,
          request_max_body_size=1024 * 2**20)
    async def upload(
        self, request: Request,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template | Response:
        settings = _settings(request)
        file = data.get("file")
        values = {"kind": str(data.get("kind", "")), "department": str(data.get("department", ""))}

        async def chunks():
            while chunk := await file.read(UPLOAD_CHUNK):
                yield chunk

        try:
            if not isinstance(file, UploadFile):
                raise Invalid({"file": rule_message("Choose a file to upload")})
            upload_id = await uploads.save_upload(
                chunks=chunks(), file_name=file.filename, kind=values["kind"], department=values["department"],
                user_id=request.user.id, upload_dir=settings.upload_dir,
                max_bytes=settings.max_upload_mb * 2**20)
        except Invalid as error:
            return page("imports/index.html", status_code=422, history=await batches.history(),
                        departments=(await reads.choices())["departments"], errors=error.field_errors, values=values)
        return see_other(request, f"/imports/uploads/{upload_id}")

    @get("/uploads/{upload_id:int}")
    async def show_mapping(self, request: Request, upload_id: FromPath[int]) -> Template:
        return await _mapping_page(request, upload_id, errors={})

    @post("/uploads/{upload_id:int}/encoding")
    async def choose_encoding(self, request: Request, upload_id: FromPath[int]) -> Template | Response:
        """The admin's choice when detection could not settle the encoding."""
        data = await form_data(request)
        try:
            await uploads.set_encoding(upload_id, str(data.get("encoding", "")),
                                       upload_dir=_settings(request).upload_dir, actor_id=request.user.id)
        except Invalid as error:
            return await _mapping_page(request, upload_id, errors=error.field_errors, status_code=422)
        return see_other(request, f"/imports/uploads/{upload_id}")

    @post("/uploads/{upload_id:int}/mapping")
    async def save_mapping(self, request: Request, upload_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        if data.get("profile_id"):
            await uploads.apply_profile(upload_id, int_or_none(data["profile_id"]) or 0)
            return see_other(request, f"/imports/uploads/{upload_id}")
        chosen = {int(key.removeprefix("column-")): str(value) or None
                  for key, value in data.items() if key.startswith("column-") and key[7:].isdigit()}
        try:
            await uploads.set_mapping(upload_id, chosen, profile_name=str(data.get("profile_name", "")),
                                      actor_id=request.user.id)
        except Invalid as error:
            return await _mapping_page(request, upload_id, errors=error.field_errors, chosen=chosen,
                                       status_code=422)
        await jobs.start(upload_id, dry_run=True, actor_id=request.user.id, upload_dir=_settings(request).upload_dir)
        return see_other(request, f"/imports/uploads/{upload_id}/preview")

    @get("/uploads/{upload_id:int}/preview")
    async def preview(self, request: Request, upload_id: FromPath[int]) -> Template:
        settings = _settings(request)
        upload = await uploads.get_upload(upload_id)
        if uploads.file_removed(upload):
            return page("imports/removed.html", upload=upload)
        try:
            rows, _ = await uploads.preview(upload, settings.upload_dir)
            file_error = None
        except Invalid as error:
            rows, file_error = [], error.field_errors.get("file")
        columns = _file_order({key for row in rows for key in row["values"]}, upload["mapping"])
        listed = dict((line, reason) for line, reason in (upload["dry_run"] or {}).get("listed", []))
        return page("imports/preview.html", status_code=422 if file_error else 200, upload=upload, rows=rows,
                    columns=columns, listed=listed, file_error=file_error, progress=jobs.read_progress(settings.upload_dir, upload_id),
                    background=_viewed(request, "import_upload", upload_id))

    @get("/uploads/{upload_id:int}/status")
    async def status(self, request: Request, upload_id: FromPath[int]) -> Template | Response:
        """Polled by htmx while a run goes: progress, then the outcome."""
        settings = _settings(request)
        upload = await uploads.get_upload(upload_id)
        if upload["status"] == "done" and upload["batch"] and is_htmx(request):
            return Response(content=b"", headers={"HX-Redirect": f"/imports/{upload['batch']}"})
        return page("imports/_status.html" if is_htmx(request) else "imports/running.html", upload=upload,
                    progress=jobs.read_progress(settings.upload_dir, upload_id))

    @post("/uploads/{upload_id:int}/run")
    async def run(self, request: Request, upload_id: FromPath[int]) -> Response:
        await jobs.start(upload_id, dry_run=False, actor_id=request.user.id, upload_dir=_settings(request).upload_dir)
        return see_other(request, f"/imports/uploads/{upload_id}/status")

    @get("/{batch_id:int}")
    async def show_batch(self, request: Request, batch_id: FromPath[int]) -> Template:
        batch = await batches.get_batch(batch_id)
        row_errors = await batches.row_errors(batch_id, limit=20)
        return page("imports/batch.html", batch=batch, row_errors=row_errors,  # the rows quote the file's cells
                    background=_viewed(request, "import_batch", batch_id) if row_errors else None)

    @get("/{batch_id:int}/errors.csv")
    async def error_file(self, request: Request, batch_id: FromPath[int]) -> Stream:
        """The rows the batch could not take: line, reason and the original cells, streamed from the
        database a page at a time."""
        batch = await batches.get_batch(batch_id)
        return download_stream(rowfile.stream(batch, request_language(request)), f"errors-{batch_id}-{Path(batch['file_name']).stem}.csv",
                               background=_viewed(request, "import_batch", batch_id))

    @post("/{batch_id:int}/revert")
    async def revert(self, request: Request, batch_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        if not data.get("confirm"):
            return page("imports/batch.html", status_code=422, batch=await batches.get_batch(batch_id),
                        row_errors=await batches.row_errors(batch_id, limit=20), confirm_error=True)
        await batches.revert_batch(batch_id, actor_id=request.user.id)
        return see_other(request, f"/imports/{batch_id}")


async def _mapping_page(request: Request, upload_id: int, *, errors: dict, chosen: dict | None = None,
                        status_code: int = 200) -> Template:
    """The mapping, or first what the file needs before it can be mapped (its encoding), or the
    notice that its file is gone."""
    upload_dir = _settings(request).upload_dir
    upload = await uploads.get_upload(upload_id)
    if uploads.file_removed(upload):
        return page("imports/removed.html", upload=upload)
    if uploads.needs_encoding(upload):
        choices = await uploads.encoding_candidates(upload, upload_dir)
        return page("imports/encoding.html", status_code=status_code, upload=upload, choices=choices, errors=errors,
                    background=_viewed(request, "import_upload", upload_id))
    try:
        _, samples = await uploads.preview(upload, upload_dir, limit=3)
    except Invalid as error:
        samples, errors, status_code = [], {**errors, **error.field_errors}, 422
    return page("imports/mapping.html", status_code=status_code, upload=upload, samples=samples,
                fields=FIELDS[upload["kind"]], chosen=chosen if chosen is not None else upload["mapping"],
                profiles=await uploads.list_profiles(upload["kind"]), errors=errors,
                background=_viewed(request, "import_upload", upload_id))


def _viewed(request: Request, entity: str, entity_id: int) -> BackgroundTask:
    """The use log: an admin saw the file's cells (personal data). Written after the response, so a
    page viewed while an import holds SQLite's write lock (the preview during its dry run) is not
    held up by it."""
    return BackgroundTask(audit.record_eventually, action="view", entity=entity, entity_id=entity_id,
                          actor_id=request.user.id)
