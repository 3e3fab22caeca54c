"""Decodes OTLP/HTTP JSON request bodies with the official protobuf definitions, strictly.

Reads a JSON array of request bodies (strings) on stdin; each must parse as an
ExportLogsServiceRequest with no unknown field (json_format.Parse rejects those by default).
Prints, as JSON, per body: the number of log records and, per attribute key, the value types seen.
"""
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest


def decode(text):
    request = json_format.Parse(text, ExportLogsServiceRequest())
    types = {}
    records = 0
    for resource_logs in request.resource_logs:
        for attr in resource_logs.resource.attributes:
            types.setdefault(attr.key, set()).add(attr.value.WhichOneof("value"))
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                records += 1
                for attr in record.attributes:
                    types.setdefault(attr.key, set()).add(attr.value.WhichOneof("value"))
    return {"records": records, "types": {k: sorted(v) for k, v in types.items()}}


def main():
    bodies = json.load(sys.stdin)
    out = []
    for i, body in enumerate(bodies):
        try:
            out.append(decode(body))
        except json_format.ParseError as error:
            print(f"body {i}: {error}", file=sys.stderr)
            sys.exit(1)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
