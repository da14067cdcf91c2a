"""``Facts.reaching_assignments``: which bindings of a name can reach a use (objects, not names)."""
import libcst as cst

from bnlint.engine import _traverse
from bnlint.facts import Facts
from bnlint.inventory import ModuleInventory, ProjectIndex

SOURCE = """\
net = First()
for epoch in range(3):
    use(net)
    net = InLoop()
net = Second()
use(net)
if flag:
    net = Maybe()
use(net)


def later():
    use(net)


def local():
    net = A()
    net = B(); use(net)
"""


def _facts(source):
    module = cst.parse_module(source)
    facts = Facts(module, ModuleInventory(path=None), ProjectIndex(), None)
    _traverse(module, [], facts, [], "t.py")
    return facts


def _uses(facts):
    return [c.args[0].value for c in facts.calls if isinstance(c.func, cst.Name) and c.func.value == "use"]


def _names(values):
    return sorted(v.func.value for v in values)


def test_the_bindings_that_reach_each_use():
    facts = _facts(SOURCE)
    in_loop, after_second, after_branch, in_function, after_local = _uses(facts)
    module = facts.module
    # In the loop: the binding before it, and the loop's own (its next iteration).
    assert _names(facts.reaching_assignments("net", in_loop, module)) == ["First", "InLoop"]
    # After an unconditional rebinding: that object only.
    assert _names(facts.reaching_assignments("net", after_second, module)) == ["Second"]
    # After a conditional rebinding: either.
    assert _names(facts.reaching_assignments("net", after_branch, module)) == ["Maybe", "Second"]
    # In a function: whichever binding is in force when it is called: all of them.
    assert _names(facts.reaching_assignments("net", in_function, module)) == ["First", "InLoop", "Maybe", "Second"]
    # Two statements on one line: the first is replaced by the second.
    local = facts.enclosing_function(after_local)
    assert _names(facts.reaching_assignments("net", after_local, local)) == ["B"]
