"""B1x: the B1 file (B1X_ROWS rows, 300,000 by default) imported through the API by one importer replica and then
by two sharing the job's batches, each in a system of its own on the same broker and database: both rates, the
scale-out factor (two against one), and both against the raw bulk write of the same documents in the same run."""

import os
import tempfile
from pathlib import Path

from tests.bench.harness import Figure, baseline_write_name, is_ferretdb, mib, report, timed
from tests.bench.test_b1_import import FIELDS, import_file_through_api, raw_bulk_write, write_csv
from tests.e2e.importing import create_database
from tests.e2e.own_system import OwnSystem, own_system

ROWS = int(os.environ.get("B1X_ROWS", "300000"))


async def import_with(own: OwnSystem, path: Path, replicas: int) -> Figure:
    await own.importers_joined(replicas)
    db_id = await create_database(own.api, FIELDS)
    name = f"import through the API, {replicas} importer replica{'s' if replicas > 1 else ''}"
    return await timed(name, ROWS, lambda: import_file_through_api(own.api, db_id, path, ROWS))


async def raw_write_in(own: OwnSystem) -> Figure:
    upserts = not await is_ferretdb(own.mongo)
    return await timed(
        f"raw PyMongo {baseline_write_name(upserts)}", ROWS, lambda: raw_bulk_write(own.mongo, upserts, ROWS)
    )


async def test_b1x_one_and_two_importer_replicas(service_env: dict[str, str], admin_token: str, tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_csv(path, ROWS)
        async with own_system(service_env, admin_token, tmp_path, "bxone", IMPORTER_REPLICAS="1") as own:
            one = await import_with(own, path, 1)
        async with own_system(service_env, admin_token, tmp_path, "bxtwo", IMPORTER_REPLICAS="2") as own:
            two = await import_with(own, path, 2)
            raw = await raw_write_in(own)
        size = mib(path.stat().st_size)
    against_raw = (
        f"against the raw write ({raw.rate:,.0f} rows/s): one {one.rate / raw.rate:.2f}, two {two.rate / raw.rate:.2f}"
    )
    report(two, one, "rows", f"scale-out from one replica to two; file {size}; {against_raw}")
