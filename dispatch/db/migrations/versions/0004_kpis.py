"""kpis: covering indexes for the dashboard's period scans

Revision ID: 0004_kpis
Revises: 0001_core
Create Date: 2026-11-23 09:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_kpis"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCIDENT_COLUMNS = [
    "created_at", "exercise", "category", "kecamatan", "kelurahan", "call_type", "created_by",
    "first_dispatch_at", "first_on_scene_at", "closed_at",
]
ORDER_COLUMNS = [
    "issued_at", "incident_id", "unit_id", "unit_type", "acked_at", "en_route_at", "on_scene_at",
    "cleared_at",
]


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_kpi", INCIDENT_COLUMNS, unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_kpi", ORDER_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_kpi")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_kpi")
