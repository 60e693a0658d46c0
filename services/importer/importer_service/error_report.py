"""The downloadable error report of an import: one CSV line per rejected row and reason."""

import csv
import io

from gridfs import AsyncGridFSBucket

from .checkpoints import Checkpoints

# `member`: the archive member the row is in (empty for a plain file), whose row numbers start at 1 again.
# `column`: the file's column (empty when the reason is about no one column); `value`: that cell as the file has it
# (JSON for a structured value of a JSON file, empty for a missing one); `result`: row_rejected, or value_skipped
# for a value left out of a row that was written (per-value rejection).
COLUMNS = ["row", "column", "field", "value", "code", "message", "member", "result"]


async def write_error_report(
    checkpoints: Checkpoints, bucket: AsyncGridFSBucket, job_id: str, database_id: str | None = None
) -> str | None:
    """Stream the rejected rows into a GridFS CSV file; None when nothing was rejected."""
    rows = checkpoints.rejected_rows(job_id)
    first = await anext(rows, None)
    if first is None:
        return None
    upload = bucket.open_upload_stream(
        f"import-{job_id}-errors.csv",
        metadata={"job_id": job_id, "database_id": database_id, "content_type": "text/csv"},
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow([first.get(c, "") for c in COLUMNS])
    async for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
        if buffer.tell() > 256 * 1024:
            await upload.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    await upload.write(buffer.getvalue().encode())
    await upload.close()
    return str(upload._id)


async def drop_reports(bucket: AsyncGridFSBucket, database_id: str) -> None:
    """A deleted database's error reports go with it."""
    async for f in bucket.find({"metadata.database_id": database_id}):
        await bucket.delete(f._id)
