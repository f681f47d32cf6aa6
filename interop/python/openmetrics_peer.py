#!/usr/bin/env python3
"""A one-shot bridge to `prometheus_client`'s OpenMetrics parser (pinned in requirements.txt).

Run with the venv made by setup.sh. Reads ONE JSON request on stdin, {"text": "<an OpenMetrics
text exposition, what a service's /metrics answers>"}, and writes ONE JSON object on stdout:
  {"ok": true, "families": {"<name>": {"type": "<counter|gauge|...>",
                                       "samples": [{"name": ..., "labels": {...}, "value": ...}]}}}
or {"ok": false, "error": "..."} when the parser refuses the text (exit status 0 either way).
"""

import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def main():
    text = json.loads(sys.stdin.read())["text"]
    try:
        families = {}
        for family in text_string_to_metric_families(text):
            families[family.name] = {
                "type": family.type,
                "samples": [
                    {"name": s.name, "labels": dict(s.labels), "value": s.value} for s in family.samples
                ],
            }
        print(json.dumps({"ok": True, "families": families}))
    except Exception as error:  # the parser raises ValueError and others on bad input
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}))


if __name__ == "__main__":
    main()
