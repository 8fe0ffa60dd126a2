"""GET /v1/jobs/{id}: the state of a background job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, status
from sqlalchemy.orm import Session

from service.api.deps import get_db, reader
from service.db.models import Job
from service.schemas import JobOut

router = APIRouter(tags=["jobs"])


@router.get(
    "/jobs/{job_id}", response_model=JobOut, summary="Состояние задачи", dependencies=[Depends(reader)]
)
def get_job(job_id: str = Path(max_length=36), db: Session = Depends(get_db)) -> JobOut:
    job = db.get(Job, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"задачи {job_id!r} нет")
    return JobOut.model_validate(job)
