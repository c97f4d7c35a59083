"""incident geocell: grid-cell index for the duplicate check (replaces the latitude index)

Joins the complaints and KPI branches into one head.

Revision ID: 0005_incident_geocell
Revises: 0003_complaints, 0004_kpis
Create Date: 2026-11-23 12:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from geo.cells import cell_of

revision: str = "0005_incident_geocell"
down_revision: str | Sequence[str] | None = ("0003_complaints", "0004_kpis")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# dispatch.domain.duplicates.DUPLICATE_CELL_DEG when this revision was written.
DUPLICATE_CELL_DEG = 0.005

_incidents = sa.table(
    "incidents", sa.column("id", sa.Integer), sa.column("lat", sa.Float),
    sa.column("lon", sa.Float), sa.column("geocell", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geocell", sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_incidents.c.id, _incidents.c.lat, _incidents.c.lon)).all()
    if rows:
        bind.execute(
            _incidents.update().where(_incidents.c.id == sa.bindparam("row_id"))
            .values(geocell=sa.bindparam("cell")),
            [{"row_id": r.id, "cell": cell_of(r.lat, r.lon, DUPLICATE_CELL_DEG)} for r in rows],
        )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_lat")
        batch_op.create_index(
            "ix_incidents_geocell_created",
            ["geocell", "created_at", "lat", "lon", "status", "category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_geocell_created")
        batch_op.create_index("ix_incidents_lat", ["lat"], unique=False)
        batch_op.drop_column("geocell")
