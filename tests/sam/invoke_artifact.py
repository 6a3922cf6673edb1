"""Run by a bare Python 3.12 (`-I -S`): the built package is all it can import.

    python3.12 -I -S tests/sam/invoke_artifact.py ARTIFACT_DIR EVENTS_JSON RESULT_JSON [RUNTIME_DIR]

Like Lambda (/var/task first, then the runtime), the import path is the
artifact and the standard library, nothing else: no site-packages, no
PYTHONPATH (-I ignores it), not this folder. It imports the handler as a cold
start would, answers each event in order as warm invocations, and writes the
responses, timings and where every loaded module came from. It imports
nothing from this repository itself.

RUNTIME_DIR stands for what Lambda's managed runtime adds to the path
(`snapshot_restore_py`): given it, SnapStart's hooks run after the import as
Lambda runs them, every before-snapshot hook, then every after-restore hook,
and only then the events.
"""

import gc
import json
import sys
import time

artifact, events_path, result_path = sys.argv[1:4]
runtime = sys.argv[4] if len(sys.argv) > 4 else None
sys.path.insert(0, artifact)
if runtime:
    sys.path.append(runtime)


class LambdaContext:
    function_name = "snsd-sam-artifact-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:snsd-sam-artifact-test"
    aws_request_id = "2f1c4c5e-5a8e-4d0b-9d7e-6b1e6f0c0a11"
    log_group_name = "/aws/lambda/snsd-sam-artifact-test"
    log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def main() -> None:
    with open(events_path) as stream:
        events = json.load(stream)
    started = time.perf_counter()
    import file_lambda.handler as module  # the cold start being measured

    import_seconds = time.perf_counter() - started
    frozen_at_init = gc.get_freeze_count()
    hooks_run = {"before_snapshot": 0, "after_restore": 0}
    if runtime:
        import snapshot_restore_py

        for name, registry in (
            ("before_snapshot", snapshot_restore_py.get_before_snapshot()),
            ("after_restore", snapshot_restore_py.get_after_restore()),
        ):
            for func, args, kwargs in registry:
                func(*args, **kwargs)
                hooks_run[name] += 1
    responses = []
    for event in events:
        started = time.perf_counter()
        response = module.handler(event, LambdaContext())
        responses.append({"response": response, "seconds": time.perf_counter() - started})
    origins = {
        name: getattr(mod, "__file__", None)
        for name, mod in sorted(sys.modules.items())
        if getattr(mod, "__file__", None) and name not in ("__main__", "__mp_main__")
    }
    import importlib.util

    result = {
        "python": list(sys.version_info[:3]),
        "flags": {"isolated": sys.flags.isolated, "no_site": sys.flags.no_site},
        "sys_path": sys.path,
        "stdlib": [sys.base_prefix, sys.prefix],
        "import_seconds": import_seconds,
        "frozen_at_init": frozen_at_init,
        "snapstart_hooks": hooks_run,
        "responses": responses,
        "module_files": origins,
        "importable": {
            name: importlib.util.find_spec(name) is not None
            for name in (
                "core_service",
                "tests",
                "uvicorn",
                "psycopg_pool",
                "supabase",
                "moto",
                "pytest",
            )
        },
    }
    with open(result_path, "w") as stream:
        json.dump(result, stream)


main()
