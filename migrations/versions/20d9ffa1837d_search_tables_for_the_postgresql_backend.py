"""search tables for the PostgreSQL backend

Revision ID: 20d9ffa1837d
Revises: baa17f8088a0
Create Date: 2026-11-23 02:08:38.353930

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '20d9ffa1837d'
down_revision = 'baa17f8088a0'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes for compound expansion and spelling suggestions (a trusted
        # extension: the database owner may create it).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('search_documents',
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('published', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('organizations', sa.Text(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('facets', postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('term_list', postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('spell_list', postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('terms', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_facets', ['facets'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_published', ['published'], unique=False)
        batch_op.create_index('ix_search_documents_terms', ['terms'], unique=False, postgresql_using='gin')

    op.create_table('search_spellings',
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('ndoc', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_spellings'))
    )
    with op.batch_alter_table('search_spellings', schema=None) as batch_op:
        batch_op.create_index('ix_search_spellings_trigrams', ['word'], unique=False, postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})

    op.create_table('search_facets',
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('ndoc', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('value', name=op.f('pk_search_facets'))
    )
    op.create_table('search_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('analysis', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_state'))
    )
    op.execute("INSERT INTO search_state (id, generation, documents, analysis) VALUES (1, 0, 0, 1)")
    op.create_table('search_terms',
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('ndoc', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_search_terms'))
    )
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.create_index('ix_search_terms_trigrams', ['term'], unique=False, postgresql_using='gin', postgresql_ops={'term': 'gin_trgm_ops'})



def downgrade():
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_search_terms_trigrams', postgresql_using='gin', postgresql_ops={'term': 'gin_trgm_ops'})

    op.drop_table('search_terms')
    op.drop_table('search_state')
    op.drop_table('search_facets')
    with op.batch_alter_table('search_spellings', schema=None) as batch_op:
        batch_op.drop_index('ix_search_spellings_trigrams', postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})

    op.drop_table('search_spellings')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_terms', postgresql_using='gin')
        batch_op.drop_index('ix_search_documents_published')
        batch_op.drop_index('ix_search_documents_facets', postgresql_using='gin')

    op.drop_table('search_documents')
