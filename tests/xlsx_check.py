"""Checks every XLSX the bot hands out must pass, as a program opening it would see it:

* the zip: every entry's local header agrees with the central directory (name, method, flags, CRC and sizes,
  and a ZIP64 extra field in both or in neither — the mismatch that makes Excel offer to repair a file);
* the XML: every part parses, every part has a content type, worksheets hold no formula (`<f>`) and no
  shared-formula or array trickery;
* openpyxl reads it back;
* LibreOffice (when installed): `soffice --headless --convert-to csv|pdf` opens it without complaint.
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
ZIP64_EXTRA = 0x0001


def _extra_ids(extra: bytes) -> set[int]:
    ids, i = set(), 0
    while i + 4 <= len(extra):
        header_id, size = struct.unpack_from("<HH", extra, i)
        ids.add(header_id)
        i += 4 + size
    return ids


def check_zip(raw: bytes) -> list[str]:
    """The entries' names, after checking local headers against the central directory."""
    names = []
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        assert archive.testzip() is None
        for info in archive.infolist():
            at = info.header_offset
            (signature, _version, flags, method, _time, _date, crc, packed, size, name_len,
             extra_len) = LOCAL_HEADER.unpack_from(raw, at)
            assert signature == 0x04034B50, info.filename
            start = at + LOCAL_HEADER.size
            name = raw[start:start + name_len].decode("utf-8" if flags & 0x800 else "cp437")
            extra = raw[start + name_len:start + name_len + extra_len]
            assert name == info.filename
            assert method == info.compress_type, info.filename
            assert flags == info.flag_bits, info.filename
            assert (ZIP64_EXTRA in _extra_ids(extra)) == (ZIP64_EXTRA in _extra_ids(info.extra)), (
                f"{info.filename}: ZIP64 in the local header but not in the central directory (or back)")
            if not flags & 0x08:  # no data descriptor: the local header carries the real figures
                assert crc == info.CRC, info.filename
                if ZIP64_EXTRA not in _extra_ids(extra):
                    assert (packed, size) == (info.compress_size, info.file_size), info.filename
            names.append(info.filename)
    return names


def check_parts(raw: bytes, *, formulas_allowed: bool = False) -> None:
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        names = archive.namelist()
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        defaults = {e.get("Extension") for e in types.iter(f"{CT}Default")}
        overrides = {e.get("PartName") for e in types.iter(f"{CT}Override")}
        for name in names:
            if name.endswith("/"):
                continue
            assert f"/{name}" in overrides or name.rsplit(".", 1)[-1] in defaults, f"no content type: {name}"
            if name.endswith((".xml", ".rels")):
                root = ElementTree.fromstring(archive.read(name))  # raises on malformed XML
                if name.startswith("xl/worksheets/") and not formulas_allowed:
                    found = [c.get("r") for c in root.iter(f"{MAIN}c") if c.find(f"{MAIN}f") is not None]
                    assert not found, f"{name}: formulas in {found[:5]}"


def check_xlsx(source: bytes | str | Path, *, formulas_allowed: bool = False) -> Workbook:
    """Runs the zip and XML checks and returns the workbook as openpyxl reads it."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    names = check_zip(raw)
    assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
    check_parts(raw, formulas_allowed=formulas_allowed)
    return load_workbook(BytesIO(raw))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(source: Path, to: str, out_dir: Path, *, timeout: int = 180) -> list[Path]:
    """Converts with LibreOffice headless in a private profile (so parallel runs don't collide); returns the
    files it wrote. `to` is «pdf», «csv» (every sheet: LibreOffice ≥ 7.2 writes name-Sheet.csv files) or a
    full filter string."""
    binary = soffice()
    assert binary, "LibreOffice is not installed"
    if to == "csv":
        to = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"  # cells as shown
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    before = set(out_dir.iterdir()) if out_dir.exists() else set()
    try:
        done = subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", to,
             "--outdir", str(out_dir), str(source)],
            capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile})
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    return sorted(set(out_dir.iterdir()) - before)
