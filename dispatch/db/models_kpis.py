"""Indexes for the dashboard's figures (dispatch/services/kpis/) on the core tables.

Covering indexes: the dashboard reads every column it needs for a period straight from
the index, in time order, instead of looking up 100,000 table rows one by one (SQLite).
"""

from __future__ import annotations

from sqlalchemy import Index

from .models import Incident, Order

KPI_INCIDENT_INDEX = Index(
    "ix_incidents_kpi",
    Incident.created_at,
    Incident.exercise,
    Incident.category,
    Incident.kecamatan,
    Incident.kelurahan,
    Incident.call_type,
    Incident.created_by,
    Incident.first_dispatch_at,
    Incident.first_on_scene_at,
    Incident.closed_at,
)

KPI_ORDER_INDEX = Index(
    "ix_orders_kpi",
    Order.issued_at,
    Order.incident_id,
    Order.unit_id,
    Order.unit_type,
    Order.acked_at,
    Order.en_route_at,
    Order.on_scene_at,
    Order.cleared_at,
)
