"""The audit trail and stage history are append-only at the database level."""

import pytest
from django.db import DatabaseError, connection, transaction

from revops.models import AuditEvent, OpportunityStageChange
from revops.services.audit import audit_record
from tests.revops.factories import StageChangeFactory

pytestmark = pytest.mark.django_db


def test_audit_event_update_and_delete_are_refused(org):
    event = audit_record(organization=org, actor=None, action="x.y", object_type="t", object_id="1")
    table = AuditEvent._meta.db_table
    # when / then
    for sql in (
        f"UPDATE {table} SET action = 'tampered' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == "x.y"


def test_stage_change_update_is_refused(org):
    change = StageChangeFactory(opportunity__organization=org)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OpportunityStageChange.objects.filter(pk=change.pk).update(to_stage="closed_won")
    change.refresh_from_db()
    assert change.to_stage == "prospecting"
