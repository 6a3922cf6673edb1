"""DEPLOYMENT.md as a newcomer reads it: a check before any account comes first, every
secret key says what needs it, the database URL is the session pooler the code accepts,
and the access token hook the migrations create is switched on after the first deploy."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from psycopg.conninfo import conninfo_to_dict

from tenancy.supabase_pooler import POOLER_DOMAIN, SESSION_PORT, require_session

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "DEPLOYMENT.md").read_text()
SECRET_KEYS = [
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_JWT_SECRET",
    "SUPABASE_DB_URL",
    "PORT",
]


def _sections() -> list[str]:
    return re.findall(r"^## (.+)$", TEXT, re.M)


def _section(title: str) -> str:
    start = TEXT.index(f"\n## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start : end if end != -1 else None]


def test_the_check_without_an_account_comes_before_step_0() -> None:
    sections = _sections()
    assert sections.index("Check it before you have an account") < sections.index(
        "0. Before you start"
    )
    check = _section("Check it before you have an account")
    assert re.search(r"```bash\nmake platform-check\n```", check)


def test_every_secret_key_says_what_needs_it() -> None:
    rows = {
        match[0]: [cell.strip() for cell in match[1].split("|")]
        for match in re.findall(r"^\| `(\w+)` \|(.*)\|$", _section("5. Secret values"), re.M)
    }
    assert list(rows) == SECRET_KEYS
    for key, (what, needed_by) in rows.items():
        assert what, key
        assert needed_by, f"{key}: nothing says what needs it"
    assert "migration task" in rows["SUPABASE_DB_URL"][1]
    for key in ("SUPABASE_URL", "SUPABASE_JWT_SECRET", "SUPABASE_DB_URL"):
        assert "file Lambda" in rows[key][1], key


def test_the_database_url_example_is_the_session_pooler() -> None:
    secret = re.search(r"cat > /tmp/snsd-secret.json <<'JSON'\n(.*?)\nJSON", TEXT, re.S)
    assert secret
    example = json.loads(secret.group(1))["SUPABASE_DB_URL"]
    filled = example.replace("<ref>", "abcdefgh").replace("<password>", "pw")
    filled = filled.replace("<region>", "us-east-1")
    params = conninfo_to_dict(filled)
    assert str(params["host"]).endswith(POOLER_DOMAIN)
    assert params["port"] == str(SESSION_PORT)
    require_session(filled, "the example")  # what the core and the migrations accept


def test_the_access_token_hook_is_switched_on_after_the_first_deploy() -> None:
    hook = "public.custom_access_token_hook"
    migrations = "".join(p.read_text() for p in (ROOT / "supabase" / "migrations").glob("*.sql"))
    assert f"create function {hook}(" in migrations
    step = _section("7. First deploy")
    assert "### Then, once: Supabase's access token hook" in step
    path = "Authentication → Hooks → Customize Access Token (JWT) Claims"
    assert path in " ".join((ROOT / "supabase" / "README.md").read_text().split())
    assert f"{path} → `{hook}`" in " ".join(step.split())


def _signing_key_block() -> str:
    step = _section("7. First deploy")
    start = step.index("### Then, once: the deletion records' signing key")
    block = re.search(r"```bash\n(.*?)\n```", step[start:], re.S)
    assert block, "no commands for the signing key"
    return block.group(1)


def test_the_signing_key_commands_make_an_ed25519_seed_and_keep_the_secrets_other_keys(
    tmp_path: Path,
) -> None:
    """The operator's one-time step, run here with the AWS calls stubbed: the seed is 32
    bytes of base64 that the job function's key loads, the public key printed is its own,
    the secret keeps every other key, and an existing key is never replaced."""

    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    commands = _signing_key_block()
    assert "--secret-id snsd-production-secrets" in commands
    assert "DELETION_SIGNING_KEY" not in " ".join(json.dumps(k) for k in SECRET_KEYS), (
        "the core must not get the signing key"
    )
    stored = tmp_path / "secret.json"
    fake = tmp_path / "bin"
    fake.mkdir()
    # `aws` stand-in: get-secret-value prints the stored string; put-secret-value stores
    # the file it is given.
    (fake / "aws").write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f'  *get-secret-value*) cat "{stored}" ;;\n'
        '  *put-secret-value*) for a; do case "$a" in file://*) '
        f'cp "${{a#file://}}" "{stored}.new" ;; esac; done ;;\n'
        "esac\n"
    )
    (fake / "aws").chmod(0o755)
    script = commands.replace(".venv/bin/python", str(ROOT / ".venv" / "bin" / "python"))
    script = script.replace("/tmp/snsd-secret.json", str(tmp_path / "merged.json"))
    script += '\necho "SEED=$SEED"\n'  # unset: prints nothing after the = sign
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    others = {"SUPABASE_URL": "https://x.supabase.co", "PORT": "8000"}
    stored.write_text(json.dumps(others))
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / f"{stored.name}.new").read_text())
    seed = written.pop("DELETION_SIGNING_KEY")
    assert written == others
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed, validate=True))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    lines = done.stdout.split()
    assert lines[0] == base64.b64encode(public).decode()
    assert lines[-1] == "SEED="
    assert not (tmp_path / "merged.json").exists()

    # Once more: the key is there, so nothing is written over it.
    stored.write_text(json.dumps({**others, "DELETION_SIGNING_KEY": seed}))
    (tmp_path / f"{stored.name}.new").unlink()
    again = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode != 0
    assert "already set" in again.stderr
    assert not (tmp_path / f"{stored.name}.new").exists()
