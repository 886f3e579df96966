"""End-to-end checks of `kqlab mcp` with the official MCP Python SDK.

Usage (from the repository root, so that `rules/` is the server's rules folder):

    python tests/mcp_client/e2e.py stdio PATH/TO/kqlab [SERVER ARGS...]
    KQLAB_MCP_TOKEN=... python tests/mcp_client/e2e.py http http://127.0.0.1:PORT/mcp

Runs every check in CHECKS, in order, on one session and prints a JSON summary
on stdout: {"transport", "mcp_version", "protocol_version", "checks": [{"name",
"ok", "detail" | "error"}], "tools_without_properties", "ok"}. Exits 0 when
every check passed, 1 otherwise, 2 on a usage or connection error.

To add a check, write `async def check_NAME(run: Run) -> dict` below and
decorate it with `@check`: raise (an `assert` is fine) to fail, return a small
dict of details to show in the summary. `run.session` is the ClientSession,
`run.tools` the listed tools by name, `run.call(tool, args)` calls a tool and
returns its structured output, failing on `isError`.

Works with mcp 2.x (snake_case fields; `streamable_http_client`) and 1.x
(camelCase fields; `streamablehttp_client`). The 2.x client logs "Session
termination failed: 202" when it closes an HTTP session: rmcp answers the
DELETE with 202, the SDK expects 200 or 204; it is harmless.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

try:  # mcp 2.x
    from mcp.client.streamable_http import streamable_http_client as _http_client

    _HTTP_CLIENT_TAKES_HEADERS = False
except ImportError:  # mcp 1.x
    from mcp.client.streamable_http import streamablehttp_client as _http_client

    _HTTP_CLIENT_TAKES_HEADERS = True

# Seconds for the whole run (rules_test on the bundled folder takes ~1 s).
TIMEOUT = 120

# Tools that genuinely take no parameters: their input schema may have no
# `properties`. Any other tool without properties fails tools_have_schemas.
NO_PARAMETER_TOOLS: set[str] = set()


def get(obj: Any, snake: str) -> Any:
    """A model field by its 2.x (snake_case) name, or its 1.x camelCase alias."""
    if hasattr(obj, snake):
        return getattr(obj, snake)
    head, *rest = snake.split("_")
    return getattr(obj, head + "".join(part.title() for part in rest), None)


@dataclass
class Run:
    session: ClientSession
    tools: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Calls `tool`; returns its structured output (fails on isError)."""
        result = await self.session.call_tool(tool, arguments)
        text = " ".join(getattr(block, "text", "") for block in result.content)
        assert not get(result, "is_error"), f"{tool} returned isError: {text}"
        output = get(result, "structured_content")
        assert isinstance(output, dict), f"{tool} has no structured content: {text}"
        # The text block carries the same JSON for clients without structured output.
        assert json.loads(text) == output, f"{tool}: the text block differs from structuredContent"
        return output


Check = Callable[[Run], Awaitable[dict]]
CHECKS: list[tuple[str, Check]] = []


def check(function: Check) -> Check:
    CHECKS.append((function.__name__.removeprefix("check_"), function))
    return function


@check
async def check_tools_have_schemas(run: Run) -> dict:
    listed = await run.session.list_tools()
    run.tools = {tool.name: tool for tool in listed.tools}
    assert run.tools, "no tools listed"
    without_properties = []
    for name, tool in run.tools.items():
        schema = get(tool, "input_schema")
        assert isinstance(schema, dict) and schema.get("type") == "object", f"{name}: input schema {schema!r}"
        properties = schema.get("properties")
        assert properties is None or isinstance(properties, dict), f"{name}: properties {properties!r}"
        if not properties:
            without_properties.append(name)
        for property_name, property_schema in (properties or {}).items():
            assert isinstance(property_schema, dict) and property_schema, f"{name}.{property_name}: empty schema"
        output = get(tool, "output_schema")
        assert isinstance(output, dict) and output.get("type") == "object", f"{name}: output schema {output!r}"
        assert (tool.description or "").strip(), f"{name}: no description"
    run.summary["tools_without_properties"] = sorted(without_properties)
    unexpected = sorted(set(without_properties) - NO_PARAMETER_TOOLS)
    assert not unexpected, f"no input properties (add to NO_PARAMETER_TOOLS if intended): {unexpected}"
    return {"tools": sorted(run.tools)}


@check
async def check_validate_locates_an_unknown_column(run: Run) -> dict:
    output = await run.call("kql_validate", {"query": 'SigninLogs\n| where Acount == "admin"'})
    assert output["valid"] is False, output
    first = output["diagnostics"][0]
    assert first["code"] == "KQL1002", first
    assert (first["line"], first["column"]) == (2, 9), first
    return {"code": first["code"], "line": first["line"], "column": first["column"], "help": first.get("help")}


@check
async def check_validate_locates_a_syntax_error(run: Run) -> dict:
    output = await run.call("kql_validate", {"query": "SecurityEvent\n| where EventID == \n| take 5"})
    assert output["valid"] is False, output
    errors = [d for d in output["diagnostics"] if d["severity"] == "error"]
    assert errors, output
    first = errors[0]
    assert first["line"] >= 2 and first["column"] >= 1, first
    return {"code": first["code"], "line": first["line"], "column": first["column"]}


@check
async def check_validate_accepts_a_good_query(run: Run) -> dict:
    output = await run.call(
        "kql_validate", {"query": "SigninLogs | where ResultType != 0 | summarize n = count() by UserPrincipalName"}
    )
    assert output["valid"] is True and output["error_count"] == 0, output
    columns = [column["name"] for column in output["output_schema"]["columns"]]
    assert columns == ["UserPrincipalName", "n"], columns
    return {"columns": columns}


@check
async def check_rules_test_runs_the_bundled_rules(run: Run) -> dict:
    output = await run.call("rules_test", {})
    assert output["passed"] > 0, output
    failed = [case["rule"] + ": " + case["case"] for case in output["cases"] if not case["passed"]]
    assert output["failed"] == 0, failed
    assert not output["rule_errors"], output["rule_errors"]
    return {"folder": output["folder"], "passed": output["passed"], "failed": output["failed"]}


@check
async def check_a_tool_error_is_reported_as_is_error(run: Run) -> dict:
    result = await run.session.call_tool("diagnostic_explain", {"code": "KQL9999"})
    assert get(result, "is_error") is True, result
    return {}


SIGNINS_CSV = (
    "TimeGenerated,UserPrincipalName,IPAddress,ResultType\n"
    + "".join(
        f"2025-01-01T00:{minute:02}:00Z,{'alice' if minute % 2 else 'bob'}@contoso.com,203.0.113.{minute % 3},"
        f"{'0' if minute % 5 == 0 else '50126'}\n"
        for minute in range(20)
    )
)


@check
async def check_run_a_detection_on_inline_csv(run: Run) -> dict:
    query = (
        'SigninLogs\n| where ResultType != "0"\n'
        "| summarize Failures = count() by UserPrincipalName\n| order by UserPrincipalName asc"
    )
    output = await run.call("kql_run", {"query": query, "tables": [{"name": "SigninLogs", "text": SIGNINS_CSV}]})
    rows = output["rows"]
    # 20 sign-ins, 4 of them successful (minutes 0, 5, 10, 15): alice has 8 failures, bob 8.
    assert [(row["UserPrincipalName"], row["Failures"]) for row in rows] == [
        ("alice@contoso.com", 8),
        ("bob@contoso.com", 8),
    ], output
    assert output["truncated"] is False, output
    return {"rows": rows}


@check
async def check_fixture_from_sample_text(run: Run) -> dict:
    output = await run.call("kql_fixture", {"table": "SigninLogs", "text": SIGNINS_CSV, "max_rows": 5})
    fixture = output["fixture"]
    assert fixture.startswith("let SigninLogs = datatable("), fixture[:80]
    assert "UserPrincipalName:string" in fixture, fixture[:400]
    validated = await run.call("kql_validate", {"query": fixture + "\nSigninLogs | count"})
    assert validated["valid"] is True, validated["diagnostics"]
    return {"fixture_bytes": len(fixture)}


@check
async def check_read_a_resource(run: Run) -> dict:
    result = await run.session.read_resource("kqlab://schema/SigninLogs")
    contents = get(result, "contents")
    text = contents[0].text
    schema = json.loads(text)
    assert schema["table"] == "SigninLogs", schema
    assert any(column["name"] == "UserPrincipalName" for column in schema["columns"]), schema
    return {"columns": len(schema["columns"])}


@check
async def check_get_a_prompt(run: Run) -> dict:
    result = await run.session.get_prompt("fix_query", {"query": "SigninLogs\n| where Acount == 1"})
    messages = get(result, "messages")
    text = messages[0].content.text
    assert "KQL1002" in text and "line 2" in text, text
    return {"characters": len(text)}


async def run_checks(session: ClientSession, transport: str) -> dict:
    initialized = await session.initialize()
    server_info = get(initialized, "server_info")
    run = Run(session)
    run.summary.update(
        transport=transport,
        mcp_version=importlib.metadata.version("mcp"),
        protocol_version=get(initialized, "protocol_version"),
        server=f"{server_info.name} {server_info.version}",
    )
    results = []
    for name, function in CHECKS:
        try:
            detail = await function(run)
            results.append({"name": name, "ok": True, "detail": detail})
        except Exception as error:  # a failed check is reported, not fatal
            results.append({"name": name, "ok": False, "error": f"{type(error).__name__}: {error}"})
    run.summary["checks"] = results
    run.summary["ok"] = all(result["ok"] for result in results)
    return run.summary


async def over_stdio(exe: str, server_args: list[str]) -> dict:
    parameters = StdioServerParameters(command=exe, args=["mcp", *server_args], cwd=os.getcwd())
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            return await run_checks(session, "stdio")


async def over_http(url: str) -> dict:
    token = os.environ.get("KQLAB_MCP_TOKEN")
    if not token:
        raise SystemExit("set KQLAB_MCP_TOKEN to the server's bearer token")
    headers = {"Authorization": f"Bearer {token}"}
    if _HTTP_CLIENT_TAKES_HEADERS:
        client = _http_client(url, headers=headers)
        async with client as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                return await run_checks(session, "http")
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with create_mcp_http_client(headers=headers) as http:
        async with _http_client(url, http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                return await run_checks(session, "http")


async def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "stdio":
        work = over_stdio(argv[1], argv[2:])
    elif len(argv) == 2 and argv[0] == "http":
        work = over_http(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        summary = await asyncio.wait_for(work, TIMEOUT)
    except Exception:
        traceback.print_exc()
        return 2
    print(json.dumps(summary, indent=2))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
