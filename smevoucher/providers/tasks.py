"""Work queued after commit (django-tasks: in-process by default, a worker in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_directory_import(import_id: int) -> dict:
    """Import an uploaded provider directory; the page polls its progress."""
    from .services import directory_import_run

    job = directory_import_run(import_id=import_id)
    return {"status": job.status, "accepted_rows": job.accepted_rows}
