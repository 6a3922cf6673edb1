"""Run by a bare Python 3.12 (`-I -S`), as invoke_artifact.py is, for the job
function: the built package and the standard library are all it can import.

    python3.12 -I -S tests/sam/invoke_job_artifact.py ARTIFACT_DIR EVENTS_JSON RESULT_JSON

It imports `file_lambda.job_function` as a cold start would, hands it each event in
order with a context that has 900 s left, and writes the responses. It imports nothing
from this repository itself.
"""

import json
import sys

artifact, events_path, result_path = sys.argv[1:4]
sys.path.insert(0, artifact)


class Context:
    """What the job function reads of Lambda's context: the invocation's time left."""

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def main() -> None:
    with open(events_path) as stream:
        events = json.load(stream)
    import file_lambda.job_function as module

    responses = [module.handler(event, Context()) for event in events]
    with open(result_path, "w") as stream:
        json.dump({"responses": responses, "sys_path": sys.path}, stream)


main()
