"""`[tool.bnlint]` in pyproject.toml, or bnlint.toml, merged with command-line flags."""
from __future__ import annotations

import fnmatch
import os
import sys

from bnlint.records import field, record
from bnlint.rule import Rule, RuleType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Sequence, Tuple


def _toml() -> Any:
    """tomllib (tomli before 3.11), imported on first use: most runs read no TOML at all, and
    startup counts for pre-commit and editors."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10
        import tomli as tomllib
    return tomllib


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    ".env",
    "build",
    "dist",
    "__pycache__",
    ".tox",
    ".nox",
    "node_modules",
    "site-packages",
    ".eggs",
    "*.egg-info",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".bnlint_cache",
    ".ipynb_checkpoints",
)

LIST_KEYS = ("select", "ignore", "extend-select", "extend-ignore", "exclude", "extend-exclude", "fixable", "unfixable", "bn-model-factories")
BOOL_KEYS = ("respect-gitignore", "force-exclude", "fix", "unsafe-fixes", "show-source", "show-fixes")
OTHER_KEYS = ("per-file-ignores", "extend-per-file-ignores", "cache-dir", "output-format", "max-file-size", "jobs")
OUTPUT_FORMATS = ("text", "json", "sarif", "github", "concise", "full")


def all_rules() -> List[RuleType]:
    from bnlint.registry import load_rules

    return load_rules()


def _rule_keys(rule: RuleType) -> Tuple[str, ...]:
    return (rule.code, rule.name)


def expand_selector(selector: str, rules: Sequence[RuleType], source: str) -> List[RuleType]:
    """`ALL`, a code (`BN002`), a prefix (`BN0`), or a kebab-case name."""
    sel = selector.strip()
    if not sel:
        return []
    if sel.upper() == "ALL":
        return list(rules)
    up = sel.upper()
    matched = [r for r in rules if r.code.startswith(up) or r.name == sel]
    if not matched:
        known = ", ".join(f"{r.code} ({r.name})" for r in rules)
        raise ConfigError(f"{source}: unknown rule selector {sel!r}; known rules: {known}")
    return matched


@record
class Settings:
    select: Optional[List[str]] = None  # None: the default-enabled rules
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    extend_exclude: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    fixable: Optional[List[str]] = None
    unfixable: List[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    fix: bool = False
    unsafe_fixes: bool = False
    show_source: bool = False
    show_fixes: bool = False
    output_format: str = "text"
    cache_dir: Optional[str] = None
    max_file_size: int = 2_000_000
    jobs: Optional[int] = None
    rule_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # rule code -> option -> value
    # The project's factories that build BN models, by qualified name (`mypkg.models.build_model`):
    # what they return is treated like `torchvision.models.resnet50()`.
    bn_model_factories: List[str] = field(default_factory=list)
    config_path: Optional[str] = None
    project_root: str = field(default_factory=os.getcwd)
    _enabled: Optional[List[RuleType]] = None
    _per_file_cache: Dict[str, List[RuleType]] = field(default_factory=dict)

    # --- rule selection ------------------------------------------------------
    def enabled_rules(self) -> List[RuleType]:
        if self._enabled is None:
            rules = all_rules()
            src = self.config_path or "command line"
            if self.select is None:
                chosen = [r for r in rules if r.default_enabled]
            else:
                chosen = []
                for s in self.select:
                    chosen.extend(expand_selector(s, rules, src))
            for s in self.extend_select:
                chosen.extend(expand_selector(s, rules, src))
            ignored = set()
            for s in self.ignore:
                ignored.update(r.code for r in expand_selector(s, rules, src))
            seen = set()
            self._enabled = [r for r in rules if r in chosen and r.code not in ignored and not (r.code in seen or seen.add(r.code))]
        return self._enabled

    def rules_for(self, path: str) -> List[RuleType]:
        rules = self.enabled_rules()
        if not self.per_file_ignores:
            return rules
        if path in self._per_file_cache:
            return self._per_file_cache[path]
        rel = self.relpath(path)
        ignored = set()
        all_known = all_rules()
        for pattern, codes in self.per_file_ignores.items():
            if _glob_match(rel, pattern):
                for c in codes:
                    ignored.update(r.code for r in expand_selector(c, all_known, self.config_path or "per-file-ignores"))
        out = [r for r in rules if r.code not in ignored]
        self._per_file_cache[path] = out
        return out

    def relpath(self, path: str) -> str:
        try:
            return os.path.relpath(os.path.abspath(path), self.project_root).replace(os.sep, "/")
        except ValueError:
            return path.replace(os.sep, "/")

    def is_fixable(self, code: str) -> bool:
        rules = all_rules()
        if self.fixable is not None:
            allowed = {r.code for s in self.fixable for r in expand_selector(s, rules, "fixable")}
            if code not in allowed:
                return False
        return code not in {r.code for s in self.unfixable for r in expand_selector(s, rules, "unfixable")}

    def rule_option(self, rule: Rule, name: str) -> Any:
        values = self.rule_options.get(rule.code, {})
        if name in values:
            return values[name]
        for opt in rule.options:
            if opt.name == name:
                return opt.default
        raise KeyError(f"{rule.code} has no option {name!r}")

    def fingerprint(self) -> str:
        """Everything that can change a file's findings, for the cache key."""
        data = {
            "rules": [r.code for r in self.enabled_rules()],
            "per_file_ignores": self.per_file_ignores,
            "options": self.rule_options,
            "max_file_size": self.max_file_size,
            "bn_model_factories": sorted(self.bn_model_factories),
        }
        import json

        from bnlint.sources import blake2b

        return blake2b(json.dumps(data, sort_keys=True, default=str).encode(), digest_size=8).hexdigest()


def _glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(os.path.basename(rel), pattern):
        return True
    # A directory pattern covers everything below it.
    return fnmatch.fnmatch(rel, pattern + "/*")


def find_config(start: str) -> Optional[str]:
    """Nearest bnlint.toml, or pyproject.toml with a [tool.bnlint] table, walking up from ``start``."""
    d = os.path.abspath(start)
    if not os.path.isdir(d):
        d = os.path.dirname(d)
    while True:
        for name in ("bnlint.toml", ".bnlint.toml"):
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate):
                return candidate
        candidate = os.path.join(d, "pyproject.toml")
        if os.path.isfile(candidate):
            tomllib = _toml()
            try:
                with open(candidate, "rb") as fh:
                    data = tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{candidate}: cannot read configuration: {exc}") from exc
            except RecursionError as exc:
                raise ConfigError(f"{candidate}: invalid TOML: nested too deeply to read") from exc
            if "bnlint" in _tool_table(data, candidate):
                return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def load_table(path: str) -> Dict[str, Any]:
    tomllib = _toml()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except RecursionError as exc:  # `a = [[[[...` thousands deep: the parser recurses per level
        raise ConfigError(f"{path}: invalid TOML: nested too deeply to read") from exc
    if os.path.basename(path) == "pyproject.toml":
        table = _tool_table(data, path).get("bnlint")
        if table is None:
            raise ConfigError(f"{path}: no [tool.bnlint] table")
    elif "tool" in data:
        table = _tool_table(data, path).get("bnlint", data)
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.bnlint` must be a table ([tool.bnlint]), got {table!r}")
    return table


def _tool_table(data: Dict[str, Any], path: str) -> Dict[str, Any]:
    """``data["tool"]`` (empty when absent); a `tool` that is not a table is an error naming the file."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table ([tool]), got {tool!r}")
    return tool


def apply_table(settings: Settings, table: Dict[str, Any], source: str) -> None:
    """Validate and copy a config table into ``settings``; unknown keys are errors."""
    rules = all_rules()
    options_by_name = {opt.name: (r, opt) for r in rules for opt in r.options}
    rule_tables = {k: r for r in rules for k in _rule_keys(r)}

    def expect(key: str, value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{source}: `{key}` must be {what}, got {value!r}")
        return value

    def at_least_zero(key: str, value: Any, what: str) -> Any:
        expect(key, value, int, what)
        if value < 0:
            raise ConfigError(f"{source}: `{key}` must be {what}, got {value!r}")
        return value

    def str_list(key: str, value: Any) -> List[str]:
        expect(key, value, list, "a list of strings")
        for item in value:
            expect(key, item, str, "a list of strings")
        return list(value)

    def set_option(rule: RuleType, opt_name: str, value: Any, key: str) -> None:
        opt = next((o for o in rule.options if o.name == opt_name), None)
        if opt is None:
            known = ", ".join(o.name for o in rule.options) or "none"
            raise ConfigError(f"{source}: unknown option `{key}` for {rule.code} ({rule.name}); its options: {known}")
        expect(key, value, opt.type, f"of type {opt.type.__name__}")
        if opt.type is int:  # the rules' numeric options are sizes and counts
            at_least_zero(key, value, "a number, 0 or more")
        settings.rule_options.setdefault(rule.code, {})[opt_name] = value

    for key, value in table.items():
        if key in LIST_KEYS:
            values = str_list(key, value)
            if key in ("select", "ignore", "extend-select", "extend-ignore", "fixable", "unfixable"):
                for sel in values:
                    expand_selector(sel, rules, f"{source}: `{key}`")
            if key == "select":
                settings.select = values
            elif key == "extend-select":
                settings.extend_select += values
            elif key in ("ignore", "extend-ignore"):
                settings.ignore += values
            elif key == "exclude":
                settings.exclude = values
            elif key == "extend-exclude":
                settings.extend_exclude += values
            elif key == "fixable":
                settings.fixable = values
            elif key == "unfixable":
                settings.unfixable += values
            elif key == "bn-model-factories":
                for name in values:
                    if not all(part.isidentifier() for part in name.split(".")) or "." not in name:
                        raise ConfigError(f"{source}: `bn-model-factories` takes qualified names like \"mypkg.models.build_model\", got {name!r}")
                settings.bn_model_factories = values
        elif key in BOOL_KEYS:
            setattr(settings, key.replace("-", "_"), expect(key, value, bool, "true or false"))
        elif key in ("per-file-ignores", "extend-per-file-ignores"):
            expect(key, value, dict, "a table of glob = [codes]")
            for pattern, codes in value.items():
                for sel in str_list(f"{key}.{pattern}", codes):
                    expand_selector(sel, rules, f"{source}: `{key}.{pattern}`")
                settings.per_file_ignores[pattern] = list(codes)
        elif key == "cache-dir":
            settings.cache_dir = expect(key, value, str, "a path")
        elif key == "output-format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(f"{source}: `output-format` must be one of {', '.join(OUTPUT_FORMATS)}, got {value!r}")
            settings.output_format = value
        elif key == "max-file-size":
            settings.max_file_size = at_least_zero(key, value, "a number of bytes, 0 or more (0: no limit)")
        elif key == "jobs":
            settings.jobs = at_least_zero(key, value, "a number of processes, 0 or more (0: one per core)")
        elif key in options_by_name:
            rule, opt = options_by_name[key]
            set_option(rule, opt.name, value, key)
        elif key in rule_tables:
            rule = rule_tables[key]
            expect(key, value, dict, f"a table of {rule.code}'s options ([tool.bnlint.{key}])")
            for opt_name, opt_value in value.items():
                set_option(rule, opt_name, opt_value, f"{key}.{opt_name}")
        else:
            raise ConfigError(f"{source}: unknown key `{key}` in [tool.bnlint]")


def load_settings(paths: Sequence[str], config_path: Optional[str] = None, isolated: bool = False) -> Settings:
    settings = Settings()
    if isolated:
        return settings
    if config_path is None:
        config_path = find_config(paths[0] if paths else os.getcwd())
    if config_path is not None:
        table = load_table(config_path)
        settings.config_path = config_path
        settings.project_root = os.path.dirname(os.path.abspath(config_path))
        apply_table(settings, table, config_path)
    return settings
