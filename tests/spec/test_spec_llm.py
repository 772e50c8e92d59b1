"""The optional LLM backend, against a real local HTTP server speaking the OpenAI chat API.

The server is the external service stood in for (it answers from a script of
canned completions); the request, the HTTP exchange and the validation of the
answer are the product's own code, run for real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tickdeck.core import DataError, InputError
from tickdeck.spec import SpecError, from_text, template_spec
from tickdeck.spec._llm import parse_text_with_llm

SMA_SPEC = template_spec("sma_crossover").model_dump(mode="json")


class ChatServer:
    """A local chat-completions endpoint: records requests, answers with queued contents."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.answers: list[tuple[int, bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                owner.requests.append(json.loads(self.rfile.read(length)))
                owner.headers.append(dict(self.headers))
                owner.paths.append(self.path)
                status, body = owner.answers.pop(0)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.paths: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def answer(self, content: str, status: int = 200) -> None:
        body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
        self.answers.append((status, json.dumps(body).encode()))

    def answer_raw(self, body: bytes, status: int = 200) -> None:
        self.answers.append((status, body))


@pytest.fixture
def server() -> Iterator[ChatServer]:
    chat = ChatServer()
    chat.thread.start()
    yield chat
    chat.server.shutdown()
    chat.server.server_close()
    chat.thread.join(timeout=5)


@pytest.fixture
def configured(server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> ChatServer:
    monkeypatch.setenv("TICKDECK_LLM_BASE_URL", server.url)
    monkeypatch.setenv("TICKDECK_LLM_MODEL", "local-model")
    monkeypatch.setenv("TICKDECK_LLM_API_KEY", "secret-key")
    return server


def test_a_valid_answer_becomes_the_spec(configured: ChatServer) -> None:
    configured.answer(json.dumps(SMA_SPEC))
    result = from_text("follow the 20/100 moving average crossover", backend="llm")
    assert result.spec == template_spec("sma_crossover")
    assert result.backend == "llm"
    assert "local-model" in result.explanations[0].meaning
    assert "crosses above" in result.explanations[1].meaning
    [request] = configured.requests
    assert configured.paths == ["/v1/chat/completions"]
    assert request["model"] == "local-model"
    assert request["messages"][1] == {
        "role": "user",
        "content": "follow the 20/100 moving average crossover",
    }
    assert '"spec_version"' in request["messages"][0]["content"]  # the schema is in the prompt
    assert configured.headers[0]["Authorization"] == "Bearer secret-key"


def test_an_answer_in_a_markdown_fence_is_read(configured: ChatServer) -> None:
    configured.answer("Here it is:\n```json\n" + json.dumps(SMA_SPEC) + "\n```")
    assert from_text("anything", backend="llm").spec.name == "sma_crossover"


def test_an_answer_that_breaks_the_schema_is_rejected_with_the_schema_error(
    configured: ChatServer,
) -> None:
    broken = json.loads(json.dumps(SMA_SPEC))
    broken["indicators"]["fast"]["period"] = -3
    broken["long"]["entry"]["right"]["id"] = "slw"
    configured.answer(json.dumps(broken))
    with pytest.raises(SpecError) as caught:
        from_text("anything", backend="llm")
    assert [p[0] for p in caught.value.problems] == ["indicators.fast.period"]
    assert "the spec from model local-model is not valid" in str(caught.value)
    del broken["indicators"]["fast"]["period"]
    broken["indicators"]["fast"]["period"] = 3
    configured.answer(json.dumps(broken))
    with pytest.raises(SpecError, match=r"long.entry.right.id: got 'slw'.*did you mean 'slow'"):
        from_text("anything", backend="llm")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"not json at all", "not an OpenAI-style chat completion"),
        (json.dumps({"choices": []}).encode(), "not an OpenAI-style chat completion"),
    ],
)
def test_an_answer_that_is_not_a_completion_is_a_data_error(
    configured: ChatServer, body: bytes, problem: str
) -> None:
    configured.answer_raw(body)
    with pytest.raises(DataError, match=problem):
        from_text("anything", backend="llm")


def test_a_completion_without_a_json_object_is_a_data_error(configured: ChatServer) -> None:
    configured.answer("I would buy low and sell high.")
    with pytest.raises(DataError, match="not JSON"):
        from_text("anything", backend="llm")
    configured.answer("[1, 2, 3]")
    with pytest.raises(DataError, match="not a JSON object"):
        from_text("anything", backend="llm")


def test_an_http_error_names_the_status_and_the_url(configured: ChatServer) -> None:
    configured.answer_raw(b'{"error": "model not loaded"}', status=503)
    with pytest.raises(InputError, match=r"HTTP 503 from .*/v1/chat/completions.*model not loaded"):
        from_text("anything", backend="llm")


def test_missing_settings_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TICKDECK_LLM_BASE_URL", "TICKDECK_LLM_MODEL", "TICKDECK_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InputError, match="set the environment variable TICKDECK_LLM_BASE_URL"):
        from_text("buy low", backend="llm")
    with pytest.raises(InputError, match="TICKDECK_LLM_MODEL"):
        parse_text_with_llm("buy low", environment={"TICKDECK_LLM_BASE_URL": "http://127.0.0.1:9"})


def test_an_unreachable_server_is_a_clear_error(server: ChatServer) -> None:
    url = server.url
    server.server.shutdown()
    server.server.server_close()
    with pytest.raises(InputError, match="a reachable API"):
        parse_text_with_llm(
            "buy low",
            environment={"TICKDECK_LLM_BASE_URL": url, "TICKDECK_LLM_MODEL": "m"},
            timeout=5,
        )


def test_an_unknown_backend_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'grammar' or 'llm'"):
        from_text("buy when RSI(14) < 30", backend="magic")  # type: ignore[arg-type]
