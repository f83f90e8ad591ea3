#!/usr/bin/env python3
"""Builds the Elasticsearch / OpenSearch index template from output/fields.tsv.

usage: gen_index_template.py output/fields.tsv > contrib/elasticsearch/tlsscope-template.json

A composable index template (PUT _index_template/tlsscope, Elasticsearch 7.8+
and OpenSearch 1.0+) for indices named tlsscope-*: every field the JSON writer
can write, mapped with the type fields.tsv gives (ECS's type for ECS fields,
tests/ecs checks that). Mapping is strict about what it indexes (dynamic:
false): a field missing from fields.tsv is kept in _source but not indexed,
never guessed. keyword fields ignore values over 1024 characters, as ECS's
own templates do, except the JA3 strings, which are long by nature.
"""
import json
import sys

LONG_KEYWORDS = {"tls.client.ja3_string", "tls.server.ja3s_string"}


def main():
    root = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, typ, _form = line.rstrip("\n").split("\t")
            node = root
            parts = name.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {"properties": {}})["properties"]
            mapping = {"type": typ}
            if typ == "keyword":
                mapping["ignore_above"] = 8192 if name in LONG_KEYWORDS else 1024
            node[parts[-1]] = mapping
    template = {
        "index_patterns": ["tlsscope-*"],
        "priority": 200,
        "_meta": {"description": "tlsscope JSON lines (ECS names where ECS has the field)",
                  "generated_from": "output/fields.tsv by tools/gen_index_template.py"},
        "template": {
            "settings": {"index": {"mapping": {"total_fields": {"limit": 2000}}}},
            "mappings": {"dynamic": False, "date_detection": False, "properties": root},
        },
    }
    json.dump(template, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
