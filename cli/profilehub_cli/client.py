"""A thin HTTP client of the API: the token on every call, the API's error message on every refusal."""

from typing import Any

import httpx


class ApiFailure(Exception):
    """The API refused the call (or could not be reached); `str()` is what to show the user."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


def failure_of(response: httpx.Response) -> ApiFailure:
    """The API's own `{"error": {...}}` message, or the status line when the body is something else."""
    try:
        error = response.json()["error"]
        return ApiFailure(f"{response.status_code} {error['code']}: {error['message']}", error.get("details") or [])
    except (ValueError, KeyError, TypeError):
        return ApiFailure(f"{response.status_code} {response.reason_phrase}: {response.text[:500]}")


class Api:
    """Calls `<url>/api/v1/...` with `Authorization: Bearer <token>`."""

    def __init__(
        self, url: str, token: str | None, transport: httpx.BaseTransport | None = None, *, json_output: bool = False
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.json_output = json_output  # `--json`: commands print the API's documents instead of tables
        self.http = httpx.Client(base_url=f"{self.url}/api/v1", headers=headers, timeout=60, transport=transport)

    def call(self, method: str, path: str, **options: Any) -> Any:
        try:
            response = self.http.request(method, path, **options)
        except httpx.HTTPError as exc:
            raise ApiFailure(f"cannot reach the API at {self.url}: {exc}") from exc
        if response.is_error:
            raise failure_of(response)
        return response.json() if response.content else None
