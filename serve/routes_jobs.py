"""GET /api/jobs/{id}, its live form GET /api/jobs/{id}/events (server-sent events), and POST /api/jobs/{id}/cancel."""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse

from serve.jobs import Job
from serve.sse import SSE_HEADERS, sse_event
from serve.state import ServerState, server_state

router = APIRouter(prefix="/api", tags=["jobs"])


def _job(state: ServerState, job_id: str) -> Job:
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r} (jobs are kept while the server runs; the oldest finished "
                                 "ones are forgotten)")
    return job


@router.get("/jobs/{job_id}")
def job_state(job_id: str, state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """{"job", "state": queued|running|done|failed, "files_done", "files_total", "added": [source...],
    "failed": [{"source", "error"}], "unchanged", "elements", "current", "cancelled"}."""
    return state.jobs.snapshot(_job(state, job_id))[1]


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: str, state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """Cancel the job: a queued one ends at once, a running one after the document being written (what was stored
    stays). Returns the job object; a cancelled job ends "done" with "cancelled": true. A finished job is
    returned unchanged."""
    job = _job(state, job_id)
    state.jobs.cancel(job)
    return state.jobs.snapshot(job)[1]


@router.get("/jobs/{job_id}/events")
async def job_events(job_id: str, state: ServerState = Depends(server_state)) -> StreamingResponse:
    """text/event-stream: a `progress` event (the job object) at each change, then one `done` event when the
    job is done or failed."""
    job = _job(state, job_id)

    async def events() -> AsyncIterator[str]:
        seen = -1
        while True:
            version, shown = state.jobs.snapshot(job)
            if job.finished:
                yield sse_event("done", shown)
                return
            if version != seen:
                seen = version
                yield sse_event("progress", shown)
            await asyncio.to_thread(state.jobs.wait_for_change, job, seen, 1.0)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)
