"""minutes in the meeting, from its participant report

What changes (issue 15, "attendance imported from the meeting"): `attendance.minutes` holds how
long a participant was in the VooV (Tencent Meeting) session by the report an organizer
uploaded (bot/services/certificates/attendance_import.py), within the event's times. NULL: no
report says (a check-in by button, code word, personal page or organizer only). A check-in
found in the report keeps its row and method and gets the minutes; someone found in the report
alone gets a row with method "report". An event's `min_attendance` compares against it.

The downgrade drops the column: the report rows themselves stay as check-ins.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_column("minutes")
