"""The failure-notification recipe of the README ("Operations"), followed for real: the server
started by the README's Terminal 1 commands, a webhook block pointed at a local receiver, the
README's *Failure notification* commands (its `sed` and `prefect automation create --from-file`),
then a failing run of a flow tagged `gpect`. The server's triggers and actions services send the
notification."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from prefect import flow, tags
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.pipeline.settings import REPO_ROOT

pytestmark = pytest.mark.prefect

PREFECT = str(Path(sys.executable).with_name("prefect"))
# Events go through the server's event bus, triggers and actions services: seconds, not minutes.
DELIVERY_TIMEOUT_SECONDS = 60
SERVER_START_TIMEOUT_SECONDS = 120


def readme_block(after: str) -> str:
    """The first shell block of the README after the text `after`, with this environment's
    Prefect executable."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme[readme.index(after) :], re.S).group(1)
    return block.replace(".venv/bin/prefect", PREFECT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def readme_server(tmp_path_factory):
    """The Prefect server as the README's Terminal 1 starts it, on a free port and a fresh
    database; its API URL."""
    port = free_port()
    script = readme_block("**Terminal 1**").replace("4200", str(port))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    log = tmp_path_factory.mktemp("prefect-log") / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["bash", "-euc", script],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@flow(name="gpect-notification-probe")
def failing_probe() -> None:
    raise RuntimeError("the probe fails on purpose")


def automations_named(name: str) -> list:
    async def read():
        async with get_client() as client:
            return await client.read_automations_by_name(name)

    return asyncio.run(read())


def delete_automation(automation_id) -> None:
    async def delete():
        async with get_client() as client:
            await client.delete_automation(automation_id)

    asyncio.run(delete())


def test_a_failed_gpect_run_notifies_through_the_readme_recipe(readme_server, httpserver, tmp_path):
    with temporary_settings(updates={PREFECT_API_URL: readme_server}):
        try:
            follow_the_recipe(readme_server, httpserver, tmp_path)
        finally:
            # The log and event workers keep the API they started with: drained here, the
            # session's other tests start their own against the session's API.
            APILogWorker.instance().drain()
            EventsWorker.drain_all()


def follow_the_recipe(api_url: str, httpserver, tmp_path) -> None:
    httpserver.expect_request("/gpect-failed", method="POST").respond_with_data("ok")
    block = CustomWebhookNotificationBlock(
        name="gpect operators",
        url=httpserver.url_for("/gpect-failed"),
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
    )
    block_id = block.save("gpect-operators", overwrite=True)

    # The README's commands as written, with the operator's block id and this environment's
    # Prefect executable; its file goes to TMPDIR, here the test's own directory.
    script = readme_block("- **Failure notification**").replace("<block id>", str(block_id))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO_ROOT,
        env={**os.environ, "PREFECT_API_URL": api_url, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    substituted = yaml.safe_load((tmp_path / "gpect-automation.yaml").read_text(encoding="utf-8"))
    (expected,) = [AutomationCore.model_validate(a) for a in substituted["automations"]]
    assert str(expected.actions[0].block_document_id) == str(block_id)
    (created,) = automations_named(expected.name)
    try:
        assert AutomationCore.model_validate(created.model_dump()) == expected

        with tags("gpect"):
            state = failing_probe(return_state=True)
        assert state.is_failed()
        run_id = state.state_details.flow_run_id

        async def run_name():
            async with get_client() as client:
                return (await client.read_flow_run(run_id)).name

        name = asyncio.run(run_name())
        deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.5)
        assert httpserver.log, f"no notification within {DELIVERY_TIMEOUT_SECONDS} s"
        ((request, _),) = httpserver.log
        sent = request.get_json()
        assert sent["subject"] == f"gpect: gpect-notification-probe run '{name}' Failed"
        assert f"The gpect-notification-probe run '{name}' ended Failed:" in sent["body"]
        assert "the probe fails on purpose" in sent["body"]
        ui = api_url.removesuffix("/api")
        assert f"Its log and artifacts: {ui}/runs/flow-run/{run_id}\n" in sent["body"]
    finally:
        delete_automation(created.id)
