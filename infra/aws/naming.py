"""Names of every AWS resource the deployer manages (pure).

Convention (documented in docs/aws.md), with ``<stage>`` one of dev, stage, prod:

- Lambda function: ``<stage>-<project>-<function>``, alias ``live`` (what API Gateway invokes)
- its execution role: ``<stage>-<project>-<function>-role``, inline policy ``logs-and-xray``
- its log group: ``/aws/lambda/<stage>-<project>-<function>`` (Lambda's own convention)
- HTTP API: ``<stage>-<project>-api``; access log group ``/aws/apigateway/<stage>-<project>-api``
- API Gateway's invoke permission on the alias: statement id ``<stage>-<project>-api-invoke``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.aws.errors import NamingError

STAGES = ("dev", "stage", "prod")
ALIAS = "live"
POLICY_NAME = "logs-and-xray"
MAX_FUNCTION_NAME = 64
MAX_ROLE_NAME = 64
_PART = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True)
class Names:
    """All resource names of one project in one stage."""

    stage: str
    project: str

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise NamingError(f"stage must be one of {', '.join(STAGES)}, not {self.stage!r}")
        _check_part("project", self.project)

    @property
    def prefix(self) -> str:
        return f"{self.stage}-{self.project}"

    def function(self, function: str) -> str:
        _check_part("function", function)
        name = f"{self.prefix}-{function}"
        if len(self.role(function)) > MAX_ROLE_NAME or len(name) > MAX_FUNCTION_NAME:
            raise NamingError(
                f"{name!r} is too long: function names may have {MAX_FUNCTION_NAME} characters "
                f"and role names {MAX_ROLE_NAME} (the role adds '-role'); shorten the project "
                "or function name"
            )
        return name

    def role(self, function: str) -> str:
        return f"{self.prefix}-{function}-role"

    def function_log_group(self, function: str) -> str:
        return f"/aws/lambda/{self.function(function)}"

    @property
    def api(self) -> str:
        return f"{self.prefix}-api"

    @property
    def access_log_group(self) -> str:
        return f"/aws/apigateway/{self.api}"

    @property
    def permission_statement_id(self) -> str:
        return f"{self.api}-invoke"


def _check_part(what: str, value: str) -> None:
    if not _PART.match(value):
        raise NamingError(
            f"{what} name {value!r} must be lower-case letters, digits and '-' "
            "(not starting or ending with '-')"
        )


# ARNs: pure string building, one place


def log_group_arn(region: str, account: str, log_group: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{log_group}"


def role_arn(account: str, role: str) -> str:
    return f"arn:aws:iam::{account}:role/{role}"


def function_arn(region: str, account: str, function_name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{function_name}"


def alias_arn(region: str, account: str, function_name: str, alias: str = ALIAS) -> str:
    return f"{function_arn(region, account, function_name)}:{alias}"


def execute_api_source_arn(region: str, account: str, api_id: str) -> str:
    """Any stage, any method, any path of this one API: what the invoke permission allows."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*"
