"""Format reward: the response ends in an extractable final answer, optionally inside a tag template."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mathgym.rewards.base import Reward, RewardOutput, StepContext

_TAG_NAME = re.compile(r"[A-Za-z_][\w-]*")


class FormatReward(Reward):
    """``present`` when the response is well formed, else ``absent``; only final steps are scored.

    Without ``tags``, well formed means :func:`mathgym.verifier.extract_answer` finds one final answer
    in the whole response (the env's verdict is reused when it has one).

    With ``tags`` (e.g. ``("think",)``), the response must also be the tag template: each
    ``<tag>…</tag>`` pair exactly once, in the given order, the first one opening the response (only
    whitespace before it). The answer is then looked for *after* the last closing tag, so an answer that
    only appears inside ``<think>`` does not count. With ``answer_tag`` (e.g. ``"answer"``, appended to
    the template when not listed), the answer is the non-empty content of that tag instead.

    :param present: value for a well-formed response.
    :param absent: value otherwise.
    :param tags: tag names of the required template, in order.
    :param answer_tag: tag whose content is the answer, or ``None`` to extract it after the tags.
    :param name: component name.
    """

    final_only = True

    def __init__(
        self,
        present: float = 1.0,
        absent: float = 0.0,
        *,
        tags: Sequence[str] = (),
        answer_tag: str | None = None,
        name: str = "format",
    ) -> None:
        tags = tuple(tags)
        if answer_tag is not None and answer_tag not in tags:
            tags = (*tags, answer_tag)
        for tag in tags:
            if not _TAG_NAME.fullmatch(tag):
                raise ValueError(f"tag names are XML-like names such as 'think', got {tag!r}")
        if len(set(tags)) != len(tags):
            raise ValueError(f"tags must be distinct, got {tags}")
        self.present = float(present)
        self.absent = float(absent)
        self.tags = tags
        self.answer_tag = answer_tag
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        if not ctx.final:
            return RewardOutput(0.0, {self.name: 0.0})
        value = self.present if self.well_formed(ctx) else self.absent
        return RewardOutput(value, {self.name: value})

    def well_formed(self, ctx: StepContext) -> bool:
        """Whether the response meets the format (see the class docstring)."""
        if not self.tags:
            if ctx.verdict is not None:
                return ctx.verdict.extracted is not None
            return _has_answer(ctx.response)
        contents, tail = _split_template(ctx.response, self.tags)
        if contents is None:
            return False
        if self.answer_tag is not None:
            return bool(contents[self.answer_tag].strip())
        return _has_answer(tail)

    def __repr__(self) -> str:
        return (
            f"FormatReward(present={self.present}, absent={self.absent}, tags={self.tags}, "
            f"answer_tag={self.answer_tag!r}, name={self.name!r})"
        )


def _has_answer(text: str) -> bool:
    from mathgym.verifier import extract_answer

    return extract_answer(text) is not None


def _split_template(text: str, tags: Sequence[str]) -> tuple[dict[str, str] | None, str]:
    """Match ``text`` against ``<t1>…</t1> <t2>…</t2> …``; return each tag's content and the rest.

    ``(None, "")`` when the template is not met: a tag missing or repeated, out of order, or text other
    than whitespace before the first tag or between two tags.
    """
    for tag in tags:
        if text.count(f"<{tag}>") != 1 or text.count(f"</{tag}>") != 1:
            return None, ""
    contents: dict[str, str] = {}
    pos = 0
    for tag in tags:
        start = text.find(f"<{tag}>", pos)
        if start < 0 or text[pos:start].strip():
            return None, ""
        body_start = start + len(tag) + 2
        end = text.find(f"</{tag}>", body_start)
        if end < 0:
            return None, ""
        contents[tag] = text[body_start:end]
        pos = end + len(tag) + 3
    return contents, text[pos:]
