"""Which files can produce a finding at all, decided before libcst ever sees them.

Every step is only ever a *necessary* condition of a finding, cheapest first:

1. **Text, per rule** (``Rule.trigger_tokens`` / ``trigger_pattern`` / ``required_tokens``):
   BN001 needs an evaluation context, BN004 `requires_grad`, BN003 a `def forward`, ... and
   then ``Rule.text_relevant``, the rule's own sharper look at the text (BN003: all of that in
   the code of one class; BN004: a `requires_grad = False` and training; BN005: training;
   BN006 and BN014: a `.eval()`/`.train()` call).
2. **Text, BN evidence**, for rules whose findings all rest on a module that holds BatchNorm
   (``Rule.needs_bn_evidence``): the file's code (not its strings or comments) names a BN layer,
   function or BN-bearing factory (``inventory.code_has_bn_evidence``), or matches the rule's own name heuristics
   (``Rule.name_evidence``), or a name it imports from the project holds BN: first a text-level
   import graph must find a BN word within ``MAX_IMPORT_HOPS`` imports (``text_reaches_bn``: files
   are read, not parsed), then the index is asked about each imported name as the text uses it
   (``imported_names_hold_bn``).
3. **``ast``** (``cst_candidates``), for files that pass, rule by rule: the rule's syntax is there
   at all (``Rule.ast_relevant`` on one ``AstScan`` of the module), its name heuristics apply where
   they are used (``Rule.ast_name_evidence``), a name in the module really resolves to BN
   (``ast_bn_evidence``), and for the rules that follow model objects (``Rule.needs_bn_model``) a
   call in the module builds a model that holds BN (``builds_bn_model``).  Only the rules that
   pass run on the libcst tree.

Steps 2 and 3 are what make framework code cheap: most of a large code base mentions `eval`,
`detach` or `momentum` somewhere, but only a small part of it can reach a BatchNorm.
``tests/test_prefilter.py`` checks that none of this hides a finding.
"""
from __future__ import annotations

import bisect
import re

from bnlint.eval_names import VAL_WORD_IN_TEXT, is_eval_routine_name, is_inference_method_name
from bnlint.inventory import code_has_bn_evidence, word_ends
from bnlint.patterns import lazy

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterator, List, Optional, Sequence, Set, Tuple

    from bnlint.inventory import ProjectIndex
    from bnlint.rule import RuleType


# --- Text helpers for ``Rule.text_relevant`` ------------------------------------------------
# What Python allows between the tokens of one expression: whitespace (line breaks too, inside
# brackets), backslash continuations and comments.  A comment runs to the line's end: a shorter
# match would let the pattern backtrack over every `#` of a `#####` banner.
_TEXT_COMMENT = r"#[^\n]*(?![^\n])"
_TEXT_GAP = rf"(?:\s|\\|{_TEXT_COMMENT})*"
_CALL_OPENS = lazy(rf"{_TEXT_GAP}\(")


def attribute_ends(source: str, name: str, allow_suffix: str = "") -> Iterator[int]:
    """Where ``name`` ends in each of its uses as an attribute (`x.name`, `x . name`); a use at a
    line start counts too, since a comment may sit between it and its dot.  The word must end
    there, or go on with ``allow_suffix`` (`requires_grad` in `requires_grad_`).

    A literal search first: a pattern that starts at every `.` of a file costs seconds."""
    size = len(name)
    end = len(source)
    i = source.find(name)
    while i >= 0:
        j = i + size
        k = i - 1
        while k >= 0 and source[k] in " \t\\":
            k -= 1
        after = source[j] if j < end else ""
        if (k < 0 or source[k] in ".\n\r") and not ((after.isalnum() or after == "_") and after not in allow_suffix):
            yield j
        i = source.find(name, j)


def calls_method_in_text(source: str, method: str) -> bool:
    """`x.method(` in the text, as ``AstScan.called_methods`` has it from the ast."""
    return any(_CALL_OPENS.match(source, end) for end in attribute_ends(source, method))


# Method calls that train something (or may: `fit`, `train_step`).  A file whose text calls none of
# them is inference code: BN001 treats every forward in it as evaluation (``modes``), so the mode
# analysis and BN001's text check read the same definition.
# What updates a model's parameters.  `.backward()` and `.zero_grad()` alone do not: a Grad-CAM
# or adversarial-example script back-propagates into a trained model it only runs.
TRAINING_METHODS = ("step", "manual_backward", "fit", "fit_generator", "train_step", "training_step", "train_one_epoch", "train_epoch")
_TRAINING_CALL = lazy(r"\.\s*(?:" + "|".join(TRAINING_METHODS) + r")\s*\(")


def names_eval_data_in_code(source: str) -> bool:
    """Does a name in the code (not a string, comment or docstring) name evaluation data
    (``eval_names.VAL_WORD_IN_TEXT``: `val_loader`, `X_test`, `testloader`)?  A forward on a batch
    drawn from it is evaluation (``modes.ModesAnalysis._input_from_eval_data``, which reads names
    only, for this reason)."""
    spans: Optional[_CodeSpans] = None
    for m in VAL_WORD_IN_TEXT.finditer(source):
        if spans is None:
            spans = _CodeSpans(source)
        if spans.in_code(m.start()):
            return True
    return False


# What gives a model trained weights (``modes.ModesAnalysis._built_with_weights`` and
# ``_WEIGHT_LOADING_METHODS``), in text: BN001's inference needs one of them.
_WEIGHTS_TEXT = lazy(
    r"load_state_dict|load_weights|load_checkpoint|load_pretrained|from_pretrained|load_from_checkpoint|init_weights_from"
    r"|\b(?:pretrained|weights|encoder_weights|pretrained_backbone|checkpoint|ckpt|weights_path|pretrained_path)\s*=(?!=)"
    r"|\bload\s*\(|segmentation_models_pytorch"
)


def loads_weights_in_text(source: str) -> bool:
    return _WEIGHTS_TEXT.search(source) is not None


# A call of a training routine by name (`train_one_epoch(model, ...)`, `d2l.train_ch6(...)`,
# `fit(...)`, `model.train()`): a training loop delegated to a function, maybe of another module
# (a superset, for the text gates only).
_TRAINING_ROUTINE_CALL = lazy(r"(?<!\w)(?:train|fit)\w*\s*\(|\.\s*(?:backward|zero_grad)\s*\(")


def delegates_training_in_text(source: str) -> bool:
    """Does ``source`` train, back-propagate, or call a routine named for training (which may be a
    project function whose summary trains the model)?  A superset, for the text gates."""
    return trains_in_text(source) or any(not source[max(0, m.start() - 4) : m.start()].endswith("def ") for m in _TRAINING_ROUTINE_CALL.finditer(source))


def imports_project_module_in_text(source: str) -> bool:
    """Does ``source`` import a module that is not a known third-party package (a relative import,
    or a module of the project)?  Only then can a project constructor or helper be called."""
    from bnlint.inventory import THIRD_PARTY_ROOTS, imported_modules

    return any(level or module.split(".")[0] not in THIRD_PARTY_ROOTS for level, module, _ in imported_modules(source))


def trains_in_text(source: str) -> bool:
    """Does ``source`` call a training method anywhere (code, strings or comments alike)?"""
    return _TRAINING_CALL.search(source) is not None


# --- BN001's text check: an evaluation context, as ``modes._lexical_kinds`` finds them ----------
# Besides a no-grad block (its tokens: BN001's ``trigger_tokens``) that is a `def` whose name says
# evaluation (``is_eval_routine_name``) or a `for` loop over evaluation data (a VAL_TOKENS word in
# a name or string of its iterable).  A word like "test" or "eval" elsewhere makes no context.
_DEF_NAME = lazy(r"def(?:[ \t]|\\\r?\n)+(\w+)")
_FOR_KEYWORD = lazy(r"for(?=[\s\\(\[])")
# A loop target (names, attributes, subscripts, tuples, starred; comments inside brackets) up to
# its `in`; prose ("for each item in eval mode") has two words in a row, which no target has.
_FOR_TARGET = lazy(rf"((?:[\w\s.,()\[\]*\\]|{_TEXT_COMMENT}){{0,300}}?)(?<![\w.])in(?!\w)")
_COMMENT = lazy(_TEXT_COMMENT)
_ADJACENT_WORDS = lazy(r"\w[ \t\\\r\n]+\w")
_HEADER_LIMIT = 2000  # characters; a longer loop header is taken to name evaluation data


def _is_word_start(source: str, i: int) -> bool:
    return i == 0 or not (source[i - 1].isalnum() or source[i - 1] in "_.")


def _string_end(text: str, start: int, quote: str) -> int:
    """The index after the quote that closes a string whose body starts at ``start``; -1 when a
    one-line string meets a line break first (or nothing closes it)."""
    k = text.find(quote, start)
    while k >= 0:
        b = k
        while b > start and text[b - 1] == "\\":
            b -= 1
        if (k - b) % 2 == 0:  # not escaped
            break
        k = text.find(quote, k + 1)
    if k < 0 or (len(quote) == 1 and "\n" in text[start:k]):
        return -1
    return k + len(quote)


class _CodeSpans:
    """Which offsets of a text lie in code, not in a string or comment (computed on first use)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: Optional[List[int]] = None
        self._ends: List[int] = []

    def in_code(self, offset: int) -> bool:
        if self._starts is None:
            from bnlint.inventory import _STRINGS_AND_COMMENTS

            spans = [m.span() for m in _STRINGS_AND_COMMENTS.finditer(self.text)]
            self._starts = [a for a, _ in spans]
            self._ends = [b for _, b in spans]
        k = bisect.bisect_right(self._starts, offset) - 1
        return k < 0 or offset >= self._ends[k]


def _at_statement_start(source: str, i: int) -> bool:
    line_start = source.rfind("\n", 0, i) + 1
    return source[line_start:i].strip() in ("", "async")


def evaluates_in_text(source: str) -> bool:
    """A `def` whose name says evaluation, or a `for` loop over evaluation data, in the code of
    ``source`` (with BN001's no-grad tokens, every evaluation context the mode analysis knows)."""
    for m in _DEF_NAME.finditer(source):
        name = m.group(1)
        # A `def` starts its line; one inside a docstring may count too, which is only a superset.
        if is_eval_routine_name(name) and _is_word_start(source, m.start()) and _at_statement_start(source, m.start()):
            return True
    spans: Optional[_CodeSpans] = None
    for m in _FOR_KEYWORD.finditer(source):
        start = m.start()
        if not _is_word_start(source, start):
            continue
        target = _FOR_TARGET.match(source, m.end())
        if target is None or _ADJACENT_WORDS.search(_COMMENT.sub("", target.group(1))):
            continue
        iterable = target.end()
        # A loop statement's header ends at a `:` outside brackets, a comprehension's `for` at the
        # bracket that closes the comprehension; a line break inside it is only layout.
        end, how = _expression_end(source, iterable, stops=":;", limit=_HEADER_LIMIT)
        if how != "limit" and not VAL_WORD_IN_TEXT.search(source, iterable, end):
            continue
        if spans is None:
            spans = _CodeSpans(source)
        if spans.in_code(start):  # not a `for` in a docstring or comment
            return True
    return False


def estimator_in_text(source: str) -> bool:
    """A class that may be used as an estimator (``ModesAnalysis._run_estimators``): a `def` of a
    training method (`fit*`, `train*`, `learn*`) and one of an inference method (`predict`,
    `sample`, `transform`, ...), in code that trains."""
    training = inference = False
    for m in _DEF_NAME.finditer(source):
        name = m.group(1)
        if name.startswith("_"):
            continue
        training = training or name.lower().startswith(("fit", "train", "learn"))
        inference = inference or is_inference_method_name(name)
        if training and inference:
            return trains_in_text(source)
    return False


class _Evidence:
    """BN evidence for one file, computed lazily and at most once."""

    def __init__(self, source: str, path: Optional[str], index: Optional["ProjectIndex"]) -> None:
        self.source = source
        self.path = path
        self.index = index
        self._local: Optional[bool] = None
        self._project: Optional[bool] = None
        self._dropout: Optional[bool] = None
        self._weights: Optional[bool] = None

    def local(self) -> bool:
        if self._local is None:
            # Code only: every BN decision of the rules starts from a dotted name
            # (``ast_bn_evidence``), so `"batch_norm"` in an op table or a docstring is none.
            self._local = code_has_bn_evidence(self.source)
        return self._local

    def dropout(self) -> bool:
        """Dropout evidence, for the rules that take it (``Rule.dropout_evidence``): in the code,
        or in what it imports from the project."""
        if self._dropout is None:
            from bnlint.inventory import code_has_dropout_evidence

            index = self.index
            self._dropout = code_has_dropout_evidence(self.source) or bool(
                index is not None and index.text_reaches_dropout(self.path, self.source) and index.imported_names_hold_dropout(self.path, self.source)
            )
        return self._dropout

    def imported_weights(self) -> bool:
        """A file that trains nothing, importing a project module whose text loads weights (a
        factory that returns a model with its checkpoint loaded): ``Rule.factory_weights_evidence``."""
        if self._weights is None:
            index = self.index
            self._weights = bool(index is not None and self.path and not trains_in_text(self.source) and index.imports_weight_loader(self.path, self.source))
        return self._weights

    def may_have_callers(self) -> bool:
        """A parameter the file may put in train mode, whose callers in other project modules may
        hand it a model with BN or dropout (``Rule.caller_evidence``), or a model a project helper
        froze (``Rule.freeze_helper_evidence``): decided in the ``ast`` step
        (``has_caller_evidence``, ``calls_freeze_helper`` on the tree the engine parses anyway),
        not here."""
        return self.index is not None and bool(self.path) and ".train(" in self.source

    def project(self) -> bool:
        if self._project is None:
            index = self.index
            self._project = bool(
                index is not None
                and index.text_reaches_bn(self.path, self.source)  # reads files only
                and index.imported_names_hold_bn(self.path, self.source)  # summarises imported modules
            )
        return self._project


def text_candidates(source: str, rules: Sequence["RuleType"], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> List["RuleType"]:
    """The rules that may report something in ``source``, judged from text (steps 1 and 2).

    Without ``index`` (or ``path``) only the file's own text counts as BN evidence; callers
    that lint files of a project pass their ``ProjectIndex`` so that `from models import Net`
    is followed.
    """
    if "\r" in source:
        # The text checks read lines as `\n`-terminated (`#[^\n]*` is a comment): a CR-only or
        # CRLF file is checked with Python's own line breaks made `\n` (yes/no answers only).
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    evidence = _Evidence(source, path, index)
    out: List["RuleType"] = []
    pending = []
    for rule in rules:
        if not rule.required_tokens_present(source):
            continue
        if not (rule.trigger_tokens_present(source) or rule.trigger_pattern_matches(source)):
            continue
        if not rule.text_relevant(source) and not (rule.factory_weights_evidence and evidence.imported_weights()) and not (
            path and index is not None and rule.project_text_relevant(source, path, index)
        ):
            continue
        if rule.needs_bn_evidence and not (evidence.local() or rule.name_evidence_matches(source)):
            pending.append(rule)
        else:
            out.append(rule)
    # The import graph last: it reads other files, and costs more than any text check.
    if pending and evidence.project():
        out.extend(pending)
    elif pending:
        out.extend(
            rule for rule in pending
            if (rule.dropout_evidence and evidence.dropout()) or ((rule.caller_evidence or rule.freeze_helper_evidence) and evidence.may_have_callers())
        )
    return out


def needs_parse(source: str, rules: Sequence["RuleType"], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> bool:
    """Can any of ``rules`` report anything in ``source``?  False means: do not even parse it."""
    return bool(text_candidates(source, rules, path, index))


# --- After `ast.parse`, before libcst: the precise version of the same question ------------


def is_numeric_zero(node) -> bool:
    """`0`, `0.0`, `-0.`, also either branch of `0.0 if frozen else 0.1` (BN002's `_is_zero`)."""
    import ast

    if type(node) is ast.IfExp:
        return is_numeric_zero(node.body) or is_numeric_zero(node.orelse)
    while type(node) is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        node = node.operand
    return type(node) is ast.Constant and type(node.value) in (int, float) and node.value == 0


def may_set_zero_momentum(scan: "AstScan") -> bool:
    """Is any momentum value a zero, or a name that some assignment in the module sets to zero?

    Positional values count only in calls that may construct a BN layer (``Facts.is_bn_class_ref``
    on the callee): a class defined in the module with a base class, a BN class through the
    imports, or an imported class whose name says `norm`."""
    import ast

    from bnlint.inventory import is_bn_class

    def zero(value) -> bool:
        return is_numeric_zero(value) or (type(value) is ast.Name and value.id in scan.zero_names)

    if any(zero(v) for v in scan.momentum_values):
        return True
    local_classes = {c.name for c in scan.classes if c.bases}  # a BN subclass has a base
    for callee, value in scan.third_arguments:
        if not zero(value):
            continue
        if callee in local_classes:
            return True
        q = scan.resolve(callee)
        if is_bn_class(q) or (scan.is_imported(callee) and "norm" in q.rsplit(".", 1)[-1].lower()):
            return True
    return False


# ``may_set_zero_momentum`` on the text, a superset of it: BN002's ``text_relevant``.
# Every spelling Python reads as zero: `0`, `0.0`, `.0`, `0e5`, `0_0`, `0x0`, `0o0`, `0b0`, `0j`.
_ZERO_LITERAL = lazy(
    r"(?<![\w.])[-+]?[ \t]*(?:0[xX](?:_?0)+|0[oO](?:_?0)+|0[bB](?:_?0)+|(?:0(?:_?0)*(?:\.(?:0(?:_?0)*)?)?|\.0(?:_?0)*)(?:[eE][-+]?\d(?:_?\d)*)?[jJ]?)(?![\w.])"
)
_MOMENTUM_SITE = lazy(r"momentum" + _TEXT_GAP + r"=(?!=)|momentum['\"]" + _TEXT_GAP + ",")  # `momentum=`, `.momentum =`, `"momentum",`
_NAME_VALUE = lazy(_TEXT_GAP + r"\(*" + _TEXT_GAP + r"([A-Za-z_]\w*)" + _TEXT_GAP + r"(?![\w.(\[])")
_PLAIN_ASSIGNMENT = lazy(r"(?m)^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=(?!=)")
_STATEMENT_LIMIT = 400  # characters looked at after a value starts; beyond: assume the worst


_NOT_POSITIONAL = lazy(r"\s*(?:\*|[A-Za-z_]\w*\s*=(?!=))")  # `*args`, `**kw`, `name=value`


def _positional(args: List[str]) -> List[str]:
    return [a for a in args if a.strip() and not _NOT_POSITIONAL.match(a)]


_EXPRESSION_STOPS = lazy(r"[()\[\]{},;:\n\"'#\\]")
_CHAINED_TARGETS = lazy(r"(?:\s*[\w.]+\s*=(?!=))*")  # `b = ` of `a = b = 0`
_NOT_IN_NUMBER = lazy(r"[()\s\\]")  # parentheses and layout around a number
_IF_KEYWORD = lazy(r"(?<![\w.])if(?!\w)")
_CONDITIONAL_KEYWORDS = lazy(r"(?<![\w.])(if|else)(?!\w)")
_DEFINES = lazy(r"(?<![\w.])(?:def|class)[ \t]+$")
_CHAIN_BEFORE = lazy(r"([A-Za-z_]\w*)(?:[ \t]*\.[ \t]*\w+)*[ \t]*\.[ \t]*$")  # `nn.` before `BatchNorm2d`


def _expression_end(text: str, start: int, stops: str = ",;\n", limit: int = _STATEMENT_LIMIT) -> Tuple[int, str]:
    """Where the expression that starts at ``start`` ends, and what ends it: one of ``stops``
    outside brackets (a `,` between arguments or items, a `;` or line break after a statement,
    a `:` after a loop header), "bracket" (one opened before ``start`` closes: the expression is
    an argument or an item), "end" of the text, or "limit" past ``limit`` characters or at a
    string that does not close (assume the worst).  Strings, comments and backslash
    continuations are skipped; a line break is layout unless it is one of ``stops``."""
    depth = 0
    end = min(len(text), start + limit)
    i = start
    while True:
        m = _EXPRESSION_STOPS.search(text, i, end)
        if m is None:
            return (end, "end") if end == len(text) else (end, "limit")
        i = m.start()
        ch = text[i]
        if ch == '"' or ch == "'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i = _string_end(text, i + len(quote), quote)
            if i < 0 or i > end:
                return end, "limit"
            continue
        if ch == "#":
            i = text.find("\n", i)
            if i < 0:
                return len(text), "end"
            continue
        if ch == "\\":  # a continuation (or a stray backslash: a syntax error)
            i += 3 if text.startswith("\r\n", i + 1) else 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return i, "bracket"
        elif depth == 0 and ch in stops:  # inside brackets a `:` is a slice, a dict or a lambda
            return i, ch
        i += 1


def _items(text: str, start: int, stops: str, limit: int = _STATEMENT_LIMIT, positional: int = 0) -> Tuple[Optional[List[str]], str]:
    """The comma-separated expressions from ``start`` (arguments of a call, items of a display),
    and what ended the last one (``_expression_end``); None past ``limit`` characters for one
    of them.  With ``positional``, stop once that many positional ones are read."""
    items: List[str] = []
    pos = start
    while True:
        end, how = _expression_end(text, pos, stops=stops, limit=limit)
        if how == "limit":
            return None, how
        items.append(text[pos:end])
        if how != "," or (positional and len(_positional(items)) >= positional):
            return items, how
        pos = end + 1


def _call_arguments(text: str, start: int) -> List[str]:
    """The arguments of the call whose `(` ends at ``start``, up to its third positional one;
    three zeros (assume the worst) when they run on past 2,000 characters or do not close."""
    items, how = _items(text, start, stops=",", limit=2000, positional=3)
    if items is None or how not in (",", "bracket"):
        return ["0", "0", "0"]
    return [a for a in items if a.strip()]


def _is_zero_text(expression: str) -> bool:
    """``is_numeric_zero`` on an expression's text: a zero literal (signed, in parentheses), or a
    conditional expression with a zero literal in a branch (`a if c else b`: not in `c`)."""
    expression = _COMMENT.sub("", expression)
    if _ZERO_LITERAL.fullmatch(_NOT_IN_NUMBER.sub("", expression)):
        return True
    if _IF_KEYWORD.search(expression) is None:
        return False
    # Split at the keywords: the part after each `if` (up to its `else`) is a condition; the
    # rest are branches, nested conditionals too.
    parts = _CONDITIONAL_KEYWORDS.split(expression)
    branches = [parts[0]] + [parts[n + 1] for n in range(1, len(parts) - 1, 2) if parts[n] == "else"]
    return any(_ZERO_LITERAL.search(b) for b in branches)


def _items_are_zero(text: str, start: int, bracketed: bool = False) -> Optional[bool]:
    """Is an item of the tuple or list display at ``start`` (`1e-5, 0` or `[1e-5, 0]`) a zero,
    as ``AstScan`` pairs tuple targets with values?  None: not known (assume the worst)."""
    items, how = _items(text, start, stops="," if bracketed else ",;\n")
    if items is None:
        return None
    if how == "bracket" and not bracketed:
        return False  # the end of a call's arguments: no assignment at all
    if len(items) == 1 and not bracketed:
        inner = items[0].lstrip()
        if inner[:1] in ("(", "["):  # `[1e-5, 0]`: the items inside
            return _items_are_zero(text, start + len(items[0]) - len(inner) + 1, bracketed=True)
    return any(_is_zero_text(item) for item in items)


def _is_one_target(text: str) -> bool:
    """Can ``text`` (from a line start up to an `=`) be one statement's target?  Its line may sit
    inside brackets opened before it (`(\n    eps,\n    mom,\n) = 1e-5, 0`), but once those
    close, a line break ends the statement: `f(\n    a, b\n)\nc = 0` assigns only `c`."""
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "\n" and depth < 0:
            return False
    return depth <= 0


_ASSIGNED_HERE = lazy(r"\s*(?::[^=\n]*)?=(?!=)")  # after a name: `= v`, `: float = v`


def _name_set_to_zero_in_text(text: str, name: str) -> bool:
    """Might an assignment in ``text`` set ``name`` to a numeric zero (``AstScan.zero_names``)?
    `name = 0`, `name: float = 0.0 if frozen else 0.1`, `a = name = 0`, or ``name`` in a tuple
    target with a zero in the value.  A keyword argument or a parameter default (`f(name=0)`,
    `def f(name=0)`) ends at a bracket of its call: it assigns nothing."""
    word = r"(?<![\w.])" + re.escape(name)
    # A tuple/list target (`eps, mom = 1e-5, 0`): the name among plain names before the `=`, from
    # the start of the line it is on; it may go on over lines inside brackets:
    # `(\n    eps,\n    mom,\n) = 1e-5, 0`.
    target = re.compile(r"[ \t]*[\w \t,()\[\]]*" + word + r"(?!\w)[\w\s,()\[\]]*=(?!=)")
    lines_seen = set()
    for end in word_ends(text, name):
        start = end - len(name)
        if start and text[start - 1] == ".":
            continue  # `x.name`: an attribute
        m = _ASSIGNED_HERE.match(text, end)
        if m is not None:
            stop, how = _expression_end(text, m.end())
            if how == "limit":
                return True
            if how in (";", "\n", "end") and _is_zero_text(text[_CHAINED_TARGETS.match(text, m.end()).end() : stop]):  # type: ignore[union-attr]
                return True
        line_start = text.rfind("\n", 0, end) + 1
        if line_start in lines_seen:
            continue
        lines_seen.add(line_start)
        m = target.match(text, line_start)
        if m is None or not any(c in m.group() for c in ",[(") or not _is_one_target(m.group()):
            continue  # a plain `name = ...` is taken care of above
        if _items_are_zero(text, m.end()) is not False:
            return True
    return False


def _value_may_be_zero(text: str, value: str, names: dict) -> bool:
    """Might ``value`` (the text of one expression) be a numeric zero: a zero literal, or a
    name that some assignment may set to zero (memoised in ``names``)?"""
    value = value[_CHAINED_TARGETS.match(value).end() :]  # type: ignore[union-attr]
    if _is_zero_text(value):
        return True
    match = _NAME_VALUE.match(value)
    if not match:
        return False
    name = match.group(1)
    if name in ("True", "False", "None"):
        return False
    if name not in names:
        names[name] = _name_set_to_zero_in_text(text, name)
    return names[name]


def may_set_zero_momentum_text(source: str) -> bool:
    """``may_set_zero_momentum`` on the text: a value that may be zero (a zero literal in it, or
    a name some assignment may set to zero) as a momentum (`momentum=`, `.momentum =`,
    `setattr(m, "momentum", v)`) or as the third positional argument of a call whose callee
    may build BN (its last name says `norm`, or it is a class defined in the file)."""
    names: dict = {}  # name -> may an assignment set it to zero
    spans: Optional[_CodeSpans] = None  # a site in a docstring or comment sets nothing
    for m in _MOMENTUM_SITE.finditer(source):
        end, how = _expression_end(source, m.end())
        if how == "limit" or _value_may_be_zero(source, source[m.end() : end], names):
            if spans is None:
                spans = _CodeSpans(source)
            if spans.in_code(m.start()) or source[m.start() - 1 : m.start()] in ("'", '"') and spans.in_code(m.start() - 2):
                return True
    from bnlint.inventory import import_bindings, is_bn_class

    bindings = import_bindings(source)  # None: a `*` import binds names unknown here
    # Callees that may stand for a BN class: a class defined here, an import of a `norm` name
    # under another name (`BatchNorm2d as BN`), an assignment from one (`BN = nn.BatchNorm2d`).
    lower = source.lower()
    norm_at: List[int] = []  # every "norm" in the text, case-insensitively
    i = lower.find("norm")
    while i >= 0:
        norm_at.append(i)
        i = lower.find("norm", i + 4)
    classes = set(re.findall(r"(?m)^[ \t]*class[ \t\\]+(\w+)", source))
    others = set(classes)
    assigned = set()  # names assigned at the start of a line: module-level aliases among them
    for m in _PLAIN_ASSIGNMENT.finditer(source):
        assigned.add(m.group(1))
        k = bisect.bisect_left(norm_at, m.end())
        if k == len(norm_at) or norm_at[k] > m.end() + _STATEMENT_LIMIT:
            continue  # no "norm" within reach of this value
        end, how = _expression_end(source, m.end(), stops=";\n")  # over lines inside brackets too
        if how == "limit" or "norm" in lower[m.end() : end]:
            others.add(m.group(1))
    for bound, targets in (bindings or {}).items():
        if any("norm" in t.rsplit(".", 1)[-1].lower() for t in targets):
            others.add(bound)
    # ... and calls whose callee's last name says `norm` (found in the lower-cased text), when
    # the ast step could count them: the callee's first name bound by an import or a module-level
    # alias (``AstScan.is_imported``), or a class of this file, or a BN class by its own name.
    # Not a definition (`def batch_norm(g, x, w)`), not a local function or a parameter.
    starts: List[int] = []  # where a callee's name ends
    after = 0
    for i in norm_at:
        if i < after:
            continue  # a second "norm" in the same word
        j = i + 4
        while j < len(source) and (source[j].isalnum() or source[j] == "_"):
            j += 1
        after = j
        if not _CALL_OPENS.match(source, j):  # most are no call: `normalize` in prose, `self.norm`
            continue
        k = i
        while k > 0 and (source[k - 1].isalnum() or source[k - 1] == "_"):
            k -= 1
        line_start = source.rfind("\n", 0, k) + 1
        chain = _CHAIN_BEFORE.search(source, max(line_start, k - 200), k)
        root = chain.group(1) if chain else source[k:j]
        continued = chain is None and source[line_start:k].strip() == "."  # `nn\n    .BatchNorm2d`
        if not _DEFINES.search(source, line_start, k) and (
            bindings is None or continued or root in bindings or root in assigned or root in classes or is_bn_class(source[k:j])
        ):
            starts.append(j)
    for name in others:
        starts.extend(word_ends(source, name))
    for end in starts:
        opens = _CALL_OPENS.match(source, end)
        if opens is None:
            continue
        args = _call_arguments(source, opens.end())
        positional = _positional(args)
        if len(positional) > 2 and _value_may_be_zero(source, positional[2], names):
            if spans is None:
                spans = _CodeSpans(source)
            if spans.in_code(end - 1):  # not "normalized (see ...)" in a comment or docstring
                return True
    return False


class AstScan:
    """What the prefilter's ``ast`` step needs from a module, gathered in one walk."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self._identifiers: Optional[set] = None
        self._attributes: Optional[set] = None
        self.names: set = set()  # dotted names (and their prefixes) and plain names
        self.assigned_attributes: set = set()  # `x.<attr> = ...`, `setattr(x, "<attr>", ...)`
        self.called_methods: set = set()  # `x.<method>(...)`
        self.keywords: set = set()  # `f(<kw>=...)`; None for `**kwargs`
        self.strings: set = set()  # short string constants
        self.freezes_parameters = False  # `p.requires_grad = False` / `m.requires_grad_(False)`
        self.forward_classes: list = []  # classes that define `forward`
        self.classes: list = []
        self.call_names: set = set()  # dotted names of everything called: `Net`, `nn.BatchNorm2d`
        self.def_names: set = set()  # names of every function and method
        # Values that could set a momentum: `x.momentum = v`, `setattr(x, "momentum", v)`,
        # `f(momentum=v)`; and (callee, third positional argument): BN's own momentum position.
        self.momentum_values: list = []
        self.third_arguments: list = []
        self._imports: Optional[object] = None  # a ModuleInventory of the imports, built on demand
        self.zero_names: set = set()  # plain names assigned a numeric zero somewhere in the module
        self._walk(tree)

    def _walk(self, tree) -> None:
        """One explicit-stack pass over every node (``ast.walk`` costs several times more)."""
        import ast

        from bnlint.inventory import _MARKER_FIELDS, _MIXED_LIST_FIELDS, _walk_fields, dotted_name, table_call_name

        names, strings, call_names, called_methods = self.names, self.strings, self.call_names, self.called_methods
        keywords, assigned, momentum_values, zero_names = self.keywords, self.assigned_attributes, self.momentum_values, self.zero_names
        fields_of = _walk_fields
        node_type = ast.AST
        Attribute, Name, Constant, Call, Assign = ast.Attribute, ast.Name, ast.Constant, ast.Call, ast.Assign
        stack = [tree]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            node = pop()
            kind = type(node)
            if kind is Name:
                names.add(node.id)
                continue
            if kind is Attribute:
                dotted = dotted_name(node)
                if dotted:
                    # `a.b.c`: the chain holds only these names, so record them all and stop here.
                    parts = dotted.split(".")
                    for i in range(1, len(parts) + 1):
                        names.add(".".join(parts[:i]))
                else:
                    push(node.value)
                continue
            if kind is Constant:
                if type(node.value) is str and len(node.value) <= 200:
                    strings.add(node.value)
                continue
            if kind is Call:
                func = node.func
                callee = dotted_name(func)
                if callee:
                    call_names.add(callee)
                    if len(node.args) > 2:
                        positional = [a for a in node.args if type(a) is not ast.Starred]
                        if len(positional) > 2:
                            self.third_arguments.append((callee, positional[2]))
                else:  # `models.__dict__[arch]()`, `MODELS[name]()` (``facts.callee_dotted``)
                    table = table_call_name(func)
                    if table:
                        call_names.add(table)
                if type(func) is Attribute:
                    called_methods.add(func.attr)
                    if func.attr == "requires_grad_" and is_freeze_site(node):
                        self.freezes_parameters = True
                elif type(func) is Name and func.id == "setattr" and len(node.args) >= 2:
                    name = node.args[1]
                    if type(name) is Constant and isinstance(name.value, str):
                        assigned.add(name.value)
                        if name.value == "momentum" and len(node.args) >= 3:
                            momentum_values.append(node.args[2])
                for k in node.keywords:
                    keywords.add(k.arg)
                    if k.arg == "momentum":
                        momentum_values.append(k.value)
            elif kind is Assign:
                if is_freeze_site(node):
                    self.freezes_parameters = True
                for t in node.targets:
                    if type(t) is Attribute:
                        assigned.add(t.attr)
                        if t.attr == "momentum":
                            momentum_values.append(node.value)
                    elif type(t) is Name:
                        if is_numeric_zero(node.value):
                            zero_names.add(t.id)
                    elif type(t) in (ast.Tuple, ast.List) and type(node.value) in (ast.Tuple, ast.List):
                        for te, ve in zip(t.elts, node.value.elts):
                            if type(te) is Name and is_numeric_zero(ve):
                                zero_names.add(te.id)
            elif kind is ast.AnnAssign:
                if type(node.target) is Name and node.value is not None and is_numeric_zero(node.value):
                    zero_names.add(node.target.id)
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.def_names.add(node.name)
            elif kind is ast.ClassDef:
                self.classes.append(node)
                if any(type(item) in (ast.FunctionDef, ast.AsyncFunctionDef) and item.name == "forward" for item in node.body):
                    self.forward_classes.append(node)
            # ``ast_children``, inlined: this loop runs once per node of every file that reaches it.
            fields = fields_of.get(kind)
            if fields is None:
                fields = fields_of[kind] = tuple(f for f in kind._fields if f not in _MARKER_FIELDS)
            for field in fields:
                value = getattr(node, field, None)
                if type(value) is list:
                    if field in _MIXED_LIST_FIELDS:
                        extend([item for item in value if isinstance(item, node_type)])
                    else:
                        extend(value)
                elif isinstance(value, node_type):
                    push(value)

    def resolve(self, dotted: str) -> str:
        """``dotted`` through the module's imports (``nn.BatchNorm2d`` -> ``torch.nn.BatchNorm2d``)."""
        return self._import_inventory().resolve(dotted)

    def is_imported(self, dotted: str) -> bool:
        return self._import_inventory().is_imported(dotted)

    def _import_inventory(self):
        if self._imports is None:
            from bnlint.inventory import ModuleInventory, _import_aliases

            self._imports = ModuleInventory(path=None, aliases=_import_aliases(self.tree))
        return self._imports

    @property
    def identifiers(self) -> set:
        """Every identifier used in a name or attribute (`model.bn1.weight` -> model, bn1, weight)."""
        if self._identifiers is None:
            self._identifiers = {part for name in self.names for part in name.split(".")}
        return self._identifiers

    @property
    def attributes(self) -> set:
        """Every attribute name (`model.bn1.weight` -> bn1, weight)."""
        if self._attributes is None:
            self._attributes = {part for name in self.names for part in name.split(".")[1:]}
        return self._attributes


def is_freeze_site(node) -> bool:
    """`p.requires_grad = False` or `x.requires_grad_(False)`."""
    import ast

    kind = type(node)
    if kind is ast.Assign:
        return (
            (type(node.value) is ast.Constant and node.value.value is False) or _name_test(node.value)
            or type(node.value) is ast.Name  # `= set_req_grad`: the rule reads whether it is a `False` constant
        ) and any(type(t) is ast.Attribute and t.attr == "requires_grad" for t in node.targets)
    if kind is ast.Call:
        func = node.func
        return (
            type(func) is ast.Attribute and func.attr == "requires_grad_" and bool(node.args)
            and type(node.args[0]) is ast.Constant and node.args[0].value is False
        )  # fmt: skip
    return False


# ``is_freeze_site`` on the text: parentheses around the target or the value, chained targets
# (`a.requires_grad = b.requires_grad = False`), comments and continuations where Python allows.
_FROZEN_ASSIGNMENT = lazy(rf"{_TEXT_GAP}(?:\){_TEXT_GAP})*=(?!=)(?:[\s\\(]|{_TEXT_COMMENT}|[\w.\[\]'\"]+{_TEXT_GAP}=(?!=))*False\b")
_FROZEN_CALL = lazy(rf"_{_TEXT_GAP}\({_TEXT_GAP}(?:\({_TEXT_GAP})*False\b")
# `p.requires_grad = set_req_grad`: a name, which the rule reads (a `False` constant freezes).
_NAME_ASSIGNMENT = lazy(rf"{_TEXT_GAP}=(?!=)[ \t]*(?!True\b|False\b)[A-Za-z_]\w*[ \t]*(?:#[^\n]*)?(?:\n|;|$)")
# `p.requires_grad = "fc" in name or ...`: a flag set from a test of the parameter's name.
_NAME_TEST_ASSIGNMENT = lazy(rf"{_TEXT_GAP}=(?!=)(?:{_TEXT_GAP}\(|{_TEXT_GAP}not\b)*{_TEXT_GAP}(?:'[^'\n]*'|\"[^\"\n]*\"){_TEXT_GAP}(?:not{_TEXT_GAP})?in\b")


def _name_test(value) -> bool:
    """`"fc" in name`, `not "fc" in name`, `"a" in name or "b" in name` (``_NAME_TEST_ASSIGNMENT``)."""
    import ast

    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
        return _name_test(value.operand)
    if isinstance(value, ast.IfExp):  # `False if "batch_norm" in name else True`
        return _name_test(value.test)
    if isinstance(value, ast.BoolOp):
        return any(_name_test(v) for v in value.values)
    return (
        isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], (ast.In, ast.NotIn))
        and isinstance(value.left, ast.Constant) and isinstance(value.left.value, str)
    )


def freezes_in_text(source: str) -> bool:
    """`x.requires_grad = False` or `x.requires_grad_(False)` in the text (``is_freeze_site``)."""
    for end in attribute_ends(source, "requires_grad", allow_suffix="_"):
        if _FROZEN_ASSIGNMENT.match(source, end) or _FROZEN_CALL.match(source, end) or _NAME_TEST_ASSIGNMENT.match(source, end) or _NAME_ASSIGNMENT.match(source, end):
            return True
    return False


def freezing_scopes(tree) -> list:
    """The functions (nested ones too) that contain a freeze site, and ``tree`` itself when a
    top-level statement other than a `def`/`class` contains one."""
    import ast

    from bnlint.inventory import ast_children, ast_nodes

    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    scopes: list = []
    seen: set = set()
    top_level = False
    for stmt in tree.body:
        if not isinstance(stmt, functions + (ast.ClassDef,)):
            top_level = top_level or any(is_freeze_site(n) for n in ast_nodes(stmt))
            continue
        # Walk with the chain of enclosing functions; a freeze marks all of them.
        stack = [(stmt, (stmt,) if isinstance(stmt, functions) else ())]
        while stack:
            node, chain = stack.pop()
            if is_freeze_site(node):
                for fn in chain:
                    if id(fn) not in seen:
                        seen.add(id(fn))
                        scopes.append(fn)
            for child in ast_children(node):
                stack.append((child, chain + (child,) if isinstance(child, functions) else chain))
    if top_level:
        scopes.append(tree)
    return scopes


def ast_bn_evidence(scan: AstScan, aliases, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Does any name in this module denote BatchNorm or something that holds it?

    Every BN decision of the rules (``Facts.is_bn_class_ref``, ``class_holds_bn``,
    ``expr_holds_bn``, the summaries of local classes) starts from a dotted name in the module
    that resolves to a BN layer, function or factory, or to a project object whose summary
    says BN; so if none does, no BN-evidence rule can report anything.  Local names are
    checked first; the project index (which reads other modules) only if they decide nothing.
    """
    from bnlint import inventory as inv_mod

    resolve = inv_mod.ModuleInventory(path=path, aliases=aliases).resolve

    imported = []
    bn_function_used = False
    for dotted in scan.names:
        q = resolve(dotted)
        if inv_mod.is_bn_class(q) or inv_mod.factory_holds_bn(q):
            return True
        if q in inv_mod.BN_FUNCTIONS or q.endswith("functional.batch_norm"):
            bn_function_used = True
        if dotted.partition(".")[0] in aliases and q.lstrip(".").split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS:
            imported.append(q)
    if bn_function_used and _class_calls_bn_function(scan, resolve):
        return True  # a custom module built on F.batch_norm
    if any(d.endswith((".running_mean", ".running_var")) for d in scan.names) and _hand_written_bn(scan):
        return True  # a BatchNorm written by hand (running statistics, `self.training`)
    if path is None or index is None:
        return False
    if any(index.holds_bn(path, q) for q in sorted(imported)):
        return True
    # A model picked by name from a project module's namespace (`models.__dict__[arch]()`, or by a
    # literal key, `models.__dict__["lavt"]()`: a callee no name in the code spells).
    return any(
        inv_mod.callable_holds_bn(inv_mod.ModuleInventory(path=path, aliases=aliases), name, path, index)
        for name in sorted(scan.call_names)
        if name.endswith(".__dict__") or name not in scan.names
    )


def _hand_written_bn(scan: AstScan) -> bool:
    import ast

    from bnlint.inventory import is_hand_written_bn

    return any(isinstance(node, ast.ClassDef) and is_hand_written_bn(node) for node in ast.walk(scan.tree))


def _class_calls_bn_function(scan: AstScan, resolve) -> bool:
    import ast

    from bnlint.inventory import ast_nodes, calls_bn_function

    return any(isinstance(node, ast.Call) and calls_bn_function(node, resolve) for cls in scan.classes for node in ast_nodes(cls))


def builds_bn_model(scan: AstScan, inventory, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Is a model that holds BN built in this module: a call of a BN layer, of a class or
    function that holds BN, or of a BN factory (``Facts.is_bn_class_ref`` or
    ``Facts.class_holds_bn`` on the callee), or is a LightningModule here one that holds BN?

    ``bnlint.modes`` creates its model objects only at such calls (``_create``, ``_self_obj``),
    and BN005's ``_bn_models`` are such calls; ``inventory`` is the module's own summary.
    """
    from bnlint import inventory as inv_mod

    for name in scan.call_names:
        if inv_mod.callable_holds_bn(inventory, name, path, index):
            return True
    return bool(inventory.lightning_classes & inventory.bn_holding)


def builds_dropout_model(scan: AstScan, inventory, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """``builds_bn_model`` for dropout: is a model with a dropout layer built in this module
    (``callable_holds_dropout`` on a callee)?  The mode analysis tracks such models for BN001."""
    from bnlint import inventory as inv_mod

    return any(inv_mod.callable_holds_dropout(inventory, name, path, index) for name in scan.call_names)


class CstCandidates:
    """The outcome of the ``ast`` step: the rules to run, and the module summary if it was built."""

    def __init__(self, rules: List["RuleType"], inventory=None) -> None:
        self.rules = rules
        self.inventory = inventory

    def __bool__(self) -> bool:
        return bool(self.rules)


def cst_candidates(tree, source: str, rules: Sequence["RuleType"], path: Optional[str], index: Optional["ProjectIndex"]) -> CstCandidates:
    """The prefilter's ``ast`` step (step 3 above): which of ``rules`` (those that passed
    ``text_candidates``) can report anything in this tree?  Only those need to run."""
    from bnlint.inventory import _import_aliases, _star_imports

    scan: Optional[AstScan] = None
    evidence: Optional[bool] = None
    model: Optional[bool] = None
    dropout_model: Optional[bool] = None
    caller_model: Optional[bool] = None
    freeze_helper: Optional[bool] = None
    inventory = None
    out: List["RuleType"] = []
    for rule in rules:
        if scan is None:
            scan = AstScan(tree)
        if not rule.ast_relevant(scan):
            continue
        if not rule.needs_bn_evidence or rule.ast_name_evidence(scan, source):
            out.append(rule)
            continue
        if rule.freeze_helper_evidence and path and index is not None:
            if freeze_helper is None:
                freeze_helper = calls_freeze_helper(scan, _import_aliases(tree), path, index)
            if freeze_helper:
                out.append(rule)
                continue
        if evidence is None:
            aliases = _import_aliases(tree)
            if path and index is not None and _star_imports(tree):
                # `from models import *`: what it binds, as the module's summary will see it (the
                # summary is kept: the model step and the rules use the same one).
                inventory = index.inventory_for_source(source, path, tree)
                aliases = inventory.aliases
            evidence = ast_bn_evidence(scan, aliases, path, index)
        if not evidence and not rule.dropout_evidence and not rule.caller_evidence:
            continue
        if rule.needs_bn_model or not evidence:
            if index is None:
                from bnlint.inventory import ProjectIndex

                index = ProjectIndex()
            if inventory is None:
                inventory = index.inventory_for_source(source, path, tree)
            if evidence and model is None:
                model = builds_bn_model(scan, inventory, path, index)
            if not (evidence and model):
                # A model with dropout and no BN, for the rules that evaluate (``dropout_evidence``).
                if not rule.dropout_evidence and not rule.caller_evidence:
                    continue
                if rule.dropout_evidence and dropout_model is None:
                    dropout_model = builds_dropout_model(scan, inventory, path, index)
                if not (rule.dropout_evidence and dropout_model):
                    if not rule.caller_evidence:
                        continue
                    if caller_model is None:
                        from bnlint.callers import has_caller_evidence

                        caller_model = has_caller_evidence(tree, path, index) or evaluation_trains_parameter(tree) or validates_after_train(scan, source)
                    if not caller_model:
                        continue
        out.append(rule)
    return CstCandidates(out, inventory)


def calls_freeze_helper(scan: "AstScan", aliases, path: str, index: "ProjectIndex") -> bool:
    """Does the module call, with an argument, a function of another project module whose summary
    freezes the BatchNorm of what it is handed (``ProjectIndex.freeze_helper``)?"""
    import ast

    from bnlint.inventory import ModuleInventory, dotted_name

    inv = ModuleInventory(path=path, aliases=aliases)
    seen = set()
    for node in ast.walk(scan.tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = dotted_name(node.func)
        if not name or name in seen or not inv.is_imported(name):
            continue
        seen.add(name)
        if index.freeze_helper(path, inv.resolve(name)) is not None:
            return True
    return False


def validates_after_train(scan: "AstScan", source: str) -> bool:
    """Does the file call `.train()`, evaluate (a no-grad context or a function named for
    evaluation) and name validation/test data in its code?  BN001 reports a model of unknown
    content that this code puts in train mode and then runs over validation data (the `.train()`
    says its mode matters), so such a file needs no BN evidence."""
    from bnlint.eval_names import is_eval_routine_name

    methods = scan.called_methods
    if "train" not in methods:
        return False
    if not ("no_grad" in methods or "inference_mode" in methods or any(is_eval_routine_name(name) for name in scan.def_names)):
        return False
    return names_eval_data_in_code(source) and _trains_parameter_or_attribute(scan.tree)


def _trains_parameter_or_attribute(tree) -> bool:
    """Does a function call `.train()` on one of its parameters or on a `self.<attr>` (a model
    whose content its caller or constructor decides)?"""
    return _trains_unknown_model(tree, eval_routines_only=False)


def _trains_unknown_model(tree, eval_routines_only: bool) -> bool:
    """Does a function (one named for evaluation, with ``eval_routines_only``) call `.train()`
    on one of its parameters (or, without ``eval_routines_only``, on a `self.<attr>`)?"""
    import ast

    from bnlint.eval_names import is_eval_routine_name

    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or (eval_routines_only and not is_eval_routine_name(fn.name)):
            continue
        params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
        if not eval_routines_only:
            # A module built here around modules the caller handed in (`model = Fused(encoders,
            # head)`): its content is the caller's too.
            params |= _built_from_parameters(fn, params)
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "train"):
                continue
            if node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in (False, 0):
                continue
            recv = node.func.value
            if isinstance(recv, ast.Name) and recv.id in params:
                return True
            if not eval_routines_only and isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) and recv.value.id == "self":
                return True
    return False


def _built_from_parameters(fn, params: Set[str]) -> Set[str]:
    """Names ``fn`` binds to a call that is handed one of its parameters (`model =
    Fused(encoders, head).to(device)`)."""
    import ast

    out = set()
    for stmt in fn.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        value = stmt.value
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
            value = value.func.value  # `Fused(...).to(device)`
        if isinstance(value, ast.Call) and any(isinstance(a, ast.Name) and a.id in params for a in list(value.args) + [k.value for k in value.keywords]):
            out.add(stmt.targets[0].id)
    return out


def evaluation_trains_parameter(tree) -> bool:
    """Does a function named for evaluation (``eval_names.is_eval_routine_name``) call `.train()`
    on one of its parameters?  BN001 reports the evaluation that follows whatever the model holds
    (the `.train()` says its mode matters), so such a file needs no BN evidence."""
    return _trains_unknown_model(tree, eval_routines_only=True)


def needs_cst(tree, source: str, rules: Sequence["RuleType"], path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Can any of ``rules`` report anything in this tree?  (``cst_candidates``, as a yes/no.)"""
    return bool(cst_candidates(tree, source, rules, path, index))
