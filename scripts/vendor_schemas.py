#!/usr/bin/env python3
"""Vendor the strict Kubernetes JSON schemas berth embeds.

Why: berth validates offline, so it ships the `_definitions.json` of each supported
Kubernetes minor version. They come from the `kubernetes-validate` wheel (Apache-2.0,
derived from the Kubernetes OpenAPI spec, also Apache-2.0). This script downloads the
pinned wheel, keeps the `-local-strict` definitions of each version, strips the
`description` annotations (which make up most of the size) and writes reviewable,
pretty-printed JSON (indent 1, original key order) plus provenance in schemas/SOURCES.md.

Usage: python3 scripts/vendor_schemas.py   (from anywhere; needs pip and PyPI access)
"""

import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "kubernetes-validate"
VERSION = "1.37.0"
MINORS = ["1.33", "1.34", "1.35", "1.36", "1.37"]
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "schemas"
INNER = "kubernetes_validate/kubernetes-json-schema/v{minor}.0-local-strict/_definitions.json"


def strip_descriptions(node, in_properties=False):
    """Drops `description` annotations. Inside a `properties` map, keys are field names,
    so a field called `description` (as in JSONSchemaProps) is kept."""
    if isinstance(node, list):
        return [strip_descriptions(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "description" and not in_properties and not isinstance(value, dict):
            continue
        out[key] = strip_descriptions(value, in_properties=(key == "properties" and not in_properties))
    return out


def download(tmp):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp, f"{PACKAGE}=={VERSION}"],
        check=True,
    )
    wheels = sorted(pathlib.Path(tmp).glob("*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one wheel in {tmp}, found {[w.name for w in wheels]}")
    return wheels[0]


def compose_sha():
    """Recorded here too so SOURCES.md covers every vendored file."""
    path = OUT / "compose" / "compose-spec.json"
    return sha256(path.read_bytes()) if path.exists() else "(missing)"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download(tmp)
        wheel_sha = sha256(wheel.read_bytes())
        rows = []
        with zipfile.ZipFile(wheel) as zf:
            licence = next(n for n in zf.namelist() if n.endswith(".dist-info/LICENSE") or n.endswith("/LICENSE"))
            licence_text = zf.read(licence).decode("utf-8")
            for minor in MINORS:
                defs = json.loads(zf.read(INNER.format(minor=minor)))
                stripped = strip_descriptions(defs)
                text = json.dumps(stripped, indent=1, ensure_ascii=False) + "\n"
                target = OUT / "kubernetes" / f"v{minor}" / "_definitions.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                rows.append((target.relative_to(ROOT).as_posix(), INNER.format(minor=minor), sha256(text.encode())))
    (OUT / "LICENSE-kubernetes-validate").write_text(
        "The files under schemas/kubernetes/ are derived from the kubernetes-validate\n"
        f"package {VERSION} (https://github.com/willthames/kubernetes-validate), whose schemas are\n"
        "generated from the Kubernetes OpenAPI specification (Copyright The Kubernetes Authors,\n"
        "Apache License 2.0). berth strips their `description` annotations; nothing else changes.\n"
        "The package's licence notice follows verbatim, then the Apache License 2.0 text.\n\n"
        + licence_text
        + apache_text(),
        encoding="utf-8",
    )
    write_sources(wheel.name, wheel_sha, rows)


def apache_text():
    """The full licence text the notice refers to, from the system's copy (Debian ships it)."""
    system = pathlib.Path("/usr/share/common-licenses/Apache-2.0")
    if not system.exists():
        sys.exit("need the Apache-2.0 text at /usr/share/common-licenses/Apache-2.0 (Debian base-files)")
    return "\n" + "-" * 72 + "\n\n" + system.read_text(encoding="utf-8")


def write_sources(wheel_name, wheel_sha, rows):
    lines = [
        "# Vendored schemas",
        "",
        "Written by `scripts/vendor_schemas.py`; rerun it instead of editing these files.",
        "",
        "## Kubernetes (`kubernetes/v1.XX/_definitions.json`)",
        "",
        f"- Source: PyPI package `{PACKAGE}` {VERSION}, wheel `{wheel_name}`",
        f"  (sha256 `{wheel_sha}`), the `-local-strict` variant (`additionalProperties: false`).",
        "- Licence: Apache-2.0, Copyright (C) 2018 Will Thames; the schemas derive from the Kubernetes",
        "  OpenAPI specification, Copyright The Kubernetes Authors, Apache-2.0. See `LICENSE-kubernetes-validate`.",
        "- Change: `description` annotations removed (fields named `description` kept); JSON re-indented",
        "  with one space, key order unchanged.",
        "",
        "| file | taken from (inside the wheel) | sha256 |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{f}` | `{src}` | `{digest}` |" for f, src, digest in rows]
    lines += [
        "",
        "## Compose (`compose/compose-spec.json`)",
        "",
        "- Source: compose-spec/compose-go `schema/compose-spec.json` (snapshot of HEAD `e70e961`), verbatim.",
        "  Licence: Apache-2.0.",
        f"- sha256 `{compose_sha()}`",
        "",
    ]
    (OUT / "SOURCES.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
