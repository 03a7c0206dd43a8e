"""Writes .docx files from templates: the packaged YAML block templates, or a user's own .docx.

A YAML template is a list of blocks (heading, title, right-aligned line, paragraph,
two-column table, signature); `{field}` is replaced from the case's context and a block
with `when: field` appears only when that field is set. A .docx template of the bureau's
own layout works as well: every `{{field}}` in its paragraphs and table cells is replaced.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

__all__ = ["TEMPLATES", "load_template", "render_docx_template", "render_yaml_template"]

TEMPLATES = Path(__file__).parent / "templates"
_FIELD = re.compile(r"\{(\w+)\}")


def load_template(kind: str) -> dict[str, Any]:
    path = TEMPLATES / f"{kind}.yaml"
    if not path.exists():
        names = sorted(p.stem for p in TEMPLATES.glob("*.yaml"))
        raise FileNotFoundError(f"没有文书模板 {kind}（可选：{'/'.join(names)}）/ no template {kind}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("blocks"), list):
        raise ValueError(f"{path.name}: 模板须有 blocks 列表 / template needs a blocks list")
    return data


def _fill(text: str, ctx: dict[str, Any]) -> str:
    return _FIELD.sub(lambda m: "" if ctx.get(m.group(1)) is None else str(ctx[m.group(1)]), text)


def _font(doc: Any) -> None:
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def render_yaml_template(template: dict[str, Any], ctx: dict[str, Any], out: Path) -> Path:
    doc = Document()
    _font(doc)
    for block in template["blocks"]:
        if block.get("when") and not ctx.get(block["when"]):
            continue
        kind, text = block.get("type", "paragraph"), _fill(str(block.get("text", "")), ctx)
        if kind == "table":
            rows = block.get("rows", [])
            table = doc.add_table(rows=len(rows), cols=2)
            table.style = "Table Grid"
            for i, (label, value) in enumerate(rows):
                table.cell(i, 0).text = _fill(str(label), ctx)
                table.cell(i, 1).text = _fill(str(value), ctx)
            continue
        para = doc.add_paragraph()
        run = para.add_run(text)
        if kind in ("heading", "title"):
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(22 if kind == "title" else 16)
        elif kind in ("right", "signature"):
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            para.paragraph_format.first_line_indent = Pt(24)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _replace_in_paragraph(paragraph: Any, ctx: dict[str, Any]) -> None:
    text = paragraph.text
    if "{{" not in text:
        return
    new = re.sub(
        r"\{\{\s*(\w+)\s*\}\}", lambda m: "" if ctx.get(m.group(1)) is None else str(ctx[m.group(1)]), text
    )
    runs = paragraph.runs
    if runs:  # keep the first run's formatting; placeholders may be split across runs
        runs[0].text = new
        for r in runs[1:]:
            r.text = ""


def render_docx_template(template: Path, ctx: dict[str, Any], out: Path) -> Path:
    doc = Document(str(template))
    for p in doc.paragraphs:
        _replace_in_paragraph(p, ctx)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    _replace_in_paragraph(p, ctx)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
