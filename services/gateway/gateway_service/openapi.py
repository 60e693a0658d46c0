"""Print the API's OpenAPI document: `python -m gateway_service.openapi > docs/openapi.json`.

Deterministic (sorted keys, fixed indent) so the committed file only changes when the API does; a unit test
compares the two. Needs no broker: the app is built, never started.
"""

import json
import os
import sys
from typing import Any

from .app import create_app
from .settings import Settings

# Building the document serves nothing, so a placeholder stands in when no admin token is configured.
DOCUMENT_ONLY_TOKEN = "openapi-document-only-never-serves"


def document() -> dict[str, Any]:
    token = os.environ.get("PROFILEHUB_ADMIN_TOKEN") or DOCUMENT_ONLY_TOKEN
    return create_app(Settings(profilehub_admin_token=token)).openapi()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
