"""Issue 7: whistleblower reports and rewards, random inspections and self-inspection, credit scoring.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("party", sa.String(length=128), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("violation", sa.String(length=32), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_no"),
    )
    op.create_table(
        "insp_inspectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("cert_no", sa.String(length=64), nullable=True),
        sa.Column("org_code", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "insp_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_code", sa.String(length=32), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspector_code", "fixmedins_code"),
    )
    with op.batch_alter_table("insp_relations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insp_relations_inspector_code"), ["inspector_code"], unique=False
        )

    op.create_table(
        "insp_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("admdvs", sa.String(length=6), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fixmedins_code"),
    )
    with op.batch_alter_table("insp_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insp_targets_admdvs"), ["admdvs"], unique=False)

    op.create_table(
        "credit_prac_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prac_code", sa.String(length=32), nullable=False),
        sa.Column("prac_name", sa.String(length=64), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("responsibility", sa.String(length=16), nullable=False),
        sa.Column("conduct", sa.Text(), nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=True),
        sa.Column("event_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("credit_prac_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_prac_scores_prac_code"), ["prac_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_prac_scores_year"), ["year"], unique=False)

    op.create_table(
        "insp_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_no", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_no"),
    )
    with op.batch_alter_table("insp_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insp_plans_month"), ["month"], unique=False)

    op.create_table(
        "self_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("violation", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=256), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_reports_fixmedins_code"), ["fixmedins_code"], unique=False)

    op.create_table(
        "insp_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=False),
        sa.Column("inspectors", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["insp_plans.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "fixmedins_code"),
    )
    with op.batch_alter_table("insp_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insp_assignments_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "insp_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("checklist", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["insp_plans.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("insp_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insp_results_fixmedins_code"), ["fixmedins_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_insp_results_inspected_on"), ["inspected_on"], unique=False)

    op.create_table(
        "whistle_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_no", sa.String(length=32), nullable=False),
        sa.Column("query_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("admdvs", sa.String(length=6), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=True),
        sa.Column("psn_no", sa.String(length=32), nullable=True),
        sa.Column("target_name", sa.String(length=128), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("violation", sa.String(length=32), nullable=True),
        sa.Column("claimed_fen", sa.BigInteger(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("wants_reward", sa.Boolean(), nullable=False),
        sa.Column("insider", sa.Boolean(), nullable=False),
        sa.Column("identity_token", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("received_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("clue_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("filing_decision", sa.String(length=16), nullable=True),
        sa.Column("filing_decided_on", sa.Date(), nullable=True),
        sa.Column("inform_due", sa.Date(), nullable=True),
        sa.Column("informed_on", sa.Date(), nullable=True),
        sa.Column("public_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clue_id"],
            ["clues.id"],
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["whistle_reports.id"],
        ),
        sa.ForeignKeyConstraint(
            ["received_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("query_hash"),
        sa.UniqueConstraint("report_no"),
    )
    with op.batch_alter_table("whistle_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_whistle_reports_admdvs"), ["admdvs"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_whistle_reports_fixmedins_code"), ["fixmedins_code"], unique=False
        )

    op.create_table(
        "whistle_rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=True),
        sa.Column("verified_fen", sa.BigInteger(), nullable=False),
        sa.Column("reward_fen", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_by", sa.Integer(), nullable=True),
        sa.Column("payment_ref", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["paid_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["whistle_reports.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id"),
    )


def downgrade() -> None:
    op.drop_table("credit_disclosures")
    op.drop_table("whistle_rewards")
    with op.batch_alter_table("whistle_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whistle_reports_fixmedins_code"))
        batch_op.drop_index(batch_op.f("ix_whistle_reports_admdvs"))

    op.drop_table("whistle_reports")
    with op.batch_alter_table("insp_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insp_results_inspected_on"))
        batch_op.drop_index(batch_op.f("ix_insp_results_fixmedins_code"))

    op.drop_table("insp_results")
    with op.batch_alter_table("insp_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insp_assignments_plan_id"))

    op.drop_table("insp_assignments")
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_reports_fixmedins_code"))

    op.drop_table("self_reports")
    with op.batch_alter_table("insp_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insp_plans_month"))

    op.drop_table("insp_plans")
    with op.batch_alter_table("credit_prac_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_prac_scores_year"))
        batch_op.drop_index(batch_op.f("ix_credit_prac_scores_prac_code"))

    op.drop_table("credit_prac_scores")
    with op.batch_alter_table("insp_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insp_targets_admdvs"))

    op.drop_table("insp_targets")
    with op.batch_alter_table("insp_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insp_relations_inspector_code"))

    op.drop_table("insp_relations")
    op.drop_table("insp_inspectors")
