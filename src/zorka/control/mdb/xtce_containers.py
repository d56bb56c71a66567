"""XTCE import, the containers: sequence containers, their entries and restriction criteria."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from pydantic import ValidationError

from zorka.control.mdb.model import Comparison, Container, Entry
from zorka.control.mdb.xtce_documents import (
    _Def,
    _doc,
    _first_error,
    _kid,
    _local,
    _UnsupportedError,
)
from zorka.control.mdb.xtce_types import _TypeReader

__all__: list[str] = []


class _ContainerReader(_TypeReader):
    """Sequence containers: entries, inheritance and restriction criteria."""

    def build_containers(self) -> list[Container]:
        out = []
        for qname, d in self.containers.items():
            try:
                try:
                    out.append(self.container(qname, d))
                except ValidationError as err:
                    raise _UnsupportedError(d.elem, _first_error(err)) from None
            except _UnsupportedError as exc:
                self.report(exc, f"container {self.out_name(qname, self.containers)!r} left out")
                self.ok(*d.elem.iter())
        return out

    def container(self, qname: str, d: _Def) -> Container:
        elem, space = d.elem, d.space
        self.ok(elem, _kid(elem, "EntryList"))
        if _local(elem.tag) != "SequenceContainer":
            raise _UnsupportedError(elem, f"{_local(elem.tag)} is not supported")
        entries: list[str | Entry] = []
        for child in _kid(elem, "EntryList") or []:
            entries += self.entry(child, space)
        base = None
        restriction: list[Comparison] = []
        base_elem = _kid(elem, "BaseContainer")
        if base_elem is not None:
            self.ok(base_elem)
            bq = self.resolve(base_elem.get("containerRef", ""), space, self.containers)
            if bq is None:
                raise _UnsupportedError(
                    base_elem, f"no container {base_elem.get('containerRef')!r}"
                )
            base = self.out_name(bq, self.containers)
            criteria = _kid(base_elem, "RestrictionCriteria")
            if criteria is not None:
                self.ok(criteria)
                restriction = self.comparisons(criteria, space)
        return Container(
            name=self.out_name(qname, self.containers),
            description=_doc(elem),
            base=base,
            restriction=restriction,
            abstract=elem.get("abstract", "false") == "true",
            entries=entries,
        )

    def entry(self, child: ET.Element, space: str) -> list[str | Entry]:
        self.ok(child)
        tag = _local(child.tag)
        for bad in ("IncludeCondition", "RepeatEntry"):
            if _kid(child, bad) is not None:
                raise _UnsupportedError(_kid(child, bad) or child, f"{bad} is not supported")
        location: dict[str, Any] = {}
        loc = _kid(child, "LocationInContainerInBits")
        if loc is not None:
            self.ok(loc)
            ref = loc.get("referenceLocation", "previousEntry")
            fixed = _kid(loc, "FixedValue")
            self.ok(fixed)
            if ref not in ("previousEntry", "containerStart") or fixed is None or not fixed.text:
                raise _UnsupportedError(loc, f"location {ref!r} without a fixed value")
            location = {
                "location_bits": int(fixed.text),
                "reference": "container_start" if ref == "containerStart" else "previous_entry",
            }
        if tag == "ParameterRefEntry":
            ref_name = child.get("parameterRef", "")
            qname = self.resolve(ref_name, space, self.params)
            if qname is not None and qname in self.unsized:
                bits = self.unsized[qname]
                if bits is None:
                    raise _UnsupportedError(child, f"parameter {ref_name!r} was not imported")
                return [Entry(spare=bits, **location)]
            name = self.param_ref(ref_name, space, child) if qname is None else ""
            members = [n for q, n in self.flat.items() if q == qname or q.startswith(f"{qname}.")]
            names = members if qname is not None else [name]
            out: list[str | Entry] = [
                Entry(parameter=names[0], **location) if location else names[0]
            ]
            return out + list(names[1:])
        if tag == "ContainerRefEntry":
            cq = self.resolve(child.get("containerRef", ""), space, self.containers)
            if cq is None:
                raise _UnsupportedError(child, f"no container {child.get('containerRef')!r}")
            return [Entry(container=self.out_name(cq, self.containers), **location)]
        if tag == "FixedValueEntry":
            return [Entry(spare=int(child.get("sizeInBits", "0")), **location)]
        raise _UnsupportedError(child, f"{tag} is not supported")
