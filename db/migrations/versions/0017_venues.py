"""offline venues: the chosen venue, its waiting list, tickets checked at the door

What changes (issue 15, "offline venues become data"): an event may list venues in its config
(name, address, time zone, capacity, coordinators); a registration records
- `venue_id`: the venue chosen (the config's id; NULL for online participants and events
  without venues),
- `venue_waiting_since`: set while the person is on the venue's waiting list (a full venue),
  cleared when a freed seat goes to them, first in line first,
- `ticket_code`: the code under the ticket's QR code that a coordinator scans or types at the
  door (unique);
and a check-in at the door records the venue and the coordinator (`attendance.venue_id`,
`attendance.checked_by`). An index on (event_id, venue_id, venue_waiting_since) serves the
seat counts and the queue.

The downgrade drops them: the older code shows every offline registrant the one venue text.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("venue_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("venue_waiting_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("ticket_code", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_registrations_ticket_code"), ["ticket_code"]
        )
        batch_op.create_index(
            "ix_registrations_event_venue",
            ["event_id", "venue_id", "venue_waiting_since"],
            unique=False,
        )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("venue_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("checked_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_column("checked_by")
        batch_op.drop_column("venue_id")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_event_venue")
        batch_op.drop_constraint(batch_op.f("uq_registrations_ticket_code"), type_="unique")
        batch_op.drop_column("ticket_code")
        batch_op.drop_column("venue_waiting_since")
        batch_op.drop_column("venue_id")
