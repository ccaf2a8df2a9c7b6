"""Read the Minnesota Secretary of State's media files: the folders of a feed, and their rows.

A source is a ``.tar`` / ``.tar.xz`` archive of fetch folders, an unpacked folder of
fetch folders (at any depth), or one fetch folder (it holds the ``*.txt`` files).
:func:`feed_folders` lists the folders in time order, each as ``{file name: FileRef}``.
A :class:`FileRef` has an ``identity``: the same for every folder that holds the same
unchanged file (a hard link in the folder, the link target in the archive), so
callers parse a file once however many folders hold it.

An archive is read in one pass (its members are grouped by file, not by folder), and
only the files named in ``wanted`` are kept, compressed in memory, once per identity.

Rows (semicolon-separated, no header; :func:`parse_results`)::

    state;county_id;precinct_code;office_id;office_name;district;candidate_order;
    candidate_name;suffix;incumbent;party;precincts_reporting;precincts_total;votes;
    pct;office_total_votes

``pctstats.txt`` (:func:`parse_pctstats`)::

    state;county_id;precinct_code;precinct_name;has_reported;registered_at_7am;
    registered_on_election_day;roster_signatures;absentee_regular;
    absentee_federal_overseas;president_only;total_voters
"""
from __future__ import annotations

import os
import re
import tarfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

FOLDER = re.compile(r"^(\d{8}T\d{6})([+-]\d{4})$")
#: The ids of county offices (the range of the 2022 county-races file).
COUNTY_OFFICES = (391, 440)


def is_county_office(office_id: str) -> bool:
    """A county office's id (:data:`COUNTY_OFFICES`): one contest per county."""
    return office_id.isdigit() and COUNTY_OFFICES[0] <= int(office_id) <= COUNTY_OFFICES[1]


class FeedFormatError(ValueError):
    """The source cannot be read or is not a Minnesota media-file feed."""


@dataclass(frozen=True)
class FileRef:
    """One file of one folder: ``identity`` is shared by unchanged copies."""
    identity: object
    loader: object  # () -> bytes

    def read(self) -> bytes:
        return self.loader()


@dataclass(frozen=True)
class Row:
    county: str
    precinct: str
    office_id: str
    office: str
    district: str
    order: str
    candidate: str
    party: str
    reporting: int
    total: int
    votes: int


@dataclass(frozen=True)
class PrecinctStat:
    county: str
    precinct: str
    reported: bool
    registered: int
    voters: int


def folder_time(name: str) -> str:
    """``20221108T201006-0600`` -> ``2022-11-08T20:10:06-06:00``."""
    m = FOLDER.match(name)
    if not m:
        raise FeedFormatError(f"folder name {name!r} is not a fetch time like 20221108T201006-0600")
    t = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S")
    off = m.group(2)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f"{off[:3]}:{off[3:]}"


def _int(text: str, where: str) -> int:
    text = text.strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise FeedFormatError(f"{where}: not a whole number: {text!r}") from None


def parse_results(data: bytes, where: str = "<file>") -> list[Row]:
    """The rows of a results media file (module docstring); blank lines are ignored."""
    rows = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        f = line.split(";")
        if len(f) < 16:
            raise FeedFormatError(f"{where} line {n}: {len(f)} fields, expected 16")
        rows.append(Row(f[1].strip(), f[2].strip(), f[3].strip(), f[4].strip(), f[5].strip(),
                        f[6].strip(), f[7].strip(), f[10].strip(), _int(f[11], f"{where} line {n}"),
                        _int(f[12], f"{where} line {n}"), _int(f[13], f"{where} line {n}")))
    return rows


def parse_pctstats(data: bytes, where: str = "pctstats.txt") -> list[PrecinctStat]:
    """The rows of ``pctstats.txt``: registered = at 7 am + on election day."""
    out = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        f = line.split(";")
        if len(f) < 12:
            raise FeedFormatError(f"{where} line {n}: {len(f)} fields, expected 12")
        w = f"{where} line {n}"
        out.append(PrecinctStat(f[1].strip(), f[2].strip(), f[4].strip() == "1",
                                _int(f[5], w) + _int(f[6], w), _int(f[11], w)))
    return out


def _is_folder(path: Path) -> bool:
    return any(p.suffix == ".txt" for p in path.iterdir() if p.is_file())


def _folder_files(path: Path, wanted) -> dict:
    files = {}
    for p in path.iterdir():
        if p.suffix == ".txt" and (wanted is None or wanted(p.name)):
            st = p.stat()
            files[p.name] = FileRef((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns),
                                    lambda p=p: p.read_bytes())
    return files


def _dir_folders(root: Path, wanted) -> list[tuple[str, dict]]:
    if _is_folder(root):
        name = root.name if FOLDER.match(root.name) else "00000000T000000+0000"
        return [(name, _folder_files(root, wanted))]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if FOLDER.match(os.path.basename(dirpath)) and any(f.endswith(".txt") for f in filenames):
            found.append((os.path.basename(dirpath), _folder_files(Path(dirpath), wanted)))
    return found


def _tar_folders(path: Path, wanted) -> list[tuple[str, dict]]:
    blobs, links, folders = {}, {}, {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                parent, _, name = m.name.rpartition("/")
                folder = parent.rpartition("/")[2]
                if not FOLDER.match(folder) or not name.endswith(".txt"):
                    continue
                if wanted is not None and not wanted(name):
                    continue
                if m.islnk():  # a hard link names the first copy, itself possibly a link
                    ident = links.get(m.linkname, m.linkname)
                    links[m.name] = ident
                elif m.isfile():
                    ident = m.name
                    blobs[ident] = zlib.compress(tar.extractfile(m).read(), 1)
                else:
                    continue
                folders.setdefault(folder, {})[name] = ident
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise FeedFormatError(f"{path}: cannot read the archive: {exc}") from None
    out = []
    for folder in folders:
        files = {n: FileRef(i, lambda i=i: zlib.decompress(blobs[i])) for n, i in folders[folder].items() if i in blobs}
        out.append((folder, files))
    return out


def feed_folders(source, wanted=None) -> list[tuple[str, dict]]:
    """``[(folder name, {file name: FileRef})]`` in time order (module docstring)."""
    path = Path(source)
    if path.is_dir():
        folders = _dir_folders(path, wanted)
    elif path.is_file():
        folders = _tar_folders(path, wanted)
    else:
        raise FeedFormatError(f"{source}: no such file or folder")
    if not folders:
        raise FeedFormatError(f"{source}: no fetch folders (named like 20221108T201006-0600) "
                              "with media files (*.txt)")
    return sorted(folders, key=lambda f: (_utc(f[0]), f[0]))


def _utc(name: str):
    """Sort key: the fetch time in UTC (names that are not fetch times first)."""
    if not FOLDER.match(name):
        return datetime.min.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(folder_time(name)).astimezone(timezone.utc)
