"""The optional free-form backend: an OpenAI-compatible chat API turns text into a spec.

Configured by environment variables, read at each call:

- ``TICKDECK_LLM_BASE_URL``: the API root, e.g. ``http://localhost:8000/v1``
  (``/chat/completions`` is appended);
- ``TICKDECK_LLM_MODEL``: the model name;
- ``TICKDECK_LLM_API_KEY``: sent as a bearer token (optional for local servers).

The model gets the spec's JSON Schema and is asked for one JSON object. Its
answer is never trusted: it is parsed and validated like any spec, and an
invalid one is a `SpecError` naming each faulty field. Only the standard
library is used (`urllib.request`).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from tickdeck.core import DataError, InputError
from tickdeck.spec._describe import describe
from tickdeck.spec._load import json_schema, parse_spec
from tickdeck.spec._model import SPEC_VERSION
from tickdeck.spec._text import Explanation, TextResult

__all__ = ["ENVIRONMENT", "parse_text_with_llm"]

ENVIRONMENT = ("TICKDECK_LLM_BASE_URL", "TICKDECK_LLM_MODEL", "TICKDECK_LLM_API_KEY")
_TIMEOUT_SECONDS = 120.0

_INSTRUCTIONS = (
    "You translate a trading strategy written in English into a JSON strategy spec. "
    "Answer with exactly one JSON object that is valid against this JSON Schema, and "
    f'nothing else. Set "spec_version" to "{SPEC_VERSION}". Use only the indicators, '
    "conditions and fields the schema defines; if the text asks for something the "
    'schema cannot express, leave it out and say so in the "description" field.\n\n'
    "JSON Schema:\n"
)


def _setting(environment: Mapping[str, str], name: str, expected: str) -> str:
    value = environment.get(name, "").strip()
    if not value:
        raise InputError(
            name, None, expected, hint=f"set the environment variable {name} to use the llm backend"
        )
    return value


def parse_text_with_llm(
    text: str, *, environment: Mapping[str, str] | None = None, timeout: float = _TIMEOUT_SECONDS
) -> TextResult:
    """The spec an OpenAI-compatible model reads from `text`, validated against the schema.

    Raises `InputError` when the backend is not configured or cannot be
    reached, `DataError` when its answer is not a chat completion holding a
    JSON object, and `SpecError` when that object is not a valid spec.
    """
    env = os.environ if environment is None else environment
    base_url = _setting(env, "TICKDECK_LLM_BASE_URL", "the URL of an OpenAI-compatible API")
    model = _setting(env, "TICKDECK_LLM_MODEL", "the name of the model to ask")
    api_key = env.get("TICKDECK_LLM_API_KEY", "").strip()
    url = base_url.rstrip("/") + "/chat/completions"
    body = {
        "model": model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": _INSTRUCTIONS + json.dumps(json_schema())},
            {"role": "user", "content": text},
        ],
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")[:300]
        raise InputError(
            "TICKDECK_LLM_BASE_URL",
            base_url,
            "an API that accepts chat completions",
            hint=f"HTTP {error.code} from {url}: {detail}",
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise InputError(
            "TICKDECK_LLM_BASE_URL", base_url, "a reachable API", hint=f"{url}: {reason}"
        ) from None
    content = _content(raw, url)
    spec_data = _json_object(content, url)
    spec = parse_spec(spec_data, source=f"the spec from model {model}")  # SpecError if invalid
    explanations = (
        Explanation(text, 0, len(text), f"read by model {model} at {base_url}"),
        Explanation("", 0, 0, f"validated; as the grammar would say it: {describe(spec)}"),
    )
    return TextResult(spec, explanations, "llm")


def _content(raw: bytes, url: str) -> str:
    try:
        answer: Any = json.loads(raw)
        content = answer["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise DataError(
            url,
            "not an OpenAI-style chat completion (choices[0].message.content)",
            value=raw[:200].decode("utf-8", "replace"),
        ) from None
    if not isinstance(content, str):
        raise DataError(url, "the message content is not text", field="choices[0].message.content")
    return content


def _json_object(content: str, url: str) -> dict[str, Any]:
    # Models often wrap JSON in a Markdown fence despite being asked not to.
    fenced = re.search(r"```(?:json)?\s*(.*?)```", content, re.DOTALL)
    candidate = fenced.group(1) if fenced else content
    try:
        value = json.loads(candidate)
    except ValueError as error:
        raise DataError(
            url,
            f"the model's answer is not JSON ({error})",
            field="choices[0].message.content",
            value=content[:200],
        ) from None
    if not isinstance(value, dict):
        raise DataError(url, "the model's answer is not a JSON object", value=content[:200])
    return value
