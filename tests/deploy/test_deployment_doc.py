"""DEPLOYMENT.md as a newcomer reads it: a check before any account comes first, every
secret key says what needs it, the database URL is the session pooler the code accepts,
and the access token hook the migrations create is switched on after the first deploy."""

from __future__ import annotations

import json
import re
from pathlib import Path

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
