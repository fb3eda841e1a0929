"""Stopped infusions built from their events, as the chair charts them (for the billing tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infusiondesk.records.computed import ComputedDose
from infusiondesk.records.models import DoseOrderRecord, InfusionEvent, InfusionEventKind, Visit, VisitStatus

T0 = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)


def infused(dose_mg: float, running: float, pause: float = 0.0, pause_after: float = 30.0,
            volume_ml: float = 50.0) -> Visit:
    """`dose_mg` in `volume_ml` run for `running` minutes, with one pause of `pause` minutes after `pause_after`
    minutes of running (none when 0); the whole volume ran."""
    order = DoseOrderRecord(f"{dose_mg:g} mg", computed=ComputedDose(  # mmol and mEq play no part in billing
        dose_mg=dose_mg, dose_mmol=0.0, dose_meq=0.0, concentration_mg_per_ml=dose_mg / volume_ml,
        volume_ml=volume_ml, rate_ml_per_h=volume_ml * 60 / running, duration_min=running))
    rate = round(volume_ml * 60 / running, 1)
    at = T0
    events = [InfusionEvent(InfusionEventKind.START, at, rate_ml_h=rate, volume_infused_ml=0.0, by=1)]
    if pause:
        at += timedelta(minutes=pause_after)
        events.append(InfusionEvent(InfusionEventKind.PAUSE, at, volume_infused_ml=volume_ml * pause_after / running,
                                    reason="flushing", by=1))
        at += timedelta(minutes=pause)
        events.append(InfusionEvent(InfusionEventKind.RESUME, at, rate_ml_h=rate, by=1))
        at += timedelta(minutes=running - pause_after)
    else:
        at += timedelta(minutes=running)
    events.append(InfusionEvent(InfusionEventKind.STOP, at, volume_infused_ml=volume_ml, by=1))
    return Visit(id=7, patient_id=1, status=VisitStatus.COMPLETED, started_at=T0, dose_order=order,
                 events=tuple(events))
