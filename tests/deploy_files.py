"""What the deployment files (docker-compose.yml, deploy/k8s, the Helm chart) are checked against: the services'
entry points and settings classes. Shared by tests/unit/test_deploy_config.py and tests/unit/test_helm_chart.py.
"""

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"

SERVICES = ("gateway", "schema", "importer", "exporter", "history", "ml")
KAFKA_SERVICES = tuple(s for s in SERVICES if s != "gateway")

# Environment variables a service may be given although they are no field of its Settings class (read by a library
# or the runtime rather than by Settings), each with its reason; any other variable that the settings do not know (a
# typo such as MONGO_URI) fails the tests.
ALLOWED_EXTRA_ENV: dict[str, str] = {}


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def compose_service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def env_of(definition: dict[str, Any]) -> dict[str, str]:
    """A compose `environment:` in either form (mapping or list of KEY=VALUE), values as strings."""
    env = definition.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def settings_class(service: str) -> type[BaseSettings]:
    return importlib.import_module(f"{service}_service.settings").Settings


def settings_env_names(cls: type[BaseSettings]) -> set[str]:
    """Lower-cased names of the environment variables a settings class reads (field names, or their aliases)."""
    prefix = (cls.model_config.get("env_prefix") or "").lower()
    names: set[str] = set()
    for field_name, info in cls.model_fields.items():
        aliases: list[str] = []
        if isinstance(info.validation_alias, str):
            aliases.append(info.validation_alias)
        elif isinstance(info.validation_alias, AliasChoices):
            aliases.extend(choice for choice in info.validation_alias.choices if isinstance(choice, str))
        elif isinstance(info.alias, str):
            aliases.append(info.alias)
        if aliases:  # pydantic-settings applies env_prefix to field names only, not to aliases
            names.update(alias.lower() for alias in aliases)
        else:
            names.add(prefix + field_name.lower())
    return names


def unknown_env(service: str, env: dict[str, str] | set[str]) -> set[str]:
    known = settings_env_names(settings_class(service))
    return {key for key in env if key.lower() not in known and key not in ALLOWED_EXTRA_ENV}


def option(command: list[str], flag: str) -> str:
    assert flag in command, f"{flag} missing from {command}"
    return command[command.index(flag) + 1]


def app_target(command: list[str]) -> tuple[str, str]:
    """`module:attribute` from a uvicorn / faststream command line."""
    targets = [arg for arg in command if re.fullmatch(r"[\w.]+:\w+", arg)]
    assert len(targets) == 1, f"expected one module:attribute in {command}"
    module, attribute = targets[0].split(":")
    return module, attribute


def assert_runs_service(service: str, command: list[str]) -> None:
    """The command starts the service's app factory with the runner the service is built for."""
    assert isinstance(command, list), "use the exec form (a list) so the service is PID 1 and receives SIGTERM"
    if service == "gateway":  # its own runner: uvicorn with exit code 0 after a SIGTERM's clean stop
        assert command == ["python", "-m", "gateway_service"], command
        assert callable(importlib.import_module("gateway_service.__main__").main)
        return
    assert command[:2] == ["faststream", "run"], command
    assert "--factory" in command, "create_app is a factory; without --factory the runner treats it as the app"
    module, attribute = app_target(command)
    assert module == f"{service}_service.app"
    assert attribute == "create_app"
    assert callable(getattr(importlib.import_module(module), attribute))


OPS_PORT = 9100  # the ops HTTP port of the Kafka services in containers (issue 16's shared contract)


def assert_probes(service: str, container: dict[str, Any], env: dict[str, str], ops_port: int = OPS_PORT) -> None:
    """Startup and liveness on /health/live, readiness on /health/ready, on the port the service serves them on."""
    named_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    if service == "gateway":
        expected_port = int({e["name"]: e.get("value") for e in container["env"]}["HTTP_PORT"])
    else:
        expected_port = int(env["OPS_PORT"])
        assert expected_port == ops_port
    paths = {"startupProbe": "/health/live", "livenessProbe": "/health/live", "readinessProbe": "/health/ready"}
    for probe, path in paths.items():
        assert probe in container, f"{service} has no {probe}"
        check = container[probe]["httpGet"]
        assert check["path"] == path, f"{service} {probe}"
        assert named_ports.get(check["port"], check["port"]) == expected_port, f"{service} {probe} port"
