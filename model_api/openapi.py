"""OpenAPI 3.0 description generated from the route declarations and their pydantic models.

pydantic emits JSON Schema 2020-12; OpenAPI 3.0 (which the vendored Swagger UI 4 and most tools
read) differs in a few keywords, so ``to_openapi30`` rewrites ``anyOf [..., null]`` to
``nullable``, ``const`` to ``enum`` and numeric ``exclusiveMinimum/Maximum`` to the boolean form.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .routing import OPERATIONS, Operation
from .schemas import ErrorBody

_REF = "#/components/schemas/{model}"
_STATUS_TEXT = {
    304: "Not modified (If-None-Match matched the ETag)", 400: "Malformed JSON", 401: "API key missing",
    403: "API key invalid", 404: "Unknown lake, model or route", 405: "Method not allowed",
    413: "Request body too large", 415: "Body is not JSON", 422: "Invalid body or query parameter",
    503: "Not ready (data or model not loaded)",
}


def to_openapi30(schema: Any) -> Any:
    """Rewrite a JSON Schema 2020-12 fragment into OpenAPI 3.0's schema dialect."""
    if isinstance(schema, list):
        return [to_openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_openapi30(v) for k, v in schema.items() if k not in ("anyOf", "const", "examples")}
    if "const" in schema:
        out["enum"] = [schema["const"]]
    if "examples" in schema and isinstance(schema["examples"], list) and schema["examples"]:
        out["example"] = schema["examples"][0]
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(schema.get(key), (int, float)) and not isinstance(schema.get(key), bool):
            out[bound] = schema[key]
            out[key] = True
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o != {"type": "null"}]
        nullable = len(options) < len(schema["anyOf"])
        options = [to_openapi30(o) for o in options]
        if len(options) == 1:
            only = options[0]
            if "$ref" in only:
                out["allOf"] = [only]
            else:
                out.update(only)
        else:
            out["anyOf"] = options
        if nullable:
            out["nullable"] = True
    return out


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule)


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        if name not in required and "anyOf" in prop:  # optional: the null branch means "absent"
            options = [o for o in prop["anyOf"] if o != {"type": "null"}]
            if len(options) == 1:
                prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **options[0]}
            if prop.get("default") is None:
                prop.pop("default", None)
        param = {"name": name, "in": "query", "required": name in required,
                 "schema": to_openapi30(prop)}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _error(status: int) -> dict:
    return {"description": _STATUS_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}}


def _operation(op: Operation) -> dict:
    out: dict[str, Any] = {"summary": op.summary, "tags": op.tags,
                           "operationId": re.sub(r"[^A-Za-z0-9]+", "_", f"{op.method}_{op.path}").strip("_")}
    params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
               "description": d} for n, d in op.path_params.items()]
    if op.query is not None:
        params += _query_parameters(op.query)
    if op.cacheable:
        params.append({"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                       "description": "ETag of a previous answer: 304 if nothing changed"})
    if op.security:
        out["security"] = [{"ApiKey": []}]
    if params:
        out["parameters"] = params
    if op.body is not None or op.body_schema is not None:
        schema = {"$ref": _REF.format(model=op.body.__name__)} if op.body is not None else to_openapi30(op.body_schema)
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = {op.response_media: {"schema": {"$ref": _REF.format(model=op.response.__name__)}}}
    elif op.response_media:
        ok["content"] = {op.response_media: {"schema": {"type": "string"}}}
    if op.cacheable:
        ok["headers"] = {"ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {"200": ok}
    if op.cacheable:
        responses["304"] = {"description": _STATUS_TEXT[304]}
    statuses = set(op.errors)
    if op.query is not None:
        statuses.add(422)
    if op.body is not None or op.body_schema is not None:
        statuses |= {400, 413, 415, 422}
    if op.path == "/health/ready":
        statuses.discard(503)
        responses["503"] = {"description": _STATUS_TEXT[503], "content": {
            "application/json": {"schema": {"$ref": _REF.format(model="NotReadyBody")}}}}
    for status in sorted(statuses):
        responses[str(status)] = _error(status)
    responses["default"] = {**_error(0), "description": "Error (JSON body)"}
    out["responses"] = responses
    return out


def build_spec(api_version: str, models: list[str]) -> dict:
    """The whole document; ``models`` (configured model names) are listed in the description."""
    from .schemas import NotReadyBody

    body_models = {op.body for op in OPERATIONS if op.body is not None}
    response_models = {op.response for op in OPERATIONS if op.response is not None} | {ErrorBody, NotReadyBody}
    pairs = [(m, "validation") for m in sorted(body_models, key=lambda m: m.__name__)]
    pairs += [(m, "serialization") for m in sorted(response_models, key=lambda m: m.__name__)]
    _, defs = models_json_schema(pairs, ref_template=_REF)
    schemas = {name: to_openapi30(s) for name, s in defs.get("$defs", {}).items()}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(_path(op.path), {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Minnesota Lake Dashboard model API",
            "version": api_version,
            "description": ("Lake data (tidy tables) and production models (registry) as JSON. "
                            f"Models: {', '.join(models)}. Errors: {{\"error\", \"detail\": [{{\"loc\", \"msg\"}}]}}."),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }
