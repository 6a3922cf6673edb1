"""The package `sam build` made is the whole function: it answers the committed events alone.

No Docker engine here, so this stands in for `sam local invoke`: a fresh
Python 3.12 (`-I -S`) whose import path is the built artifact and the standard
library only, as on Lambda, imports the handler and answers every event of
events/ against a real S3 (SeaweedFS). A dependency missing from the
`lambda` extra fails here, as it would in AWS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import snapshot_restore_py

from dev import memberships, seaweedfs
from dev.alb import ALB_BODY_LIMIT, AlbResponse, parse_response
from dev.sam_events import (
    EVENT_FILES,
    TENANT_ID,
    UPLOADED_TEXT,
    load,
    mint_token,
    render,
    to_multi_value,
)
from tests.sam import support
from tests.support.tokens import JWT_SECRET

DRIVER = Path(__file__).with_name("invoke_artifact.py")
MB = 1024 * 1024
# Lambda's limits: 250 MB unzipped, 50 MB for a zip uploaded directly.
UNZIPPED_BUDGET = 150 * MB
ZIPPED_BUDGET = 40 * MB
# python3.12 runs on Amazon Linux 2023: glibc 2.34.
RUNTIME_GLIBC = (2, 34)
ELF_X86_64 = 62


@pytest.fixture(scope="module")
def artifact() -> Path:
    return support.require_artifact()


@pytest.fixture(scope="module")
def package_size(artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    files = [path for path in artifact.rglob("*") if path.is_file()]
    archive = tmp_path_factory.mktemp("package") / "file-api.zip"
    # Deflate, as `sam package` and CI zip it.
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, path.relative_to(artifact))
    return {
        "files": len(files),
        "unzipped": sum(path.stat().st_size for path in files),
        "zipped": archive.stat().st_size,
    }


def test_package_holds_the_lambda_extra_and_nothing_of_the_core(artifact: Path) -> None:
    top = {path.name for path in artifact.iterdir()}
    needed = {"file_lambda", "tenancy", "mangum", "fastapi", "boto3", "aws_lambda_powertools"}
    assert needed | {"psycopg", "psycopg_binary"} <= top  # memberships are read from Postgres
    assert not top & {"core_service", "tests", "bin", "Makefile", "uvicorn", "psycopg_pool", "moto"}
    assert not (artifact / "file_lambda" / "Makefile").exists()
    # The project's own wheel carried exactly the two packages the function needs.
    (record,) = artifact.glob("snsd_backend-*.dist-info/RECORD")
    packages = {line.split("/", 1)[0] for line in record.read_text().splitlines()}
    assert {p for p in packages if not p.endswith(".dist-info")} == set(support.PROJECT_PACKAGES)


def test_package_holds_the_pages_assets(artifact: Path) -> None:
    """The share and request pages ship built: `make sam-check` runs `make pages` first,
    and the SAM build refuses to run without them."""
    built = support.ROOT / "file_lambda" / "pages" / "assets"
    shipped = artifact / "file_lambda" / "pages" / "assets"
    manifest = json.loads((shipped / "manifest.json").read_text())
    assert set(manifest) == {"share.js", "request.js", "style.css"}
    for name in ["manifest.json", *manifest.values()]:
        assert (shipped / name).read_bytes() == (built / name).read_bytes(), name


def test_package_is_built_for_the_lambda_runtime(artifact: Path) -> None:
    """Wheels for x86_64 Amazon Linux 2023, never for this machine's newer glibc."""
    for wheel in artifact.glob("*.dist-info/WHEEL"):
        for tag in re.findall(r"^Tag: (\S+)$", wheel.read_text(), flags=re.MULTILINE):
            python, abi, platform = tag.split("-")
            if python.startswith("cp"):
                assert python == "cp312" or abi == "abi3", f"{wheel.parent.name}: {tag}"
            if platform == "any":
                continue
            glibc = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", platform)
            legacy = re.fullmatch(r"manylinux(1|2010|2014)_x86_64", platform)
            assert glibc or legacy, f"{wheel.parent.name}: {tag}"
            if glibc:
                assert (int(glibc[1]), int(glibc[2])) <= RUNTIME_GLIBC, (
                    f"{wheel.parent.name}: {tag}"
                )
    for library in artifact.rglob("*.so"):
        header = library.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", library
        assert int.from_bytes(header[18:20], "little") == ELF_X86_64, library


def test_package_size_is_well_under_lambdas_limits(package_size: dict[str, int]) -> None:
    assert package_size["unzipped"] < UNZIPPED_BUDGET, package_size
    assert package_size["zipped"] < ZIPPED_BUDGET, package_size


def _lambda_environment(
    artifact: Path, bucket: str, s3_endpoint: str, supabase_url: str, db_url: str
) -> dict[str, str]:
    """The function's environment: the template's variables, then what Lambda itself sets."""
    values = {
        "S3_BUCKET_NAME": bucket,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "SUPABASE_URL": supabase_url,
        "SUPABASE_JWT_SECRET": JWT_SECRET,
        # The memberships the events' token claims are in this Postgres too.
        "SUPABASE_DB_URL": db_url,
        "APP_SECRET_ARN": "",
        "CORS_ALLOWED_ORIGINS": "https://app.snsdconsultant.com",
        "PUBLIC_BASE_URL": "https://api.snsdconsultant.com",
        # Unset: no committed event starts a job.
        "JOB_QUEUE_URL": "",
        "POWERTOOLS_SERVICE_NAME": "file-api",
        "POWERTOOLS_METRICS_NAMESPACE": "SnSD-test",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_LOGGER_LOG_EVENT": "false",
    }
    declared = support.load_template()["Globals"]["Function"]["Environment"]["Variables"]  # type: ignore[index]
    assert set(declared) == set(values), "give this test a value for each variable of template.yaml"
    return {
        **values,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": seaweedfs.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": seaweedfs.SECRET_KEY,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": "snsd-sam-artifact-test",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": str(artifact),
        "_HANDLER": "file_lambda.handler.handler",
        "HOME": str(artifact.parent),
        "LANG": "C.UTF-8",
    }


def _runtime_dir(workdir: Path) -> Path:
    """What Lambda's managed runtime adds to the path for SnapStart: `snapshot_restore_py`."""
    runtime = workdir / "runtime"
    runtime.mkdir()
    shutil.copy(snapshot_restore_py.__file__, runtime)
    return runtime


def _invoke(
    artifact: Path, events: list[dict[str, Any]], env: dict[str, str], workdir: Path
) -> tuple[dict[str, Any], str]:
    events_path = workdir / "events.json"
    result_path = workdir / "result.json"
    events_path.write_text(json.dumps(events))
    started = time.perf_counter()
    process = subprocess.run(
        [
            support.runtime_python(),
            "-I",
            "-S",
            str(DRIVER),
            str(artifact),
            str(events_path),
            str(result_path),
            str(_runtime_dir(workdir)),
        ],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"{process.stdout[-3000:]}\n{process.stderr[-3000:]}"
    assert process.returncode == 0, f"the built package failed:\n{output}"
    result = json.loads(result_path.read_text())
    result["process_seconds"] = time.perf_counter() - started
    return result, output


@pytest.mark.seaweedfs
@pytest.mark.parametrize("form", ["headers", "multiValueHeaders"])
def test_built_package_answers_the_committed_events(
    artifact: Path,
    package_size: dict[str, int],
    seaweed: seaweedfs.SeaweedS3,
    s3: Any,
    issuer: str,
    db_url: str,
    form: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = f"test-snsd-sam-{form.lower()}"
    seaweedfs.create_bucket(seaweed, bucket)
    supabase_url = issuer.removesuffix("/auth/v1")
    token = mint_token(JWT_SECRET, supabase_url=supabase_url)
    memberships.register(db_url, jwt.decode(token, options={"verify_signature": False}))
    events = [render(load(name), token) for name in EVENT_FILES]
    if form == "multiValueHeaders":
        events = [to_multi_value(event) for event in events]

    env = _lambda_environment(artifact, bucket, seaweed.endpoint, supabase_url, db_url)
    result, output = _invoke(artifact, events, env, tmp_path)

    # Only the artifact and the standard library were importable, as on Lambda.
    assert result["python"][:2] == [3, 12]
    assert result["flags"] == {"isolated": 1, "no_site": 1}
    stdlib = tuple(result["stdlib"])
    assert result["sys_path"][0] == str(artifact)
    runtime = str(tmp_path / "runtime")
    assert all(entry.startswith(stdlib) or entry == runtime for entry in result["sys_path"][1:]), (
        result["sys_path"]
    )
    # SnapStart: both hooks ran, in order, before the events were answered.
    assert result["snapstart_hooks"] == {"before_snapshot": 1, "after_restore": 1}
    foreign = {
        name: path
        for name, path in result["module_files"].items()
        if not path.startswith((str(artifact), *stdlib, runtime))
    }
    assert not foreign, f"modules loaded from outside the package: {foreign}"
    assert "site-packages" not in " ".join(result["sys_path"])
    assert not any(result["importable"].values()), result["importable"]
    # The container's start-up objects are kept out of the collector's full passes.
    assert result["frozen_at_init"] > 10_000, result["frozen_at_init"]

    upload, listing, download, presigned = (
        parse_response(item["response"]) for item in result["responses"]
    )
    for response in (upload, listing, download, presigned):
        assert response.size <= ALB_BODY_LIMIT
        # The target group's header form comes back as it went in.
        assert ("multiValueHeaders" in response.raw) == (form == "multiValueHeaders")
    _check_upload(upload, output)
    _check_list(listing, output)
    _check_download(download, output)
    _check_presigned_upload(presigned, s3, bucket, output)
    stored = s3.get_object(Bucket=bucket, Key=f"tenants/{TENANT_ID}/documents/hello.txt")
    assert stored["Body"].read() == UPLOADED_TEXT.encode()

    timings = ", ".join(
        f"{name.removesuffix('.json')} {item['seconds'] * 1000:.0f} ms"
        for name, item in zip(EVENT_FILES, result["responses"], strict=True)
    )
    with capsys.disabled():
        print(
            f"\n[sam package] {form}: {package_size['unzipped'] / MB:.1f} MB unzipped, "
            f"{package_size['zipped'] / MB:.1f} MB zipped, {package_size['files']} files; "
            f"handler import (cold start) {result['import_seconds'] * 1000:.0f} ms; "
            f"{timings}; whole process {result['process_seconds']:.2f} s"
        )


def _check_upload(response: AlbResponse, output: str) -> None:
    assert response.status == 201, f"{response.body!r}\n{output}"
    body = response.json()
    assert body["path"] == "documents/hello.txt"
    assert body["name"] == "hello.txt"
    assert body["size"] == len(UPLOADED_TEXT.encode())
    assert TENANT_ID not in response.body.decode()  # paths are relative to the tenant's root


def _check_list(response: AlbResponse, output: str) -> None:
    assert response.status == 200, f"{response.body!r}\n{output}"
    body = response.json()
    assert body["folder"] == "documents"
    assert [item["path"] for item in body["files"]] == ["documents/hello.txt"]
    assert body["next_cursor"] is None


def _check_download(response: AlbResponse, output: str) -> None:
    assert response.status == 200, f"{response.body!r}\n{output}"
    assert response.body == UPLOADED_TEXT.encode()
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["etag"]


def _check_presigned_upload(response: AlbResponse, s3: Any, bucket: str, output: str) -> None:
    assert response.status == 200, f"{response.body!r}\n{output}"
    body = response.json()
    assert body["path"] == "images/logo.png"
    assert body["max_size"] == 1_048_576
    assert body["fields"]["key"] == f"tenants/{TENANT_ID}/images/logo.png"
    # The package's botocore signed a policy that the real S3 accepts.
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    posted = httpx.post(
        body["url"], data=body["fields"], files={"file": ("logo.png", png, "image/png")}, timeout=10
    )
    assert posted.status_code in (200, 201, 204), posted.text
    head = s3.head_object(Bucket=bucket, Key=f"tenants/{TENANT_ID}/images/logo.png")
    assert head["ContentLength"] == len(png)
    assert head["ContentType"] == "image/png"
