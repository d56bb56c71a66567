"""Exceptions of the link layer.

Decoders raise these for one bad unit (a frame, a packet, a CLTU); the stream decoders catch
them, count the unit as invalid, log where it was, and go on.
"""

from __future__ import annotations

__all__ = ["CltuError", "FrameError", "LinkLayerError"]


class LinkLayerError(ValueError):
    """A unit of the link layer (frame, packet, CLTU) that cannot be decoded."""


class FrameError(LinkLayerError):
    """A transfer frame that is too short, of the wrong version, or fails its FECF."""


class CltuError(LinkLayerError):
    """A CLTU without its start sequence, or with a codeblock BCH cannot correct."""
