"""background check failure reason: a code, no notes about the criminal record

Revision ID: a1a153b10745
Revises: acf823393b0c
Create Date: 2026-12-06 12:12:15.745494

Existing failed background checks get a reason: "criminal_record" where the extract was recorded as
incompatible (their notes, which may say what the extract says, are removed: DESIGN §3), "other"
elsewhere (their notes stay).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1a153b10745"
down_revision = "acf823393b0c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vetting_check", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "failure_reason",
                sa.Enum(
                    "identity_document",
                    "siret",
                    "criminal_record",
                    "other",
                    name="background_failure",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
    op.execute(
        "UPDATE vetting_check SET failure_reason = 'criminal_record', notes = NULL "
        "WHERE kind = 'background' AND status = 'failed' AND b3_outcome = 'incompatible'"
    )
    op.execute(
        "UPDATE vetting_check SET failure_reason = 'other' "
        "WHERE kind = 'background' AND status = 'failed' AND failure_reason IS NULL"
    )
    with op.batch_alter_table("vetting_check", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "failure_reason_of_failed_background",
            "failure_reason IS NULL OR (kind = 'background' AND status = 'failed')",
        )
        batch_op.create_check_constraint(
            "no_notes_on_criminal_record",
            "failure_reason IS NULL OR failure_reason <> 'criminal_record' OR notes IS NULL",
        )


def downgrade():
    with op.batch_alter_table("vetting_check", schema=None) as batch_op:
        batch_op.drop_constraint("ck_vetting_check_no_notes_on_criminal_record", type_="check")
        batch_op.drop_constraint("ck_vetting_check_failure_reason_of_failed_background", type_="check")
        batch_op.drop_column("failure_reason")
