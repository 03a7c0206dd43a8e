"""Documents from templates with the case's facts, and the .xlsx ledger."""

from __future__ import annotations

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from cases.flowhelp import new_case, step, to_notice
from yibao.audit.models import AuditEntry
from yibao.auth.roles import PermissionDenied
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.documents.casefiles import _zh_number, generate_document
from yibao.documents.ledger import LEDGER_COLUMNS, PRECISION_COLUMNS, export_ledger


def _text(path):
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_documents_follow_the_case(engine, staff, tmp_path):
    no = new_case(engine, staff)
    with open_session(engine) as s, pytest.raises(CaseError, match="尚未进行到"):
        generate_document(s, staff["wang"], no, "filing_approval", tmp_path / "a.docx")
    to_notice(engine, staff, no)
    step(engine, staff["li"], no, "receive_statement", statement="已全额退回，请求从轻处罚")
    with open_session(engine) as s, pytest.raises(CaseError, match="尚未进行到"):
        generate_document(s, staff["wang"], no, "decision", tmp_path / "d.docx")
    step(engine, staff["boss"], no, "decide", type="penalty", fine="25000")
    with open_session(engine) as s:
        a = generate_document(
            s, staff["wang"], no, "filing_approval", tmp_path / "a.docx", org="长沙市医疗保障局"
        )
        n = generate_document(s, staff["wang"], no, "notice", tmp_path / "n.docx", org="长沙市医疗保障局")
        d = generate_document(s, staff["boss"], no, "decision", tmp_path / "d.docx", org="长沙市医疗保障局")
    approval, notice, decision = _text(a), _text(n), _text(d)
    assert "立案审批表" in approval and no in approval and "执法0001" in approval and "执法0002" in approval
    assert "长沙市第一人民医院" in notice and "第三十八条" in notice and "处罚款30000.00元" in notice
    assert "听证" not in notice.replace("或要求听证", "")  # 30,000 for an institution: below the threshold
    assert "处罚款25000.00元" in decision and "责令退回医疗保障基金20000.00元" in decision
    assert "已全额退回，请求从轻处罚" in decision and "调取HIS收费记录" in decision
    with open_session(engine) as s:
        docs = list(s.execute(select(AuditEntry).where(AuditEntry.action == "document.generate")).scalars())
    assert len(docs) == 3


def test_documents_individual_party_full_name_audited(engine, staff, tmp_path):
    no = new_case(engine, staff, amount=3000, party="individual")
    step(engine, staff["wang"], no, "propose_filing")
    with open_session(engine) as s:
        path = generate_document(s, staff["wang"], no, "filing_approval", tmp_path / "a.docx")
        reads = list(s.execute(select(AuditEntry).where(AuditEntry.action == "pii.read")).scalars())
    assert "张三" in _text(path) and "430102198001010012" in _text(path)
    assert reads and reads[-1].actor == "wang"
    with open_session(engine) as s, pytest.raises(PermissionDenied):
        generate_document(s, staff["shen"], no, "filing_approval", tmp_path / "b.docx")


def test_documents_own_docx_template(engine, staff, tmp_path):
    template = tmp_path / "own.docx"
    doc = Document()
    doc.add_paragraph("本局文号 {{ doc_no }}，当事人{{party_name}}")
    table = doc.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "案号{{case_no}}"
    doc.save(str(template))
    no = new_case(engine, staff)
    step(engine, staff["wang"], no, "propose_filing")
    with open_session(engine) as s:
        out = generate_document(
            s, staff["wang"], no, "filing_approval", tmp_path / "o.docx", docx_template=template
        )
    text = _text(out)
    assert (
        "当事人长沙市第一人民医院" in text
        and f"案号{no}" in text
        and "医保立审〔" in text
        and "{{" not in text
    )


def test_documents_ledger_masks_people_and_lists_every_case(engine, staff, tmp_path):
    a = new_case(engine, staff)
    b = new_case(engine, staff, amount=3000, party="individual")
    to_notice(engine, staff, a)
    with open_session(engine) as s:
        with pytest.raises(PermissionDenied):
            export_ledger(s, staff["hosp"], tmp_path / "x.xlsx")
        assert export_ledger(s, staff["shen"], tmp_path / "ledger.xlsx") == 2
    wb = load_workbook(tmp_path / "ledger.xlsx")
    assert wb.sheetnames == ["案件台账", "规则申诉复核"]
    assert next(wb["规则申诉复核"].iter_rows(values_only=True)) == PRECISION_COLUMNS
    ws = wb["案件台账"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == LEDGER_COLUMNS
    by_no = {r[0]: r for r in rows[1:]}
    assert by_no[b][3] == "张*" and "430102198001010012" not in str(rows)
    assert (
        by_no[a][3] == "长沙市第一人民医院" and by_no[a][6] == "第38条" and by_no[a][8].startswith("已告知")
    )


@pytest.mark.parametrize(("n", "zh"), [(1, "一"), (10, "十"), (38, "三十八"), (40, "四十"), (41, "四十一")])
def test_documents_article_numbers_in_chinese(n, zh):
    assert _zh_number(n) == zh
