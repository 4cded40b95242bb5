"""webhook endpoints: the API client that registered one is a foreign key to api_client
(still nullable: endpoints registered by staff in the console have none)

Revision ID: 9c4e2a7d5b18
Revises: 67fd0c63f4f5
Create Date: 2026-12-06 10:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9c4e2a7d5b18'
down_revision = '67fd0c63f4f5'
branch_labels = None
depends_on = None


def upgrade():
    # An endpoint naming a client that no longer exists keeps no owner rather than failing the upgrade.
    op.execute(
        "UPDATE webhook_endpoint SET api_client_id = NULL WHERE api_client_id IS NOT NULL "
        "AND api_client_id NOT IN (SELECT id FROM api_client)"
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_webhook_endpoint_api_client_id_api_client'), 'api_client', ['api_client_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_webhook_endpoint_api_client_id_api_client'), type_='foreignkey')
