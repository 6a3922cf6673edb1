"""Run by the SAM CLI's own Python (.tools/sam): what AWS and `sam local` make of template.yaml.

    .tools/sam/bin/python tests/sam/inspect_template.py TEMPLATE RESULT_JSON

- "deployed": the template after the SAM transform (offline, as `sam validate`
  runs it), each resource with its type and condition, and the conditions;
- "local": the functions and HTTP routes that `sam local` serves, and the
  environment it gives FileApiFunction with some parameter overrides.
"""

import copy
import json
import sys

from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

LOCAL_OVERRIDES = {
    "UploadsBucketName": "snsd-local-uploads",
    "S3EndpointUrl": "http://host.docker.internal:8333",
    "SupabaseJwtSecret": "a-local-secret",
}


def deployed(template: dict) -> dict:
    template = copy.deepcopy(template)
    # The transform needs S3 code locations, as after `sam package`.
    template.get("Globals", {}).get("Function", {})["CodeUri"] = "s3://bucket/file-api.zip"
    translated = Translator(managed_policy_map=None, sam_parser=Parser()).translate(
        sam_template=template, parameter_values={}, get_managed_policy_map=lambda: {}
    )
    return {
        "resources": {
            name: {"type": body["Type"], "condition": body.get("Condition")}
            for name, body in translated["Resources"].items()
        },
        "conditions": translated.get("Conditions", {}),
        "policies": {
            name: body["Properties"].get("Policies", [])
            for name, body in translated["Resources"].items()
            if body["Type"] == "AWS::IAM::Role"
        },
    }


def local(template_path: str) -> dict:
    stacks, _ = SamLocalStackProvider.get_stacks(template_path, parameter_overrides=LOCAL_OVERRIDES)
    functions = {f.name: f for f in SamFunctionProvider(stacks).get_all()}
    routes = [
        {"path": route.path, "methods": sorted(route.methods), "function": route.function_name}
        for api in [ApiProvider(stacks).api]
        for route in api.routes
    ]
    environment = functions["FileApiFunction"].environment or {}
    return {
        "functions": sorted(functions),
        "routes": routes,
        "environment": environment.get("Variables", {}),
        "overrides": LOCAL_OVERRIDES,
    }


def main() -> None:
    template_path, result_path = sys.argv[1:3]
    with open(template_path) as stream:
        template = yaml_parse(stream.read())
    with open(result_path, "w") as stream:
        json.dump(
            {"deployed": deployed(template), "local": local(template_path)}, stream, default=str
        )


main()
