"""The Helm chart (deploy/helm/profilehub) lints, renders, and agrees with the code as the compose and k8s files do.

`helm lint --strict` and `helm template` run on the chart with Helm built by deploy/local/helm.sh (`go install` from
the Go module proxy, once, into the download cache); a missing Helm fails, never skips. The rendered manifests are
checked against the services' entry points and settings: the same commands as docker-compose.yml, only environment
variables the settings know, every required setting given, probes on the ports the services serve them on,
autoscalers and disruption budgets that select the pods they are meant for, and the values (replicas, URLs, topic
prefix, secrets, resources) where they belong.
"""

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from profilehub_shared.contracts.namespace import PREFIX_PATTERN, KafkaNamespace
from profilehub_shared.settings import ServiceSettings
from tests.deploy_files import (
    KAFKA_SERVICES,
    ROOT,
    SERVICES,
    assert_probes,
    assert_runs_service,
    compose_service,
    settings_class,
    unknown_env,
)

CHART = ROOT / "deploy" / "helm" / "profilehub"
KUBE_VERSION = "1.31.0"  # a Helm built by `go install` assumes Kubernetes 1.20 unless told
REQUIRED = {
    "kafka.bootstrapServers": "my-kafka-bootstrap.kafka.svc:9092",
    "mongo.url": "mongodb://mongo-0.mongo:27017/?replicaSet=rs0",
    "adminToken.existingSecret": "profilehub-admin",
}


@pytest.fixture(scope="session")
def helm() -> str:
    done = subprocess.run([str(ROOT / "deploy/local/helm.sh")], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"Helm could not be built: {done.stderr[-3000:]}"
    return done.stdout.strip().splitlines()[-1]


def sets(values: dict[str, str | int]) -> list[str]:
    """Helm arguments giving these values: text as text, numbers as numbers."""
    return [
        arg
        for key, value in values.items()
        for arg in ("--set-string" if isinstance(value, str) else "--set", f"{key}={value}")
    ]


def render(helm: str, **values: str | int) -> subprocess.CompletedProcess[str]:
    given = {**REQUIRED, **{key.replace("__", "."): value for key, value in values.items()}}
    return subprocess.run(
        [helm, "template", "ph", str(CHART), "--namespace", "profilehub", "--kube-version", KUBE_VERSION, *sets(given)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@cache
def manifests(helm: str, *pairs: tuple[str, str | int]) -> dict[tuple[str, str], dict[str, Any]]:
    """The rendered objects by (kind, name)."""
    done = render(helm, **dict(pairs))
    assert done.returncode == 0, done.stderr
    objects = [d for d in yaml.safe_load_all(done.stdout) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in objects}


def of_kind(objects: dict[tuple[str, str], dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {name: d for (k, name), d in objects.items() if k == kind}


def deployment(objects: dict[tuple[str, str], dict[str, Any]], service: str) -> dict[str, Any]:
    return of_kind(objects, "Deployment")[f"ph-profilehub-{service}"]


def container_of(objects: dict[tuple[str, str], dict[str, Any]], service: str) -> dict[str, Any]:
    (container,) = deployment(objects, service)["spec"]["template"]["spec"]["containers"]
    return container


def config(objects: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    return of_kind(objects, "ConfigMap")["ph-profilehub-config"]["data"]  # type: ignore[no-any-return]


def plain_env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container.get("env", [])}


def error_of(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0, "rendered although it should not"
    return done.stderr


# --------------------------------------------------------------------------------------------------------- the chart


def test_helm_lint_passes_strictly(helm: str) -> None:
    done = subprocess.run(
        [helm, "lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION, *sets(REQUIRED)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


def test_the_chart_renders_the_six_services_and_nothing_unexpected(helm: str) -> None:
    objects = manifests(helm)
    assert set(of_kind(objects, "Deployment")) == {f"ph-profilehub-{s}" for s in SERVICES}
    assert {kind for kind, _ in objects} == {
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }, "an existing admin Secret was named: the chart makes none"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_the_same_command_as_compose(helm: str, service: str) -> None:
    container = container_of(manifests(helm), service)
    assert "command" not in container, "args override the image's CMD; command would replace its entrypoint"
    assert_runs_service(service, container["args"])
    assert container["args"] == compose_service(service)["command"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_gets_only_settings_it_reads_and_every_required_one(helm: str, service: str) -> None:
    objects = manifests(helm)
    container = container_of(objects, service)
    assert {"configMapRef": {"name": "ph-profilehub-config"}} in container["envFrom"]
    names = set(config(objects)) | {item["name"] for item in container.get("env", [])}
    assert not unknown_env(service, names), f"not read by {service}_service.settings.Settings"
    required = {name for name, info in settings_class(service).model_fields.items() if info.is_required()}
    assert required <= {n.lower() for n in names}, f"required settings of {service} missing: {required}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_probes_on_the_port_it_serves_them_on(helm: str, service: str) -> None:
    container = container_of(manifests(helm), service)
    assert_probes(service, container, plain_env(container))
    moved = container_of(manifests(helm, ("opsPort", 9300)), service)
    assert_probes(service, moved, plain_env(moved), ops_port=9300)


def test_the_gateway_listens_where_its_service_and_settings_say(helm: str) -> None:
    objects = manifests(helm)
    container = container_of(objects, "gateway")
    env = plain_env(container)
    assert container["args"] == ["python", "-m", "gateway_service"]
    port = int(env["HTTP_PORT"])
    assert env["HTTP_HOST"] == "0.0.0.0"
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    service = of_kind(objects, "Service")["ph-profilehub-gateway"]
    for service_port in service["spec"]["ports"]:
        assert named[service_port["targetPort"]] == port
    labels = deployment(objects, "gateway")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()


def test_the_admin_token_comes_from_a_secret_and_has_no_default(helm: str) -> None:
    container = container_of(manifests(helm), "gateway")
    (token,) = [item for item in container["env"] if item["name"] == "PROFILEHUB_ADMIN_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"] == {"name": "profilehub-admin", "key": "PROFILEHUB_ADMIN_TOKEN"}
    for service in KAFKA_SERVICES:
        assert "PROFILEHUB_ADMIN_TOKEN" not in {item["name"] for item in container_of(manifests(helm), service)["env"]}
    refused = render(helm, adminToken__existingSecret="")
    assert "adminToken" in error_of(refused) and "no default admin token" in refused.stderr
    assert "at least 16 characters" in error_of(render(helm, adminToken__existingSecret="", adminToken__value="short"))


def test_a_token_given_as_a_value_becomes_the_charts_own_secret(helm: str) -> None:
    objects = manifests(helm, ("adminToken.existingSecret", ""), ("adminToken.value", "s" * 32))
    secret = of_kind(objects, "Secret")["ph-profilehub-admin"]
    assert secret["stringData"] == {"PROFILEHUB_ADMIN_TOKEN": "s" * 32}
    (token,) = [item for item in container_of(objects, "gateway")["env"] if item["name"] == "PROFILEHUB_ADMIN_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"]["name"] == "ph-profilehub-admin"


def test_kafka_and_mongo_come_from_the_values_and_a_mongo_url_may_come_from_a_secret(helm: str) -> None:
    data = config(manifests(helm))
    assert data["KAFKA_BOOTSTRAP_SERVERS"] == REQUIRED["kafka.bootstrapServers"]
    assert data["MONGO_URL"] == REQUIRED["mongo.url"]
    assert ServiceSettings(**{k.lower(): v for k, v in data.items()}).mongo_write_concern == "majority"  # all valid
    assert "kafka.bootstrapServers is required" in error_of(render(helm, kafka__bootstrapServers=""))
    objects = manifests(helm, ("mongo.url", ""), ("mongo.urlSecret.name", "mongo-credentials"))
    assert "MONGO_URL" not in config(objects)
    for service in SERVICES:
        (url,) = [item for item in container_of(objects, service)["env"] if item["name"] == "MONGO_URL"]
        assert url["valueFrom"]["secretKeyRef"] == {"name": "mongo-credentials", "key": "MONGO_URL"}


def test_the_topic_prefix_reaches_every_service_and_the_chart_refuses_what_kafka_cannot_hold(helm: str) -> None:
    data = config(manifests(helm, ("kafka.topicPrefix", "staging."), ("kafka.groupPrefix", "staging-groups.")))
    namespace = KafkaNamespace(**{k.lower(): v for k, v in data.items() if k.startswith("KAFKA_")})
    assert namespace.topic("profiles.changed.v1") == "staging.profiles.changed.v1"
    assert namespace.group("importer-upserts") == "staging-groups.importer-upserts"
    default = config(manifests(helm, ("kafka.topicPrefix", "staging.")))
    assert "KAFKA_GROUP_PREFIX" not in default, "unset: the services use the topic prefix for groups too"
    schema = json.loads((CHART / "values.schema.json").read_text())["properties"]["kafka"]["properties"]
    assert schema["topicPrefix"]["pattern"] == schema["groupPrefix"]["pattern"] == PREFIX_PATTERN
    assert "does not match pattern" in error_of(render(helm, kafka__topicPrefix="two words"))


def test_replicas_resources_and_settings_per_service_come_from_the_values(helm: str) -> None:
    objects = manifests(
        helm,
        ("services.exporter.replicas", 3),
        ("services.ml.resources.requests.cpu", "2"),
        ("services.ml.env.ML_REFRESH_TIME_HOURS", "4"),
        ("env.MAX_DELIVERY_ATTEMPTS", "7"),
    )
    assert deployment(objects, "exporter")["spec"]["replicas"] == 3
    assert container_of(objects, "ml")["resources"]["requests"]["cpu"] == "2"
    assert plain_env(container_of(objects, "ml"))["ML_REFRESH_TIME_HOURS"] == "4"
    assert config(objects)["MAX_DELIVERY_ATTEMPTS"] == "7"
    for service in SERVICES:
        resources = container_of(objects, service)["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"] and resources["limits"]["memory"]
    assert "additional properties 'importr' not allowed" in error_of(render(helm, services__importr__replicas=2))


def test_importer_and_history_autoscale_on_cpu_within_the_topic_partitions(helm: str) -> None:
    objects = manifests(helm)
    autoscalers = of_kind(objects, "HorizontalPodAutoscaler")
    assert set(autoscalers) == {"ph-profilehub-importer", "ph-profilehub-history"}
    partitions = int(config(objects)["TOPIC_PARTITIONS"])
    for name, hpa in autoscalers.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert "replicas" not in of_kind(objects, "Deployment")[name]["spec"], "the autoscaler owns the count"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        (container,) = of_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["requests"]["cpu"], "CPU utilisation is measured against the request"
    refused = render(helm, services__importer__autoscaling__maxReplicas=12)
    assert "above kafka.topicPartitions" in error_of(refused)


@pytest.mark.parametrize("service", SERVICES)
def test_a_disruption_budget_selects_each_services_pods_and_nothing_else(helm: str, service: str) -> None:
    objects = manifests(helm)
    budget = of_kind(objects, "PodDisruptionBudget")[f"ph-profilehub-{service}"]
    assert budget["spec"]["maxUnavailable"] == 1
    selector = budget["spec"]["selector"]["matchLabels"].items()
    for other in SERVICES:
        labels = deployment(objects, other)["spec"]["template"]["metadata"]["labels"].items()
        assert (selector <= labels) == (other == service), f"{service}'s budget vs {other}'s pods"
        match = deployment(objects, other)["spec"]["selector"]["matchLabels"].items()
        assert match <= labels


def test_pods_run_as_non_root_on_a_read_only_root_with_a_writable_tmp(helm: str) -> None:
    for service in SERVICES:
        spec = deployment(manifests(helm), service)["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["enableServiceLinks"] is False
        (container,) = spec["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert spec["terminationGracePeriodSeconds"] > 10, "every service stops within 10 s of SIGTERM"


def test_the_chart_defaults_agree_with_the_settings_defaults(helm: str) -> None:
    data = config(manifests(helm))
    fields = ServiceSettings.model_fields
    assert data["MONGO_WRITE_CONCERN"] == fields["mongo_write_concern"].default
    assert data["MONGO_JOURNAL"] == str(fields["mongo_journal"].default).lower()
    assert data["MONGO_DB"] == fields["mongo_db"].default
    assert data["LOG_LEVEL"] == fields["log_level"].default
    assert data["KAFKA_TOPIC_PREFIX"] == fields["kafka_topic_prefix"].default


def test_the_image_tag_defaults_to_the_app_version(helm: str) -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    for service in SERVICES:
        assert container_of(manifests(helm), service)["image"] == f"profilehub:{chart['appVersion']}"
    tagged = manifests(helm, ("image.repository", "registry.example/profilehub"), ("image.tag", "1.2.3"))
    assert container_of(tagged, "importer")["image"] == "registry.example/profilehub:1.2.3"


def test_the_chart_version_follows_the_project(helm: str) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"] == project["version"]
    assert Path(CHART / "values.schema.json").is_file()
