"""OpenAI-compatible chat-completions client, switched on by LLM_BASE_URL and LLM_MODEL.

Callers ask `llm_config()` first: None means no endpoint is configured and nothing may be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai
from django.conf import settings

DEFAULT_TIMEOUT_SECONDS = 20.0


class LLMError(Exception):
    """The endpoint could not be reached or gave no usable answer."""


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str
    api_key: str
    model: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS


def llm_config() -> LLMConfig | None:
    """The configured endpoint, or None when LLM_BASE_URL or LLM_MODEL is empty."""
    base_url = getattr(settings, "LLM_BASE_URL", "") or ""
    model = getattr(settings, "LLM_MODEL", "") or ""
    if not base_url or not model:
        return None
    # Local OpenAI-compatible servers often need no key; the client still wants a value.
    api_key = getattr(settings, "LLM_API_KEY", "") or "not-set"
    return LLMConfig(base_url=base_url, api_key=api_key, model=model)


def chat_json(*, config: LLMConfig, system: str, user: str) -> str:
    """Send one system + user message asking for a JSON object; return the reply's text."""
    client = openai.OpenAI(
        base_url=config.base_url, api_key=config.api_key, timeout=config.timeout, max_retries=0
    )
    try:
        completion = client.chat.completions.create(
            model=config.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            temperature=0,
            response_format={"type": "json_object"},
        )
    except openai.OpenAIError as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        client.close()
    if not completion.choices or completion.choices[0].message.content is None:
        raise LLMError("The answer has no message content.")
    return completion.choices[0].message.content
