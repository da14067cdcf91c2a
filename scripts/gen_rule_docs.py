"""Regenerate docs/rules.md from the rules' own docstrings (`python scripts/gen_rule_docs.py`).

tests/test_docs.py fails when the file is stale, so the published docs never drift from `bnlint rule`.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def render() -> str:
    from bnlint.cli import rule_markdown
    from bnlint.registry import load_rules

    rules = load_rules()
    out = ["# bnlint rules", "", "Generated from the rule classes by `scripts/gen_rule_docs.py`; `bnlint rule CODE` prints the same text.", ""]
    out.append("| code | name | default | fix | severity |")
    out.append("| --- | --- | --- | --- | --- |")
    for r in rules:
        out.append(f"| [{r.code}](#{r.code.lower()}) | `{r.name}` | {'on' if r.default_enabled else 'opt-in'} | {r.fix_availability or '-'} | {r.severity} |")
    out.append("")
    for r in rules:
        out.append(f'<a id="{r.code.lower()}"></a>')
        out.append("")
        out.append(rule_markdown(r).replace("# ", "## ", 1).replace("\n## ", "\n### "))
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    path = os.path.join(ROOT, "docs", "rules.md")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(render())
    print(f"wrote {path}")
