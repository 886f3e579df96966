"""Validates SARIF logs against the SARIF 2.1.0 JSON schema.

Usage: python3 validate.py SCHEMA.json LOG.sarif...
Prints each violation and exits 1 when any log is invalid. The schema is
draft-07; its references are all local (`#/definitions/...`), so nothing is
fetched. Used by tests/sarif.rs; needs the `jsonschema` package.
"""

import json
import sys

import jsonschema


def main(schema_path, log_paths):
    with open(schema_path, encoding="utf-8") as file:
        schema = json.load(file)
    validator_class = jsonschema.validators.validator_for(schema)
    if validator_class is not jsonschema.Draft7Validator:
        print(f"expected a draft-07 schema, got {validator_class.__name__}")
        return 2
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    invalid = 0
    for path in log_paths:
        with open(path, encoding="utf-8") as file:
            log = json.load(file)
        errors = sorted(validator.iter_errors(log), key=lambda error: list(map(str, error.absolute_path)))
        for error in errors:
            where = "/".join(str(step) for step in error.absolute_path)
            print(f"{path}: /{where}: {error.message}")
        invalid += bool(errors)
    print(f"SARIF schema: {len(log_paths) - invalid} valid, {invalid} invalid")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
