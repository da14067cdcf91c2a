import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")


def run_bnlint(*args, cwd=None, input=None, env=None):
    """Run the real CLI in a subprocess (end to end)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env["BNLINT_CACHE_DIR"] = full_env.get("BNLINT_TEST_CACHE", os.path.join(cwd or ROOT, ".bnlint_cache_test"))
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bnlint", *args],
        cwd=cwd or ROOT,
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


@pytest.fixture
def bnlint_cli():
    return run_bnlint
