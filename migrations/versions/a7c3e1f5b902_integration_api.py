"""integration API: API clients and keys, external ids, idempotency records; bookings' cancellation
and completion; messages received from clients and providers

Revision ID: a7c3e1f5b902
Revises: 4e8a1f3c7b20
Create Date: 2026-12-06 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e1f5b902'
down_revision = '4e8a1f3c7b20'
branch_labels = None
depends_on = None

OLD_KINDS = ('note', 'to_client', 'to_provider')
NEW_KINDS = OLD_KINDS + ('from_client', 'from_provider')


def _kind(values):
    return sa.Enum(*values, name='complaint_entry_kind', native_enum=False, create_constraint=True)


def upgrade():
    op.create_table(
        'api_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
        sa.UniqueConstraint('name', name=op.f('uq_api_client_name')),
    )
    op.create_table(
        'api_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=254), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('length(digest) = 64', name=op.f('ck_api_key_digest_length')),
        sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_key_client_id_api_client')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
        sa.UniqueConstraint('prefix', name=op.f('uq_api_key_prefix')),
    )
    op.create_index(op.f('ix_api_key_client_id'), 'api_key', ['client_id'], unique=False)
    op.create_table(
        'api_external_ref',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_client_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('provider', 'client', 'booking', 'review', 'complaint', name='api_resource_kind', native_enum=False, create_constraint=True), nullable=False),
        sa.Column('external_id', sa.String(length=100), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_api_external_ref_api_client_id_api_client')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_external_ref')),
        sa.UniqueConstraint('api_client_id', 'kind', 'external_id', name='uq_api_external_ref_external_id'),
    )
    op.create_index('ix_api_external_ref_object', 'api_external_ref', ['kind', 'object_id'], unique=False)
    op.create_table(
        'api_idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_client_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('request_digest', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.SmallInteger(), nullable=False),
        sa.Column('response_body', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_api_idempotency_key_api_client_id_api_client')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_key')),
        sa.UniqueConstraint('api_client_id', 'key', name='uq_api_idempotency_key_client_key'),
    )
    op.create_index(op.f('ix_api_idempotency_key_created_at'), 'api_idempotency_key', ['created_at'], unique=False)

    with op.batch_alter_table('booking') as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.Enum('client', 'provider', 'platform', name='booking_cancelled_by', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('complaint_entry') as batch_op:
        batch_op.drop_constraint(op.f('ck_complaint_entry_complaint_entry_kind'), type_='check')
        batch_op.drop_constraint(op.f('ck_complaint_entry_messages_go_out'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=11), type_=_kind(NEW_KINDS), existing_nullable=False)
        batch_op.create_check_constraint(
            'messages_go_out', "(kind IN ('note', 'from_client', 'from_provider')) = (notification_id IS NULL)"
        )


def downgrade():
    with op.batch_alter_table('complaint_entry') as batch_op:
        batch_op.drop_constraint(op.f('ck_complaint_entry_messages_go_out'), type_='check')
        batch_op.drop_constraint(op.f('ck_complaint_entry_complaint_entry_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=13), type_=_kind(OLD_KINDS), existing_nullable=False)
        batch_op.create_check_constraint('messages_go_out', "(kind = 'note') = (notification_id IS NULL)")
    with op.batch_alter_table('booking') as batch_op:
        batch_op.drop_constraint(op.f('ck_booking_booking_cancelled_by'), type_='check')
        batch_op.drop_column('completed_at')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancelled_at')
    op.drop_index(op.f('ix_api_idempotency_key_created_at'), table_name='api_idempotency_key')
    op.drop_table('api_idempotency_key')
    op.drop_index('ix_api_external_ref_object', table_name='api_external_ref')
    op.drop_table('api_external_ref')
    op.drop_index(op.f('ix_api_key_client_id'), table_name='api_key')
    op.drop_table('api_key')
    op.drop_table('api_client')
