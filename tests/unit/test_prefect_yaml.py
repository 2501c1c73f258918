"""prefect.yaml: valid deployments whose entrypoints load as Prefect flows, schedules in Paris time."""

from __future__ import annotations

import pytest
import yaml
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema

from flows.build_flow import build_warehouse
from flows.diagnostic_flow import diagnostic
from flows.pipeline.settings import REPO_ROOT
from flows.refresh_flow import refresh
from flows.reports_flow import reports

CONFIG = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
DEPLOYMENTS = {d["name"]: d for d in CONFIG["deployments"]}


def test_every_deployment_has_the_keys_a_process_worker_needs():
    assert CONFIG["name"] == "gpect" and CONFIG["prefect-version"] == "3.8.8"
    assert set(DEPLOYMENTS) == {
        "diagnostic-weekly",
        "refresh-on-demand",
        "build-on-demand",
        "reports-on-demand",
    }
    for name, deployment in DEPLOYMENTS.items():
        assert deployment["entrypoint"].count(":") == 1, name
        assert deployment["work_pool"]["name"] == "gpect-process", name
        assert deployment["concurrency_limit"] == 1, name


def test_schedules_are_valid_crons_in_paris_time():
    schedules = [s for d in DEPLOYMENTS.values() for s in d.get("schedules", [])]
    assert [s["cron"] for s in DEPLOYMENTS["diagnostic-weekly"]["schedules"]] == ["0 5 * * 1"]
    for schedule in schedules:
        assert schedule["timezone"] == "Europe/Paris"
        CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])  # raises if invalid
    assert not DEPLOYMENTS["build-on-demand"].get("schedules")
    assert not DEPLOYMENTS["reports-on-demand"].get("schedules")


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_imports_and_names_a_flow_accepting_its_parameters(name):
    deployment = DEPLOYMENTS[name]
    path, _, function = deployment["entrypoint"].partition(":")
    assert (REPO_ROOT / path).is_file(), f"{path} does not exist"
    flow = load_flow_from_entrypoint(f"{REPO_ROOT / path}:{function}", use_placeholder_flow=False)
    assert isinstance(flow, Flow)
    flow.validate_parameters(deployment.get("parameters") or {})


def test_the_weekly_run_is_the_whole_chain_of_gpect_run():
    weekly = DEPLOYMENTS["diagnostic-weekly"]
    assert weekly["entrypoint"] == "flows/diagnostic_flow.py:diagnostic"
    assert DEPLOYMENTS["refresh-on-demand"]["parameters"] == {"build": True}


def test_the_pull_step_names_no_absolute_directory():
    """The worker resolves GPECT_CHECKOUT from its own environment when a run starts: moving the
    checkout needs no new deployment."""
    assert CONFIG["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $GPECT_CHECKOUT }}"}}
    ]
    for deployment in DEPLOYMENTS.values():
        assert "pull" not in deployment
        assert deployment["work_pool"]["job_variables"]["env"] == {}


def test_flows_and_pdf_tasks_have_timeouts():
    from flows.reports_flow import town_pdf_task

    for flow in (diagnostic, refresh, build_warehouse, reports):
        assert flow.timeout_seconds and flow.timeout_seconds >= 3600, flow.name
    # PDFs run in the flow's thread, where a timeout interrupts them
    assert town_pdf_task.timeout_seconds == 600


@pytest.mark.parametrize(
    ("flow", "names"),
    [
        (diagnostic, {"candidates", "force", "pdf", "mirror"}),
        (refresh, {"datasets", "vintages", "force", "build", "mirror"}),
        (build_warehouse, {"candidates", "force"}),
        (reports, {"towns", "pdf"}),
    ],
)
def test_every_deployment_parameter_has_a_description(flow, names):
    schema = parameter_schema(flow.fn).model_dump()
    properties = schema["properties"]
    assert set(properties) == names
    for name, spec in properties.items():
        assert len(spec.get("description", "")) > 20, (flow.name, name)


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
    assert all("gpect" in d["tags"] for d in DEPLOYMENTS.values())
    assert automation.actions[0].type == "send-notification"
