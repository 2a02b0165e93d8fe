"""Real answers of redressd against docs/openapi.json, with Debian's
python3-jsonschema (Draft 2020-12, the dialect of OpenAPI 3.1 schemas).

  check_answers.py DOCUMENT ANSWERS

DOCUMENT is the OpenAPI document as the daemon served it; ANSWERS a JSON
list of {name, method, path, status, content_type, headers, body}: `path`
is the document's path template (`/v1/cases/{id}`), or `response` names a
component response instead (an answer no operation lists: 405, 404 for an
unknown route). Prints one line per answer the document does not allow
(its status not listed, a media type not listed, a body or header its schema
refuses) and exits 1 if there is any. Used by tests/integration/openapi_spec.lua.
"""
import json
import sys

from jsonschema import Draft202012Validator, RefResolver
from jsonschema.exceptions import best_match


def pointer(doc, ref):
    if not ref.startswith("#/"):
        raise ValueError("only local $refs are used here: " + ref)
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        node = pointer(doc, node["$ref"])
    return node


def schema_errors(doc, schema, instance):
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, resolver=RefResolver.from_schema(doc))
    err = best_match(validator.iter_errors(instance))
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path)
    return "%s (at /%s)" % (err.message, where)


def check(doc, a):
    if a.get("response"):
        responses = {str(a["status"]): doc["components"]["responses"][a["response"]]}
        what = "the response " + a["response"]
    else:
        op = doc["paths"].get(a["path"], {}).get(a["method"].lower())
        if op is None:
            return "%s %s is not in the document" % (a["method"], a["path"])
        responses = op["responses"]
        what = "%s %s" % (a["method"], a["path"])
    # a body the daemon accepted is one the document allows
    if 200 <= a["status"] < 300 and a.get("request") and not a.get("response"):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            why = schema_errors(doc, body["schema"], json.loads(a["request"]))
            if why:
                return "the request body, accepted, is not one the document allows: " + why
    resp = responses.get(str(a["status"]))
    if resp is None:
        return "status %d is not documented for %s" % (a["status"], what)
    resp = deref(doc, resp)
    for name, header in resp.get("headers", {}).items():
        value = a.get("headers", {}).get(name.lower())
        if value is not None:
            why = schema_errors(doc, deref(doc, header)["schema"], value)
            if why:
                return "header %s: %s" % (name, why)
    content = resp.get("content")
    if not content:
        return None if a["body"] == "" else "a body where %s %d documents none" % (what, a["status"])
    media = (a.get("content_type") or "").split(";")[0].strip().lower()
    if media not in content:
        return "content type %r is not documented for %s %d" % (a.get("content_type"), what, a["status"])
    schema = content[media].get("schema", {})
    if media == "application/json":
        try:
            body = json.loads(a["body"])
        except ValueError as e:
            return "the body is not JSON: %s" % e
    else:
        body = a["body"]
    return schema_errors(doc, schema, body)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        answers = json.load(f)
    # every schema the document holds is a valid Draft 2020-12 schema
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    bad = 0
    for a in answers:
        why = check(doc, a)
        if why:
            bad += 1
            print("%s: %s %s -> %d: %s" % (a["name"], a["method"], a.get("path") or a.get("response"), a["status"], why))
    print("%d answers checked, %d refused" % (len(answers), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
