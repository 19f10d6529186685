"""Read and normalise a file chunk by chunk, ahead of the database writes.

A big file is prepared in a second process: Python runs one thread at a time, and the driver
holds that lock while it binds each row's values, so a thread cannot run beside the writes, while
a process works on the other core. Starting it takes a fraction of a second, so a small file is
prepared in a thread. Both run `prepared_chunks`; only the way the chunks travel differs.

The second process is started with "spawn": it imports the main module again, so a script that
calls import_file() must keep its own work under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import traceback
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterator, Mapping

from crm.importing.normalize import RowError, mapped, normalize_row
from crm.importing.read import SourceFile, Unreadable, estimate_rows

log = logging.getLogger(__name__)
PROCESS_MIN_ROWS = 20_000  # files of about this many rows or more are prepared in a second process
DEFAULT_GC_THRESHOLD = gc.get_threshold()

Good = list[tuple[int, list, Any]]  # (line, cells, clean values)
Failed = list[tuple[int, list, str]]  # (line, cells, reason)
Prepared = tuple[int, Good, Failed, Failed]  # rows read, the good ones, the failed ones, the warnings


def prepare_chunk(chunk: list, kind: str, mapping: Mapping[int, str], width: int) -> Prepared:
    good: Good = []
    failed: Failed = []
    warned: Failed = []  # kept rows with a value dropped: (line, cells, what and why)
    for line, cells in chunk:
        try:
            values = normalize_row(kind, mapped((line, cells), mapping, width))
        except RowError as error:
            failed.append((line, cells, error.reason))
            continue
        if "warnings" in values:
            warned.append((line, cells, values.pop("warnings")))
        good.append((line, cells, values))
    return len(chunk), good, failed, warned


def prepared_chunks(source: SourceFile, kind: str, mapping: Mapping[int, str], chunk_rows: int) -> Iterator[Prepared]:
    width = len(source.headers)
    for chunk in source.chunks(chunk_rows):
        yield prepare_chunk(chunk, kind, mapping, width)


@asynccontextmanager
async def chunks_of(source: SourceFile, kind: str, mapping: Mapping[int, str], chunk_rows: int,
                    ) -> AsyncIterator[AsyncIterator[Prepared]]:
    """The file's prepared chunks, the next one read while the caller writes this one. Leaving the
    block stops the reading (a failed batch does not wait for the rest of the file)."""
    if (await asyncio.to_thread(estimate_rows, source) or 0) >= PROCESS_MIN_ROWS:
        async with _from_process(source, kind, mapping, chunk_rows) as chunks:
            yield chunks
    else:
        async with _from_thread(source, kind, mapping, chunk_rows) as chunks:
            yield chunks


async def _ahead(receive, stop=None) -> AsyncIterator[Prepared]:
    """Chunks from `receive` (blocking; None at the end), each asked for while the last is used.
    On the way out (the end, a failure, a cancelled task) `stop` runs first, then the receiving
    thread is waited for: its source must not close under it."""
    pending = asyncio.ensure_future(asyncio.to_thread(receive))
    try:
        while (prepared := await asyncio.shield(pending)) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(receive))
            yield prepared
    finally:
        if stop and not pending.done():
            stop()
        await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # read: the caller's own error is the one that counts


@asynccontextmanager
async def _from_thread(source, kind, mapping, chunk_rows):
    chunks = prepared_chunks(source, kind, mapping, chunk_rows)
    stream = _ahead(lambda: next(chunks, None))
    try:
        yield stream
    finally:
        await stream.aclose()
        chunks.close()


_collecting = 0  # batches running in this process with few_collections()


@asynccontextmanager
async def few_collections() -> AsyncIterator[None]:
    """A batch makes millions of short-lived objects and no reference cycles: the garbage collector's
    passes over every object in memory, triggered by that many allocations, cost about a sixth of
    the batch's time. While batches run, it collects less often."""
    global _collecting
    if _collecting == 0:
        gc.set_threshold(100_000, 50, 100)
    _collecting += 1
    try:
        yield
    finally:
        _collecting -= 1
        if _collecting == 0:
            gc.set_threshold(*DEFAULT_GC_THRESHOLD)


def _produce(connection, source: SourceFile, kind: str, mapping: Mapping[int, str], chunk_rows: int) -> None:
    """The second process: send each prepared chunk, then ("end", None), or what went wrong."""
    gc.set_threshold(100_000, 50, 100)  # see few_collections()
    try:
        for prepared in prepared_chunks(source, kind, mapping, chunk_rows):
            connection.send(("chunk", prepared))
        connection.send(("end", None))
    except Unreadable as error:
        connection.send(("unreadable", error.message))  # a Message, pickled whole
    except BaseException as error:  # the parent logs it and rolls the batch back
        connection.send(("failed", (f"{type(error).__name__}: {error}", traceback.format_exc())))
    finally:
        connection.close()


@asynccontextmanager
async def _from_process(source, kind, mapping, chunk_rows):
    context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_produce, args=(sending, source, kind, mapping, chunk_rows), daemon=True)
    process.start()
    sending.close()

    def receive() -> Prepared | None:
        try:
            what, value = receiving.recv()
        except EOFError:
            raise RuntimeError("The process reading the file stopped unexpectedly") from None
        if what == "chunk":
            return value
        if what == "end":
            return None
        if what == "unreadable":
            raise Unreadable(value)
        reason, trace = value
        log.error("The process reading %s failed:\n%s", source.path, trace)
        raise RuntimeError(f"Reading the file failed: {reason}")

    def stop() -> None:  # still reading: the batch failed or was cancelled
        if process.is_alive():
            process.terminate()

    stream = _ahead(receive, stop)
    try:
        yield stream
    finally:
        stop()
        await stream.aclose()
        await asyncio.to_thread(process.join)
        receiving.close()
