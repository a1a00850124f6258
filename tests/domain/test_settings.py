"""Settings read from the environment (issue 11): production refuses every secret key written
in this repository or shorter than 32 characters; KHORTOR_TRUSTED_PROXIES is parsed at start."""

from __future__ import annotations

import ast
import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main
from domain.settings import DEV_SECRET_NOTICE, PUBLISHED_SECRETS, Settings, parse_networks
from domain.vault import new_key

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"KHORTOR_DATA_KEYS": f"k1:{new_key()}", "KHORTOR_LOOKUP_KEY": new_key()}


def production(secret: str | None) -> dict[str, str]:
    secret_env = {} if secret is None else {"KHORTOR_SECRET_KEY": secret}
    return {"KHORTOR_ENV": "production", **KEYS, **secret_env}


# --- the secret key -------------------------------------------------------------------------

_SKIPPED = {".git", ".venv", "node_modules", "dist", "__pycache__", "khortor.egg-info",
            ".mypy_cache", ".pytest_cache", "artifacts"}
# `KHORTOR_SECRET_KEY=value` or `KHORTOR_SECRET_KEY: value` in text other than Python (docs,
# shell, Dockerfile, YAML); a shell substitution such as `$(openssl rand ...)` is no literal.
_IN_TEXT = re.compile(r"""KHORTOR_SECRET_KEY["']?\s*[=:]\s*["']?([^\s"'`\\;,)}$][^\s"'`\\;,)}]*)""")


def _constant(node: ast.AST) -> object:
    """The value of a constant expression such as `"s" * 40` or `"a-" + "k" * 40`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
        left, right = _constant(node.left), _constant(node.right)
        try:
            return left + right if isinstance(node.op, ast.Add) else left * right  # type: ignore[operator]
        except TypeError:
            return None
    return None


def _python_literals(tree: ast.AST) -> Iterator[str]:
    """Strings bound to a name, keyword or dict key that says "secret"."""
    for node in ast.walk(tree):
        named: list[tuple[object, ast.AST]] = []
        if isinstance(node, ast.keyword):
            named.append((node.arg, node.value))
        elif isinstance(node, ast.Dict):
            named.extend((_constant(k) if k else None, v) for k, v in zip(node.keys, node.values))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named.extend((getattr(t, "id", getattr(t, "attr", None)), node.value) for t in targets)
        for name, value in named:
            literal = _constant(value)
            if isinstance(name, str) and "secret" in name.lower() and isinstance(literal, str):
                yield literal


def secrets_in_repository() -> dict[str, str]:
    """Every secret key literal in the repository's text files, with one file it is in."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if _SKIPPED & set(relative.parts) or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".py":
            try:
                literals = set(_python_literals(ast.parse(text)))
            except SyntaxError:  # a file being written: its own tests will say so
                continue
        else:
            literals = set(_IN_TEXT.findall(text))
        for literal in literals:
            found.setdefault(literal, str(relative))
    return found


def test_the_scan_finds_secrets_in_code_and_in_text() -> None:
    code = ('S = Settings(secret_key="a-" + "k" * 3)\nENV = {"KHORTOR_SECRET_KEY": "b" * 2}\n'
            'API_SECRET: str = "c"\nsettings.secret_key = "d"\nother = "not a secret"\n')
    assert sorted(_python_literals(ast.parse(code))) == ["a-kkk", "bb", "c", "d"]
    text = ('docker run -e KHORTOR_SECRET_KEY=e1 -e KHORTOR_SECRET_KEY="f2" \\\n'
            '  KHORTOR_SECRET_KEY: g3\nKHORTOR_SECRET_KEY=$(openssl rand -base64 48)\n')
    assert _IN_TEXT.findall(text) == ["e1", "f2", "g3"]
    found = secrets_in_repository()
    assert found[DEV_SECRET_NOTICE] == "domain/settings.py"  # the development default


def test_production_refuses_every_secret_written_in_the_repository() -> None:
    """A key anyone can read signs tokens anyone can forge. A new test or example key of 32
    characters or more must be added to `PUBLISHED_SECRETS` in domain/settings.py."""
    for literal, where in secrets_in_repository().items():
        with pytest.raises(ValueError, match="KHORTOR_SECRET_KEY") as refused:
            Settings.from_env(production(literal))
        if len(literal) >= 32:
            assert literal in PUBLISHED_SECRETS, f"{where}: add it to PUBLISHED_SECRETS"
            assert "published with Khortor's code" in str(refused.value)
        assert literal not in str(refused.value)  # the message never shows the key


@pytest.mark.parametrize("secret", [DEV_SECRET_NOTICE, f" {DEV_SECRET_NOTICE}\n", "s" * 40])
def test_production_refuses_the_development_default_and_test_keys(secret: str) -> None:
    with pytest.raises(ValueError, match="published with Khortor's code.*`khortor new-key`"):
        Settings.from_env(production(secret))


def test_production_refuses_a_short_or_missing_secret() -> None:
    with pytest.raises(ValueError, match="at least 32 characters in production"):
        Settings.from_env(production("x7Gq2-" * 5))  # 30 characters
    with pytest.raises(ValueError, match="must be set when KHORTOR_ENV=production"):
        Settings.from_env(production(None))


def test_production_takes_a_fresh_key_and_development_its_default() -> None:
    key = new_key()
    assert Settings.from_env(production(key)).secret_key == key
    assert Settings.from_env({}).secret_key == DEV_SECRET_NOTICE


def test_khortor_refuses_to_start_with_a_published_secret(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in production(DEV_SECRET_NOTICE).items():
        monkeypatch.setenv(name, value)
    assert main(["new-key"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("khortor: KHORTOR_SECRET_KEY is a key published with Khortor's code")


# --- trusted proxies ------------------------------------------------------------------------

def test_trusted_proxies_are_addresses_and_networks() -> None:
    assert Settings.from_env({}).trusted_proxies == ()
    proxies = Settings.from_env(
        {"KHORTOR_TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16,,fd00::/8 "}).trusted_proxies
    assert proxies == (ipaddress.ip_network("10.0.0.5/32"), ipaddress.ip_network("10.1.0.0/16"),
                       ipaddress.ip_network("fd00::/8"))
    assert parse_networks("192.168.1.7/24") == (ipaddress.ip_network("192.168.1.0/24"),)


@pytest.mark.parametrize("value", ["*", "10.0.0.300", "proxy.internal", "10.0.0.0/33"])
def test_an_unusable_trusted_proxy_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"KHORTOR_TRUSTED_PROXIES: {value!r}")):
        Settings.from_env({"KHORTOR_TRUSTED_PROXIES": f"10.0.0.1, {value}"})


# --- the database pool ---------------------------------------------------------------------

def test_the_database_pool_is_sized_from_the_environment() -> None:
    assert Settings.from_env({}).pool == {"pool_size": 10, "max_overflow": 5}
    assert Settings.from_env({"KHORTOR_DB_POOL_SIZE": " 25 ", "KHORTOR_DB_MAX_OVERFLOW": "0"}).pool == {
        "pool_size": 25, "max_overflow": 0}


# --- HTTP keep-alive (tests/test_serve_keep_alive.py serves with it) --------------------------

def test_an_idle_connection_is_kept_75_seconds_unless_set() -> None:
    assert Settings.from_env({}).keep_alive_seconds == 75  # longer than nginx's upstream 60 s
    assert Settings.from_env({"KHORTOR_KEEP_ALIVE_SECONDS": " 120 "}).keep_alive_seconds == 120


@pytest.mark.parametrize(("name", "value"), [("KHORTOR_DB_POOL_SIZE", "0"), ("KHORTOR_DB_POOL_SIZE", "ten"),
                                             ("KHORTOR_DB_MAX_OVERFLOW", "-1"), ("KHORTOR_DB_MAX_OVERFLOW", "2.5"),
                                             ("KHORTOR_KEEP_ALIVE_SECONDS", "0"),
                                             ("KHORTOR_KEEP_ALIVE_SECONDS", "๗๕")])
def test_an_unusable_count_is_refused_at_start(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{name} must be a whole number")):
        Settings.from_env({name: value})
