"""The Docker and Kubernetes deployment files agree with the code.

No Docker engine is needed: docker-compose.yml, deploy/docker/Dockerfile and deploy/k8s/*.yaml are parsed and checked
against the services' entry points (`<name>_service.app:create_app`) and settings classes, so that a renamed module,
a new required setting or a misspelt environment variable fails here instead of in a container.
"""

import importlib
import re
import shlex
import tomllib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from profilehub_shared.settings import ServiceSettings
from tests.deploy_files import (
    DOCKERFILE,
    KAFKA_SERVICES,
    ROOT,
    SERVICES,
    assert_probes,
    assert_runs_service,
    compose,
    compose_service,
    env_of,
    option,
    settings_class,
    unknown_env,
)

K8S = ROOT / "deploy" / "k8s"
SERVER_PROPERTIES = ROOT / "deploy" / "local" / "kafka" / "server.properties.in"


# ---------------------------------------------------------------------------------------------------------- helpers


def published_container_ports(definition: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in definition.get("ports") or []:
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:  # "[ip:]host:container[/proto]" or just "container"
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def healthcheck_text(definition: dict[str, Any]) -> str:
    test = definition["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else str(test)


def kafka_listeners(env: dict[str, str], key: str) -> dict[str, tuple[str, int]]:
    """KAFKA_LISTENERS / KAFKA_ADVERTISED_LISTENERS as {listener name: (host, port)}."""
    listeners: dict[str, tuple[str, int]] = {}
    for item in env[key].split(","):
        name, address = item.strip().split("://", 1)
        host, port = address.rsplit(":", 1)
        listeners[name] = (host, int(port))
    return listeners


def read_properties(path: Path) -> dict[str, str]:
    properties: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, value = line.split("=", 1)
            properties[key.strip()] = value.strip()
    return properties


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


@cache
def k8s_documents() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                document["__file__"] = path.name
                documents.append(document)
    return documents


def k8s_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in k8s_documents() if d.get("kind") == kind}


def only_container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


# --------------------------------------------------------------------------------------------------- docker compose


def test_compose_has_the_six_services_and_the_infrastructure() -> None:
    assert set(compose()["services"]) == {*SERVICES, "kafka", "mongo"}
    assert compose_service("kafka")["image"] == "apache/kafka:4.1.0"
    assert compose_service("mongo")["image"].split(":")[0] == "mongo"
    assert any(v.startswith("mongo-data:") or ":/data/db" in v for v in compose_service("mongo")["volumes"])


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_runs_its_app_factory(service: str) -> None:
    assert_runs_service(service, compose_service(service)["command"])


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_is_built_from_the_one_dockerfile_and_scales(service: str) -> None:
    definition = compose_service(service)
    build = definition["build"]
    assert (ROOT / build["context"]).resolve() == ROOT
    assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    # --scale needs compose to name the replicas and, except for the one published gateway, no fixed host ports.
    assert "container_name" not in definition
    if service != "gateway":
        assert not definition.get("ports"), f"{service} needs no published port"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_env_vars_are_settings(service: str) -> None:
    env = env_of(compose_service(service))
    assert not unknown_env(service, env), f"not read by {service}_service.settings.Settings"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] and env["MONGO_URL"] and env["MONGO_DB"] == "profilehub"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_sets_every_required_setting(service: str) -> None:
    env = {key.lower() for key in env_of(compose_service(service))}
    required = {name for name, info in settings_class(service).model_fields.items() if info.is_required()}
    assert required <= env, f"required settings of {service} missing from compose: {required - env}"


def test_admin_token_has_no_default_and_only_the_gateway_gets_it() -> None:
    token = env_of(compose_service("gateway"))["PROFILEHUB_ADMIN_TOKEN"]
    # ${VAR:?message} makes compose refuse to start when the variable is unset or empty.
    assert re.fullmatch(r"\$\{PROFILEHUB_ADMIN_TOKEN:\?[^}]+\}", token), token
    for service in KAFKA_SERVICES:
        assert "PROFILEHUB_ADMIN_TOKEN" not in env_of(compose_service(service))


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_waits_for_healthy_infrastructure(service: str) -> None:
    depends_on = compose_service(service)["depends_on"]
    assert isinstance(depends_on, dict), "the list form cannot wait for health"
    for dependency in ("kafka", "mongo"):
        assert depends_on[dependency]["condition"] == "service_healthy"
        assert "healthcheck" in compose_service(dependency), f"service_healthy needs a healthcheck on {dependency}"


def test_infrastructure_healthchecks() -> None:
    kafka_check = healthcheck_text(compose_service("kafka"))
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in kafka_check
    match = re.search(r"--bootstrap-server\s+localhost:(\d+)", kafka_check)
    assert match, kafka_check
    port = int(match.group(1))
    bound = {p for _, p in kafka_listeners(env_of(compose_service("kafka")), "KAFKA_LISTENERS").values()}
    assert port in bound, "the healthcheck must ask a port the broker listens on"
    assert "rs.initiate" in healthcheck_text(compose_service("mongo"))


def test_gateway_listens_where_it_is_published_and_checked() -> None:
    gateway = compose_service("gateway")
    command = gateway["command"]
    env = env_of(gateway)
    settings_port = int(env.get("HTTP_PORT", settings_class("gateway").model_fields["http_port"].default))
    assert command == ["python", "-m", "gateway_service"], "the gateway's own runner listens on HTTP_HOST:HTTP_PORT"
    port = settings_port
    # The settings default (127.0.0.1) is unreachable from outside a container.
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert port in published_container_ports(gateway)
    check = healthcheck_text(gateway)
    assert "curl" not in check and "wget" not in check, "python:3.11-slim has neither curl nor wget"
    assert f":{port}/health/live" in check
    health = importlib.import_module("gateway_service.health")
    assert "/health/live" in {route.path for route in health.router.routes}


@pytest.mark.parametrize("service", SERVICES)
def test_services_bootstrap_from_the_internal_kafka_listener(service: str) -> None:
    kafka_env = env_of(compose_service("kafka"))
    advertised = kafka_listeners(kafka_env, "KAFKA_ADVERTISED_LISTENERS")
    bound = kafka_listeners(kafka_env, "KAFKA_LISTENERS")
    kafka_names = {"kafka", compose_service("kafka").get("hostname", "kafka")}
    for server in env_of(compose_service(service))["KAFKA_BOOTSTRAP_SERVERS"].split(","):
        host, port = server.strip().rsplit(":", 1)
        assert host in kafka_names, f"{server} is not the kafka service"
        matching = [name for name, address in advertised.items() if address == (host, int(port))]
        assert matching, f"{server} is not an advertised listener of kafka: {advertised}"
        assert bound[matching[0]][1] == int(port), f"listener {matching[0]} is advertised on {port} but not bound there"
        assert matching[0] != kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"]


@pytest.mark.parametrize("service", SERVICES)
def test_services_use_the_mongo_service(service: str) -> None:
    url = urlparse(env_of(compose_service(service))["MONGO_URL"])
    assert url.scheme == "mongodb"
    assert url.hostname == "mongo"
    assert (url.port or 27017) == 27017


def replica_set_of(command: list[str]) -> str:
    assert command[0] == "mongod", command
    return option(command, "--replSet")


def initiated_members(script: str) -> tuple[str, list[str]]:
    """The replica set name and member hosts a healthcheck's `rs.initiate({...})` gives."""
    match = re.search(r"rs\.initiate\(\{_id: '(\w+)', members: \[(.*?)\]\}\)", script)
    assert match, f"no rs.initiate in {script!r}"
    return match.group(1), re.findall(r"host: '([^']+)'", match.group(2))


def test_compose_mongo_is_a_single_node_replica_set_initiated_by_its_healthcheck() -> None:
    mongo = compose_service("mongo")
    name = replica_set_of(mongo["command"])
    assert "--bind_ip_all" in mongo["command"], "mongod binds to localhost only unless told otherwise"
    check = healthcheck_text(mongo)
    # Initiated only when rs.status() fails (not yet initiated); healthy only as the primary (majority writes work).
    assert re.search(r"try \{ rs\.status\(\) \} catch", check), check
    assert "isWritablePrimary" in check
    assert initiated_members(check) == (name, ["mongo:27017"])


@pytest.mark.parametrize("service", SERVICES)
def test_compose_services_connect_to_the_replica_set_with_majority_journaled_writes(service: str) -> None:
    env = env_of(compose_service(service))
    query = parse_qs(urlparse(env["MONGO_URL"]).query)
    assert query.get("replicaSet") == [replica_set_of(compose_service("mongo")["command"])]
    assert env.get("MONGO_WRITE_CONCERN", "majority") == "majority"
    assert env.get("MONGO_JOURNAL", "true").lower() == "true"


def test_writes_are_majority_and_journaled_by_default() -> None:
    fields = ServiceSettings.model_fields
    assert fields["mongo_write_concern"].default == "majority"
    assert fields["mongo_journal"].default is True


def test_kafka_is_a_single_kraft_node() -> None:
    env = env_of(compose_service("kafka"))
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = env["KAFKA_NODE_ID"]
    voters = env.get("KAFKA_CONTROLLER_QUORUM_VOTERS", "")
    controller = kafka_listeners(env, "KAFKA_LISTENERS")[env["KAFKA_CONTROLLER_LISTENER_NAMES"]]
    assert voters == f"{node_id}@kafka:{controller[1]}" or env.get("KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS")
    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"):
        assert env[key] == "1", f"{key} must be 1 on a single broker"


def test_topic_auto_creation_is_disabled_in_compose_and_natively() -> None:
    # The services create their topics with explicit partitions and compaction; both brokers must refuse others.
    assert env_of(compose_service("kafka"))["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false"
    assert read_properties(SERVER_PROPERTIES)["auto.create.topics.enable"].lower() == "false"


# ------------------------------------------------------------------------------------------------------- Dockerfile


def test_dockerfile_installs_the_project_without_dev_dependencies_as_non_root() -> None:
    instructions = dockerfile_instructions()
    bases = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert bases and bases[-1] == "python:3.11-slim", "the runtime stage is python:3.11-slim"
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    installs = [run for run in runs if re.search(r"pip install\b", run)]
    assert any(re.search(r"pip install --no-cache-dir \.(\s|$)", run) for run in installs), installs
    assert not any("[dev]" in run or "-e " in run for run in installs), "the image must not carry dev dependencies"
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the image must run as a non-root user"


def test_dockerfile_copies_everything_pip_install_needs() -> None:
    copied: set[str] = set()
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY" and "--from=" not in args:
            sources = [a for a in shlex.split(args) if not a.startswith("--")][:-1]
            copied.update(source.rstrip("/").removeprefix("./") for source in sources)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {
        "pyproject.toml",
        project["project"]["readme"],
        *project["tool"]["setuptools"]["packages"]["find"]["where"],
    }
    missing = {path for path in needed if not any(path == c or path.startswith(c + "/") or c == "." for c in copied)}
    assert not missing, f"the Dockerfile does not copy {missing}"


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".local", ".git"} <= ignored


# -------------------------------------------------------------------------------------------------------- Kubernetes


def test_k8s_deployments_run_the_same_services_as_compose() -> None:
    deployments = k8s_objects("Deployment")
    assert set(deployments) == set(SERVICES)
    for service, deployment in deployments.items():
        container = only_container(deployment)
        # args override the image's CMD like compose's `command`; `command` would replace the entrypoint instead.
        assert "command" not in container
        assert_runs_service(service, container["args"])
        assert container["args"] == compose_service(service)["command"], f"{service} differs from compose"
        spec = deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items(), f"{service}: selector matches no pod"


def test_k8s_configmap_holds_only_settings_and_names_the_infrastructure() -> None:
    configmaps = k8s_objects("ConfigMap")
    assert len(configmaps) == 1
    ((name, configmap),) = configmaps.items()
    data = configmap["data"]
    assert {"KAFKA_BOOTSTRAP_SERVERS", "MONGO_URL"} <= set(data)
    assert urlparse(data["MONGO_URL"]).scheme in {"mongodb", "mongodb+srv"}
    for service, deployment in k8s_objects("Deployment").items():
        container = only_container(deployment)
        assert {"configMapRef": {"name": name}} in container["envFrom"], service
        env_names = set(data) | {item["name"] for item in container.get("env", [])}
        assert not unknown_env(service, env_names), f"not read by {service}_service.settings.Settings"


def test_k8s_gateway_gets_the_admin_token_from_the_secret_and_is_served_on_its_port() -> None:
    ((secret_name, secret),) = k8s_objects("Secret").items()
    assert "PROFILEHUB_ADMIN_TOKEN" in secret.get("stringData", secret.get("data", {}))
    container = only_container(k8s_objects("Deployment")["gateway"])
    env = {item["name"]: item for item in container["env"]}
    assert env["PROFILEHUB_ADMIN_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": secret_name,
        "key": "PROFILEHUB_ADMIN_TOKEN",
    }
    port = int(env["HTTP_PORT"]["value"])
    assert env["HTTP_HOST"]["value"] == "0.0.0.0"
    named_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert port in named_ports.values()
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    service = k8s_objects("Service")["gateway"]
    for service_port in service["spec"]["ports"]:
        target = service_port["targetPort"]
        assert named_ports.get(target, target) == port
    assert service["spec"]["selector"].items() <= container_labels("gateway").items()


def test_k8s_mongo_is_a_single_node_replica_set_that_the_services_use() -> None:
    statefulset = k8s_objects("StatefulSet")["mongo"]
    assert statefulset["spec"]["replicas"] == 1
    container = only_container(statefulset)
    name = replica_set_of(container["args"])
    assert "--bind_ip_all" in container["args"]
    assert {"name": "data", "mountPath": "/data/db"} in container["volumeMounts"]
    assert [t["metadata"]["name"] for t in statefulset["spec"]["volumeClaimTemplates"]] == ["data"]
    probe = " ".join(container["readinessProbe"]["exec"]["command"])
    assert "isWritablePrimary" in probe
    # The member is named by the pod's stable DNS name, which the headless Service (named as serviceName) gives.
    service = k8s_objects("Service")[statefulset["spec"]["serviceName"]]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"].items() <= statefulset["spec"]["template"]["metadata"]["labels"].items()
    member = f"{statefulset['metadata']['name']}-0.{service['metadata']['name']}:27017"
    assert initiated_members(probe) == (name, [member])
    ((_, configmap),) = k8s_objects("ConfigMap").items()
    url = urlparse(configmap["data"]["MONGO_URL"])
    assert f"{url.hostname}:{url.port or 27017}" == member
    assert parse_qs(url.query).get("replicaSet") == [name]
    assert configmap["data"].get("MONGO_WRITE_CONCERN", "majority") == "majority"
    assert configmap["data"].get("MONGO_JOURNAL", "true").lower() == "true"


def container_labels(deployment: str) -> dict[str, str]:
    return k8s_objects("Deployment")[deployment]["spec"]["template"]["metadata"]["labels"]


def test_k8s_kustomization_applies_every_manifest_but_the_secret_placeholder() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {d["__file__"] for d in k8s_documents() if d.get("kind") not in {"Kustomization", "Secret"}}
    assert set(kustomization["resources"]) == manifests
    # Applying the placeholder would overwrite the operator's real token.
    assert not any(d.get("kind") == "Secret" for d in k8s_documents() if d["__file__"] in kustomization["resources"])


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_every_service_has_startup_liveness_and_readiness_probes(service: str) -> None:
    container = only_container(k8s_objects("Deployment")[service])
    env = {item["name"]: item.get("value", "") for item in container.get("env", [])}
    assert_probes(service, container, env)
