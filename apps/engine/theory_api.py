"""POST /api/theory/: queueing theory's predictions for a topology, before it runs.

The body is a topology document (docs/topology-format.md). An invalid one is answered 400
with the validator's errors, as everywhere else; a valid one with
`{"nodes": {id: prediction}}` (apps/engine/theory.py, docs/theory.md).
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.engine.theory import predict
from apps.topology.http import api_methods, json_ok, read_valid_document


@csrf_exempt  # stores nothing: it only answers what theory predicts for the posted document
@api_methods("POST")
def theory(request: HttpRequest) -> JsonResponse:
    document, failure = read_valid_document(request)
    if failure is not None:
        return failure
    predictions = predict(document)
    return json_ok({"nodes": {node_id: p.as_dict() for node_id, p in predictions.items()}})
