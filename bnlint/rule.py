"""The contract between the engine and a rule, and the finding/fix data model.

A rule is a small class (Fixit 2 style): metadata, ruff-shaped docs in its
docstring, examples beside it, and ``visit_<Node>`` / ``leave_<Node>`` methods
that the engine dispatches from one shared traversal.  Rules that need to look
at the whole module at once (data flow across functions) implement
``check_module`` instead; it runs after the traversal.
"""
from __future__ import annotations

from bnlint.records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover - typing only, keeps libcst off the import path
    from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type, Union

    import libcst as cst

    from bnlint.context import RuleContext

SEVERITIES = ("error", "warning", "info")
SUMMARY_WIDTH = 100  # a one-line message aims at this many characters


def first_sentence(message: str) -> str:
    """The message up to the end of its first sentence (a ": " or ". " outside backticks), for a
    finding that has no one-line summary of its own."""
    inside = False
    for k, ch in enumerate(message):
        if ch == "`":
            inside = not inside
        elif not inside and ch in ".:" and message[k + 1 : k + 2] in (" ", ""):
            return message[:k]
    return message
# Where a rule's documentation lives on the web: none yet (no public home that anyone could check),
# so findings carry no link; `bnlint rule CODE` and docs/rules.md in the repository have the text.
DOCS_URL: "Optional[str]" = None


@record(frozen=True)
class Edit:
    """Replace the text between two positions (1-based line, 1-based column, end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def to_json(self) -> Dict[str, Any]:
        return {
            "content": self.content,
            "location": {"line": self.line, "column": self.column},
            "end_location": {"line": self.end_line, "column": self.end_column},
        }


@record(frozen=True)
class Fix:
    applicability: str  # "safe" | "unsafe"
    edits: Tuple[Edit, ...]
    message: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [e.to_json() for e in self.edits],
        }


@record(frozen=True)
class Related:
    """A location on the path that led to a finding: where the model was built, where it was last
    put in train mode, ... (1-based line and column, end exclusive, as ``Finding``).  SARIF shows it
    as a ``relatedLocation``, the language server as ``relatedInformation``, the text output (with
    ``--show-source``) as a `= note:` line."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    cell: Optional[int] = None  # notebook cell (1-based) when linting .ipynb; ``line`` is then in that cell
    # Another file of the project (absolute), where the path went through it (BN001: the caller in
    # another module that hands a helper its model); None: the finding's own file.
    path: Optional[str] = None

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path or "", self.cell or 0, self.line, self.column, self.end_line, self.end_column, self.message)

    def display_path(self) -> Optional[str]:
        """``path`` as the output shows it: relative to the working directory when under it."""
        if self.path is None:
            return None
        import os

        try:
            rel = os.path.relpath(self.path)
        except ValueError:  # another drive (Windows)
            return self.path
        return self.path if rel.startswith("..") else rel

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        if self.path is not None:
            data["path"] = self.path
        return data

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Related":
        return cls(data["line"], data["column"], data["end_line"], data["end_column"], data["message"], data.get("cell"), data.get("path"))


@record
class Finding:
    code: str
    name: str
    severity: str
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Optional[Fix] = None
    # First and last line of the enclosing statement: suppression comments may sit there.
    stmt_lines: Tuple[int, int] = (0, 0)
    cell: Optional[int] = None  # notebook cell (1-based) when linting .ipynb
    # "unnecessary" (code that does nothing) / "deprecated": editors grey out or strike through.
    tags: Tuple[str, ...] = ()
    runtime: Optional[Dict[str, Any]] = None  # filled by `bnlint trace`
    # The path that led to the finding (BN001: where the model was built and put in train mode),
    # in source order.
    related: Tuple[Related, ...] = ()
    # One line (about 100 characters): what is wrong and what to write, for `concise` output and
    # editor diagnostics.  ``message`` is the full explanation (`text` output, hover).
    summary: str = ""

    @property
    def short_message(self) -> str:
        """``summary``, or the message up to its first sentence end (a finding of a rule that
        gives no summary)."""
        if self.summary:
            return self.summary
        return first_sentence(self.message)

    @property
    def url(self) -> Optional[str]:
        """The web page of the rule's documentation (None: none published; see ``DOCS_URL``)."""
        return DOCS_URL.format(code=self.code.lower()) if DOCS_URL else None

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path, self.cell or 0, self.line, self.column, self.code)

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "fix": self.fix.to_json() if self.fix else None,
            "url": self.url,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        if self.tags:
            data["tags"] = list(self.tags)
        if self.runtime is not None:
            data["runtime"] = self.runtime
        if self.related:
            data["related"] = [r.to_json() for r in self.related]
        data["summary"] = self.short_message
        return data

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Finding":
        fix = None
        if data.get("fix"):
            f = data["fix"]
            fix = Fix(
                f["applicability"],
                tuple(
                    Edit(
                        e["location"]["line"],
                        e["location"]["column"],
                        e["end_location"]["line"],
                        e["end_location"]["column"],
                        e["content"],
                    )
                    for e in f["edits"]
                ),
                f.get("message", ""),
            )
        return cls(
            code=data["code"],
            name=data["name"],
            severity=data["severity"],
            message=data["message"],
            path=data["path"],
            line=data["line"],
            column=data["column"],
            end_line=data["end_line"],
            end_column=data["end_column"],
            fix=fix,
            stmt_lines=tuple(data.get("stmt_lines", (0, 0))),  # type: ignore[arg-type]
            cell=data.get("cell"),
            # (``to_json`` writes the derived one-liner too: keep only a summary of the rule's own.)
            summary="" if data.get("summary", "") == first_sentence(data["message"]) else data.get("summary", ""),
            tags=tuple(data.get("tags", ())),
            related=tuple(Related.from_json(r) for r in data.get("related", ())),
        )


# --- Fix specifications -------------------------------------------------------
# Rules describe edits in terms of CST nodes; the engine turns them into
# positional ``Edit``s only for files that actually have findings, so no
# position metadata is computed for clean files.


@record(frozen=True)
class ReplaceNode:
    node: "cst.CSTNode"
    replacement: Union["cst.CSTNode", str]


@record(frozen=True)
class InsertBefore:
    """Insert ``text`` as new line(s) before statement ``stmt``, at its indentation."""

    stmt: "cst.CSTNode"
    text: str


@record(frozen=True)
class InsertAfter:
    """Insert ``text`` as new line(s) after statement ``stmt`` (a simple or compound statement)."""

    stmt: "cst.CSTNode"
    text: str
    indent_like: Optional["cst.CSTNode"] = None  # take indentation from this statement instead


@record(frozen=True)
class ReplaceRange:
    """Replace the source between the start of ``start`` and the end of ``end``."""

    start: "cst.CSTNode"
    end: "cst.CSTNode"
    replacement: str


if TYPE_CHECKING:  # pragma: no cover
    EditSpec = Union[ReplaceNode, InsertBefore, InsertAfter, ReplaceRange]
else:  # importable at run time too; only annotations use it
    EditSpec = object


@record(frozen=True)
class FixSpec:
    applicability: str
    edits: Sequence[EditSpec]
    message: str = ""


@record(frozen=True)
class Option:
    name: str
    default: Any
    type: type
    help: str


class Rule:
    """Base class for all rules. Subclasses set the ClassVars and implement visitors."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = "warning"
    default_enabled: ClassVar[bool] = True
    fix_availability: ClassVar[Optional[str]] = None  # None | "safe" | "unsafe" | "sometimes"
    # The prefilter: a file containing none of these substrings cannot produce a finding.
    trigger_tokens: ClassVar[Tuple[str, ...]] = ()
    # Optional regular expression, for triggers that plain substrings would make too broad.
    trigger_pattern: ClassVar[Optional[str]] = None
    # Further conditions, all of which must hold: each group is a tuple of substrings, one of
    # which must occur (BN003 needs a reduction and a `forward`, not just a `.detach()`).
    required_tokens: ClassVar[Tuple[Tuple[str, ...], ...]] = ()
    # Does every finding of this rule rest on something that holds BatchNorm?  Then a file is
    # parsed only when BN can be involved: its text names a BN layer/function/factory, or it
    # imports a project module from which such a name is reachable (see ``bnlint.prefilter``).
    needs_bn_evidence: ClassVar[bool] = False
    # Does every finding rest on a model object *built in this file*: a call that constructs a
    # BN layer or a module/factory that holds BN (the objects of ``bnlint.modes``, BN005's
    # models)?  Then the prefilter asks for such a call, not just for a BN name.
    needs_bn_model: ClassVar[bool] = False
    # A regular expression (case-insensitive) for the names this rule also accepts as BN
    # evidence on their own (BN004's `model.bn1.weight.requires_grad = False`).
    name_evidence: ClassVar[Optional[str]] = None
    # A model with dropout layers and no BN counts as evidence too (the evaluation rule: in
    # train mode dropout makes every output random), where ``needs_bn_evidence`` is set.
    dropout_evidence: ClassVar[bool] = False
    # A parameter that the file's own code puts in train mode, handed a model with BatchNorm or
    # dropout by a caller in another project module (``bnlint.callers``), counts as evidence too,
    # where ``needs_bn_evidence`` is set.
    caller_evidence: ClassVar[bool] = False
    # A call that hands something to a function of another project module whose summary freezes
    # the BatchNorm of what it is handed (`self.model = fix_bn(self.model)`) counts as evidence
    # too, where ``needs_bn_evidence`` is set: the model it freezes holds BN.
    freeze_helper_evidence: ClassVar[bool] = False
    # A file that builds a model with a class or factory of another project module whose
    # construction freezes BatchNorm parameters (`Baseline(freeze_backbone=True)`) passes the
    # text step without any of ``trigger_tokens``: the freeze is in that module, the training may
    # be in a third (``ProjectIndex.builds_imported_frozen_model``).
    imported_freeze_trigger: ClassVar[bool] = False
    options: ClassVar[Tuple[Option, ...]] = ()
    summary: ClassVar[str] = ""
    # Fixit-style examples; the test-suite lints each one.  An invalid example
    # may be a (source, fixed_source) pair when the rule fixes it.
    valid_examples: ClassVar[Tuple[str, ...]] = ()
    invalid_examples: ClassVar[Tuple[Union[str, Tuple[str, str]], ...]] = ()

    def __init__(self, ctx: "RuleContext") -> None:
        self.ctx = ctx

    @classmethod
    def might_fire(cls, source: str) -> bool:
        """The textual prefilter (tokens only, without the BN evidence step of ``bnlint.prefilter``)."""
        if not cls.required_tokens_present(source):
            return False
        return cls.trigger_tokens_present(source) or cls.trigger_pattern_matches(source)

    @classmethod
    def ast_name_evidence(cls, scan: Any, source: str) -> bool:
        """Do this rule's name heuristics (``name_evidence``) apply in this module?"""
        return cls.name_evidence_matches(source)

    @classmethod
    def required_tokens_present(cls, source: str) -> bool:
        return all(any(token in source for token in group) for group in cls.required_tokens)

    @classmethod
    def trigger_tokens_present(cls, source: str) -> bool:
        return any(token in source for token in cls.trigger_tokens)

    @classmethod
    def trigger_pattern_matches(cls, source: str) -> bool:
        if cls.trigger_pattern is None:
            return False
        return cls._compiled("_trigger_re", cls.trigger_pattern, 0).search(source) is not None

    @classmethod
    def name_evidence_matches(cls, source: str) -> bool:
        if cls.name_evidence is None:
            return False
        import re

        return cls._compiled("_name_evidence_re", cls.name_evidence, re.IGNORECASE).search(source) is not None

    @classmethod
    def _compiled(cls, attr: str, pattern: str, flags: int):
        compiled = cls.__dict__.get(attr)
        if compiled is None:
            import re

            compiled = re.compile(pattern, flags)
            setattr(cls, attr, compiled)
        return compiled

    def check_module(self) -> None:
        """Whole-module analysis, run after the shared traversal."""

    def report(
        self,
        node: "cst.CSTNode",
        message: str,
        fix: Optional[FixSpec] = None,
        tags: Tuple[str, ...] = (),
        related: Sequence[Union[Tuple[Optional["cst.CSTNode"], str], Related]] = (),
        summary: str = "",
    ) -> None:
        """Report ``message`` (the full explanation) at ``node``, with ``summary``, its one-line
        form (about 100 characters: what is wrong and what to write).  ``related`` is the path
        that led to it, as (node, message) pairs ("model built here", "last put in train mode
        here"); a node without a position in this file (None, or from another module) is left out.
        A location in another file is given as a ``Related`` with its ``path``."""
        self.ctx.report(self, node, message, fix, tags, related, summary)

    def option(self, name: str) -> Any:
        return self.ctx.settings.rule_option(self, name)

    @classmethod
    def docs(cls) -> str:
        import textwrap  # only `bnlint rule` and the docs need it

        return textwrap.dedent(cls.__doc__ or "").strip()


if TYPE_CHECKING:  # pragma: no cover
    RuleType = Type[Rule]
else:  # importable at run time too; only annotations use it
    RuleType = type
RULES: List[RuleType] = []


def register(rule: RuleType) -> RuleType:
    assert rule.code not in {r.code for r in RULES}, rule.code
    assert rule.severity in SEVERITIES, rule.severity
    RULES.append(rule)
    return rule
