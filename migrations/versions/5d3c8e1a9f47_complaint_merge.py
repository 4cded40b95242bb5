"""complaints merged into another: the survivor's id, and the index of the duplicate suggestions

Revision ID: 5d3c8e1a9f47
Revises: 151c21dc815e
Create Date: 2026-12-06 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d3c8e1a9f47"
down_revision = "151c21dc815e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_complaint_merged_into_id_complaint"), "complaint", ["merged_into_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_complaint_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index("ix_complaint_client_created", ["client_id", "created_at"], unique=False)
        batch_op.create_check_constraint("merged_is_closed", "merged_into_id IS NULL OR status = 'closed'")
        batch_op.create_check_constraint(
            "not_merged_into_itself", "merged_into_id IS NULL OR merged_into_id <> id"
        )


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint("ck_complaint_not_merged_into_itself", type_="check")
        batch_op.drop_constraint("ck_complaint_merged_is_closed", type_="check")
        batch_op.drop_index("ix_complaint_client_created")
        batch_op.drop_index(batch_op.f("ix_complaint_merged_into_id"))
        batch_op.drop_constraint(batch_op.f("fk_complaint_merged_into_id_complaint"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
