"""prefect.yaml as a process worker reads it: every deployment's entrypoint loads a Prefect flow
that accepts the deployment's parameters, schedules parse in Paris time, the pull step and job
variables hold no machine-specific path. The rules hold for any list of deployments: adding one
needs no edit here, and a broken one is named."""

from __future__ import annotations

import inspect
import re

import pytest
import yaml
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema

from flows.pipeline.settings import REPO_ROOT

CONFIG = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
DEPLOYMENTS = {d["name"]: d for d in CONFIG["deployments"]}
# `{{ $VAR }}`: resolved by the worker from its own environment when a run starts.
WORKER_VARIABLE = re.compile(r"^\{\{\s*\$[A-Z_][A-Z0-9_]*\s*\}\}$")
# An absolute POSIX or Windows path, or a home-relative one, anywhere in a string.
ABSOLUTE_PATH = re.compile(r"(^|[\s=:\"'])(/[^\s/]|~/|[A-Za-z]:\\)")


def flow_of(deployment: dict) -> Flow:
    path, function = deployment["entrypoint"].split(":")
    assert (REPO_ROOT / path).is_file(), f"{deployment['name']}: {path} does not exist"
    return load_flow_from_entrypoint(f"{REPO_ROOT / path}:{function}", use_placeholder_flow=False)


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_the_project_names_deployments_once_each():
    names = [d["name"] for d in CONFIG["deployments"]]
    assert names and len(names) == len(set(names)), names
    # the version the deployments were written for is the one the `prefect` extra pins
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"prefect=={CONFIG["prefect-version"]}"' in pyproject


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_is_a_flow_accepting_the_deployment_parameters(name):
    deployment = DEPLOYMENTS[name]
    flow = flow_of(deployment)
    assert isinstance(flow, Flow), f"{name}: {deployment['entrypoint']} is not a Prefect flow"
    given = deployment.get("parameters") or {}
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(given) <= accepted, (
        f"{name}: parameters {set(given) - accepted} are not {flow.name}'s"
    )
    flow.validate_parameters(given)  # raises on a value of the wrong type


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_every_flow_parameter_is_described_in_the_ui(name):
    """The Prefect UI's run form shows these descriptions (from the flow's docstring)."""
    flow = flow_of(DEPLOYMENTS[name])
    properties = parameter_schema(flow.fn).model_dump()["properties"]
    assert set(properties) == set(inspect.signature(flow.fn).parameters)
    for parameter, spec in properties.items():
        assert len(spec.get("description", "")) > 20, f"{name}: {parameter} has no description"


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_a_deployed_flow_has_a_timeout_and_runs_alone_on_the_process_pool(name):
    """Runs sharing a data directory wait on its lock: one at a time per deployment, and a hung
    run ends instead of holding the lock for ever."""
    deployment = DEPLOYMENTS[name]
    flow = flow_of(deployment)
    assert flow.timeout_seconds and flow.timeout_seconds >= 3600, f"{name}: {flow.name}"
    assert deployment["concurrency_limit"] == 1, name
    assert deployment["work_pool"]["name"], name


def test_schedules_are_valid_crons_in_paris_time():
    schedules = [(n, s) for n, d in DEPLOYMENTS.items() for s in d.get("schedules") or []]
    assert schedules, "no deployment is scheduled: the weekly refresh would never run"
    for name, schedule in schedules:
        assert schedule["timezone"] == "Europe/Paris", name
        CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])  # raises if invalid
        assert isinstance(schedule.get("active", True), bool), name


def test_the_pull_step_and_job_variables_name_no_machine_path():
    """The worker resolves the checkout from its own environment when a run starts: moving the
    checkout needs no new deployment."""
    pulls = [CONFIG.get("pull") or []] + [d["pull"] for d in DEPLOYMENTS.values() if "pull" in d]
    directories = [
        step[key]["directory"]
        for pull in pulls
        for step in pull
        for key in step
        if key.endswith("set_working_directory")
    ]
    assert directories, "no pull step sets the working directory: the worker would run elsewhere"
    for directory in directories:
        assert WORKER_VARIABLE.match(directory), f"pull directory {directory!r} is not a $VAR"
    for name, deployment in DEPLOYMENTS.items():
        for text in strings(deployment.get("work_pool", {}).get("job_variables", {})):
            assert not ABSOLUTE_PATH.search(text), f"{name}: job variable {text!r}"


def test_the_failure_notification_recipe_is_a_valid_automation():
    from prefect.events.schemas.automations import AutomationCore

    config = yaml.safe_load((REPO_ROOT / "prefect-automations.yaml").read_text(encoding="utf-8"))
    (automation,) = [AutomationCore.model_validate(a) for a in config["automations"]]
    assert automation.trigger.expect == {
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.TimedOut",
    }
    # every deployment carries the tag the trigger matches
    (resource,) = automation.trigger.match_related["prefect.resource.id"]
    tag = resource.removeprefix("prefect.tag.")
    assert [n for n, d in DEPLOYMENTS.items() if tag not in d.get("tags", [])] == []
    assert automation.actions[0].type == "send-notification"


def test_a_hung_pdf_ends_before_its_flow_times_out():
    # PDFs run in the flow's thread, where a task timeout interrupts them
    from flows.reports_flow import reports, town_pdf_task

    assert 0 < town_pdf_task.timeout_seconds < reports.timeout_seconds


def test_the_scheduled_run_is_the_whole_chain_of_gpect_run():
    """What runs on a schedule delivers what `gpect run` delivers: the `diagnostic` flow, which
    calls the same `flows.pipeline.run.run`."""
    scheduled = [d for d in DEPLOYMENTS.values() if d.get("schedules")]
    assert scheduled, "no deployment runs on a schedule"
    for deployment in scheduled:
        assert flow_of(deployment).name == "diagnostic", deployment["name"]
